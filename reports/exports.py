"""The report as a CSV file and as an Excel workbook: the page's tables, nothing more or less.

Both write a ``ReportDocument`` (``reports.tables``), so their columns, rows, rounding and
headers (in the person's language) are the page's. The CSV uses machine-readable values
(ISO dates, a dot before decimals) so a script can read it whatever the language; the workbook
stores dates as dates and numbers as numbers, one sheet per breakdown.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


class _Line:
    """A file-like object whose ``write`` hands back what it is given: ``csv.writer`` formats
    one row and the generator yields it at once (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


def csv_rows(table: ReportTable, rows: Iterable[list[Any]] | None = None) -> Iterator[str]:
    """The CSV lines of ``rows`` (``table``'s own by default), as ``table``'s export writes them."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    kinds = _csv_kinds(table.columns)
    for row in table.export_rows(rows):
        yield writer.writerow(
            [_csv_value(value, kind) for value, kind in zip(row, kinds, strict=True)]
        )


def report_csv_lines(
    document: ReportDocument, *, written_rows: Mapping[str, str] | None = None
) -> Iterator[str]:
    """One file, the tables one after the other: a title line, a note line if any, the header,
    the rows, then a blank line. It starts with the report's title and what it covers. Written
    a line at a time (``StreamingHttpResponse``): no copy of the file is built in memory.

    ``written_rows``: tables whose rows are already written as CSV (by table key), in place of
    the document's own (the complete item lists of ``reports.complete_lists``)."""
    # The byte-order mark lets spreadsheet programs read the accents of French text.
    yield "\ufeff"
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield writer.writerow([cell_safe(document.title)])
    for label, value in document.metadata():
        yield writer.writerow(row_safe([label, value]))
    for table in document.tables:
        yield writer.writerow([])
        yield writer.writerow([cell_safe(table.title)])
        if table.note:
            yield writer.writerow([cell_safe(table.note)])
        yield writer.writerow(row_safe(table.export_header()))
        if written_rows is not None and table.key in written_rows:
            yield written_rows[table.key]
        else:
            yield from csv_rows(table)


def report_csv(document: ReportDocument) -> str:
    """The whole CSV file as one string (tests and small callers)."""
    return "".join(report_csv_lines(document))


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


def _write_table(workbook: Workbook, table: ReportTable, name: str) -> None:
    """Write ``table`` on a new sheet ``name`` of a write-only workbook.

    Write-only sheets keep no cells in memory (openpyxl streams each row to a temporary file),
    so column widths and the frozen header are set before the first row, and each cell is
    styled as it is made."""
    sheet = workbook.create_sheet(name)
    header = table.export_header()
    for index, label in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, len(label) + 2))
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, value, font=BOLD) for value in row_safe(header)])
    kinds = _csv_kinds(table.columns)
    for row in table.export_rows():
        sheet.append(
            [
                _cell(sheet, value, number_format=_NUMBER_FORMATS.get(kind))
                for value, kind in zip(row_safe(list(row)), kinds, strict=True)
            ]
        )


BOLD = Font(bold=True)


def _cell(
    sheet: Any, value: Any, *, font: Font | None = None, number_format: str | None = None
) -> Any:
    """A write-only cell: a plain value unless it needs a style."""
    if font is None and (number_format is None or value is None):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None and value is not None:
        cell.number_format = number_format
    return cell


def report_xlsx_file(document: ReportDocument) -> IO[bytes]:
    """A workbook: a first sheet saying what the report covers, then a sheet per table; written
    with openpyxl's write-only mode to a temporary file, returned at its start for streaming."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    cover = workbook.create_sheet(_sheet_name(_("Report"), taken))
    # Sheet names are decided before the tables are written, so the cover can list them
    # (a write-only sheet is written in order and cannot be revisited).
    names = [_sheet_name(table.sheet_name or table.title, taken) for table in document.tables]
    for index, width in (("A", 40), ("B", 40), ("C", 60)):
        cover.column_dimensions[index].width = width
    cover.append([_cell(cover, cell_safe(document.title), font=Font(bold=True, size=14))])
    for label, value in document.metadata():
        cover.append(row_safe([label, value]))
    cover.append([])
    cover.append([_cell(cover, label, font=BOLD) for label in (_("Table"), _("Sheet"), _("Note"))])
    for table, name in zip(document.tables, names, strict=True):
        cover.append(row_safe([table.title, name, table.note]))
    for table, name in zip(document.tables, names, strict=True):
        _write_table(workbook, table, name)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    workbook.save(output)
    output.seek(0)
    return output


def report_xlsx(document: ReportDocument) -> bytes:
    """The whole workbook as bytes (tests and small callers)."""
    with report_xlsx_file(document) as output:
        return output.read()
