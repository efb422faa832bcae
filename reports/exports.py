"""The report as a CSV file and as an Excel workbook: the page's tables, nothing more or less.

Both write a ``ReportDocument`` (``reports.tables``), so their columns, rows, rounding and
headers (in the person's language) are the page's. The CSV uses machine-readable values
(ISO dates, a dot before decimals) so a script can read it whatever the language; the workbook
stores dates as dates and numbers as numbers, one sheet per breakdown.
"""

import csv
import datetime
import io
import re
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from imports.cells import cell_safe, row_safe

from .tables import Column, Kind, ReportDocument, ReportTable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses these in sheet names, and names longer than 31 characters.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _csv_value(value: Any, kind: Kind) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return cell_safe(value)
    if kind is Kind.MONTH:
        return value.strftime("%Y-%m")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return value


def _csv_kinds(columns: list[Column]) -> list[Kind]:
    """The kind of each exported cell (pairs give two cells)."""
    kinds: list[Kind] = []
    for column in columns:
        if column.kind is Kind.COUNT_SHARE:
            kinds.extend([Kind.COUNT, Kind.PERCENT])
        elif column.kind is Kind.ABBREVIATION:
            kinds.extend([Kind.TEXT, Kind.TEXT])
        elif column.kind is Kind.LINK:
            kinds.append(Kind.TEXT)
        else:
            kinds.append(column.kind)
    return kinds


def report_csv(document: ReportDocument) -> str:
    """One file, the tables one after the other: a title line, a note line if any, the header,
    the rows, then a blank line. It starts with the report's title and what it covers."""
    output = io.StringIO()
    # The byte-order mark lets spreadsheet programs read the accents of French text.
    output.write("\ufeff")
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([cell_safe(document.title)])
    for label, value in document.metadata():
        writer.writerow(row_safe([label, value]))
    for table in document.tables:
        writer.writerow([])
        writer.writerow([cell_safe(table.title)])
        if table.note:
            writer.writerow([cell_safe(table.note)])
        writer.writerow(row_safe(table.export_header()))
        kinds = _csv_kinds(table.columns)
        for row in table.export_rows():
            writer.writerow(
                [_csv_value(value, kind) for value, kind in zip(row, kinds, strict=True)]
            )
    return output.getvalue()


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub("-", name)[:31] or "Sheet"
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


_NUMBER_FORMATS = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.MONTH: "yyyy-mm",
    Kind.PERCENT: "0.0",
    Kind.DECIMAL: "0.0",
    Kind.COUNT: "#,##0",
}


def _write_table(workbook: Workbook, table: ReportTable, taken: set[str]) -> str:
    """Write ``table`` on a new sheet; return the sheet's name."""
    sheet = workbook.create_sheet(_sheet_name(table.sheet_name or table.title, taken))
    header = table.export_header()
    sheet.append(row_safe(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    kinds = _csv_kinds(table.columns)
    for row in table.export_rows():
        sheet.append(row_safe(list(row)))
        for cell, kind in zip(sheet[sheet.max_row], kinds, strict=True):
            number_format = _NUMBER_FORMATS.get(kind)
            if number_format and cell.value is not None:
                cell.number_format = number_format
    for index, label in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, len(label) + 2))
    title: str = sheet.title
    return title


def report_xlsx(document: ReportDocument) -> bytes:
    """A workbook: a first sheet saying what the report covers, then a sheet per table."""
    workbook = Workbook()
    cover = workbook.active
    # A new Workbook starts with one worksheet (never a chart sheet, never none).
    assert isinstance(cover, Worksheet)
    taken: set[str] = set()
    cover.title = _sheet_name(_("Report"), taken)
    cover.append([cell_safe(document.title)])
    cover["A1"].font = Font(bold=True, size=14)
    for label, value in document.metadata():
        cover.append(row_safe([label, value]))
    cover.append([])
    cover.append([_("Table"), _("Sheet"), _("Note")])
    header_row = cover.max_row
    for cell in cover[header_row]:
        cell.font = Font(bold=True)
    for table in document.tables:
        sheet_name = _write_table(workbook, table, taken)
        cover.append(row_safe([table.title, sheet_name, table.note]))
    cover.column_dimensions["A"].width = 40
    cover.column_dimensions["B"].width = 40
    cover.column_dimensions["C"].width = 60
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
