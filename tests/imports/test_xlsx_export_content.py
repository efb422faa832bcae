"""The streamed XLSX exports (written by XlsxWriter) hold what the CSV exports hold, typed:
same sheet, bold frozen header, real dates, numbers as numbers, sanitised text, no hyperlinks."""

import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from recommendations import services
from tests.conftest import RoleMatrix


def _body(response: Any) -> bytes:
    assert isinstance(response, (FileResponse, StreamingHttpResponse))
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


def _as_csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0) and value.second == 0:
            # openpyxl reads a date cell back as a midnight datetime.
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)


def _same_number(text: str) -> str:
    # A spreadsheet keeps 40.0 as the number 40: compare numbers as numbers.
    try:
        return repr(float(text))
    except ValueError:
        return text


@pytest.mark.parametrize("kind", ["recommendations", "action-items", "timeline"])
def test_the_xlsx_export_is_the_csv_export_cell_for_cell(
    client: Client, roles: RoleMatrix, kind: str
) -> None:
    roles.item.title_en = '=HYPERLINK("https://evil.example")'
    roles.item.save()
    services.action_item_change(
        item=roles.item,
        actor=roles.staff,
        expected_version=roles.item.version,
        percent_complete=40,
        note="https://example.gc.ca/report",
    )
    client.force_login(roles.staff)
    csv_rows = list(
        csv.reader(
            io.StringIO(_body(client.get(f"/spreadsheets/exports/{kind}.csv")).decode("utf-8-sig"))
        )
    )
    book = load_workbook(io.BytesIO(_body(client.get(f"/spreadsheets/exports/{kind}.xlsx"))))
    assert len(book.worksheets) == 1
    sheet = book.worksheets[0]
    assert isinstance(sheet, Worksheet)
    assert sheet.title == {"recommendations": "Recommendations", "action-items": "Action items",
                           "timeline": "Timeline"}[kind]  # fmt: skip
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    # A URL in a note stays text, not a hyperlink.
    assert all(
        getattr(cell, "hyperlink", None) is None for row in sheet.iter_rows() for cell in row
    )
    xlsx_rows = [[_as_csv_text(cell.value) for cell in row] for row in sheet.iter_rows()]
    width = len(csv_rows[0])
    assert [[_same_number(v) for v in row + [""] * (width - len(row))] for row in xlsx_rows] == [
        [_same_number(v) for v in row] for row in csv_rows
    ]
    # Typed cells: text stays text (even a sanitised formula), numbers and dates are real.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
                assert not cell.value.startswith(("=", "+", "@"))
            if isinstance(cell.value, datetime.datetime):
                assert cell.number_format in ("yyyy-mm-dd", "yyyy-mm-dd hh:mm")


def test_the_item_export_writes_dates_and_numbers_as_such(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    book = load_workbook(io.BytesIO(_body(client.get("/spreadsheets/exports/action-items.xlsx"))))
    header = [cell.value for cell in book.worksheets[0][1]]
    row = {label: cell for label, cell in zip(header, book.worksheets[0][2], strict=False)}
    due = row["Due date"]
    assert isinstance(due, Cell)
    assert due.is_date
    assert due.number_format == "yyyy-mm-dd"
    assert isinstance(due.value, datetime.datetime)
    assert due.value.date() == roles.item.due_date
    assert row["Updated"].number_format == "yyyy-mm-dd hh:mm"
    assert row["Percent complete"].data_type == "n"
    assert row["Version"].value == roles.item.version


def test_the_writer_keeps_awkward_values_exactly_and_says_its_size() -> None:
    """Markup, Excel's own escapes, control characters, edge spaces and every value type come
    back as written; the sheet's dimension (what read-only readers trust) covers the rows."""
    from decimal import Decimal

    from imports.xlsx import XlsxFile

    row = [
        "a & b < c > d", "  padded  ", "tab\tinside", "bell\x07", "_x0041_", "é à «»",
        "=1+1", 1.5, 7, True, Decimal("2.25"), datetime.date(2026, 3, 1),
        datetime.datetime(2026, 3, 1, 9, 45), None, "",
    ]  # fmt: skip
    book = XlsxFile()
    sheet = book.sheet("Awkward")
    sheet.append_rows([["Header"]], [book.bold])
    sheet.append_rows([row, [], ["last"]])
    with book.close() as output:
        content = output.read()
    read = load_workbook(io.BytesIO(content)).worksheets[0]

    def as_excel_shows(value: Any) -> Any:
        # Excel's _xHHHH_ escapes, which Excel reads back and openpyxl leaves as they are.
        if not isinstance(value, str):
            return value
        return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match[1], 16)), value)

    assert [as_excel_shows(cell.value) for cell in read[2]][:13] == [
        "a & b < c > d", "  padded  ", "tab\tinside", "bell\x07", "_x0041_", "é à «»",
        "'=1+1", 1.5, 7, True, 2.25, datetime.datetime(2026, 3, 1),
        datetime.datetime(2026, 3, 1, 9, 45),
    ]  # fmt: skip
    assert [cell.number_format for cell in read[2]][11:13] == ["yyyy-mm-dd", "yyyy-mm-dd hh:mm"]
    assert read["A4"].value == "last"
    assert read["A1"].font.b
    streamed = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    assert (streamed.max_row, streamed.max_column) == (4, 15)
