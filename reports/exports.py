"""The report as a CSV file and as an Excel workbook: the page's tables, nothing more or less.

Both write a ``ReportDocument`` (``reports.tables``), so their columns, rows, rounding and
headers (in the person's language) are the page's. The CSV uses machine-readable values
(ISO dates, a dot before decimals) so a script can read it whatever the language; the workbook
stores dates as dates and numbers as numbers, one sheet per breakdown, written by the project's
one XLSX writer (``imports.xlsx``), which the item exports use too.
"""

import csv
import datetime
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from django.utils.translation import gettext as _

from imports.cells import cell_safe, row_safe
from imports.xlsx import XlsxFile

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


def _write_table(book: XlsxFile, table: ReportTable, name: str) -> None:
    """Write ``table`` on a new sheet ``name``: a bold frozen header, then the rows, each
    number and date in its kind's format. The rows are written as they come (the lists are
    read from the database in chunks), nothing is kept."""
    header = table.export_header()
    sheet = book.sheet(name, widths=[min(60, max(10, len(label) + 2)) for label in header])
    sheet.append_rows([header], [book.bold] * len(header))
    formats = [
        book.format(num_format=_NUMBER_FORMATS[kind]) if kind in _NUMBER_FORMATS else None
        for kind in _csv_kinds(table.columns)
    ]
    sheet.append_rows(table.export_rows(), formats)


def report_xlsx_file(document: ReportDocument) -> IO[bytes]:
    """A workbook: a first sheet saying what the report covers, then a sheet per table; written
    by the project's XLSX writer (``imports.xlsx``) to a temporary file, returned at its start
    for streaming."""
    book = XlsxFile()
    taken: set[str] = set()
    cover = book.sheet(_sheet_name(_("Report"), taken), widths=(40, 40, 60), freeze_header=False)
    # Sheet names are decided before the tables are written, so the cover can list them.
    names = [_sheet_name(table.sheet_name or table.title, taken) for table in document.tables]
    cover.append_rows([[document.title]], [book.format(bold=True, font_size=14)])
    cover.append_rows([[label, value] for label, value in document.metadata()])
    cover.append_rows([[]])
    cover.append_rows([[_("Table"), _("Sheet"), _("Note")]], [book.bold] * 3)
    cover.append_rows(
        [
            [table.title, name, table.note]
            for table, name in zip(document.tables, names, strict=True)
        ]
    )
    for table, name in zip(document.tables, names, strict=True):
        _write_table(book, table, name)
    return book.close()


def report_xlsx(document: ReportDocument) -> bytes:
    """The whole workbook as bytes (tests and small callers)."""
    with report_xlsx_file(document) as output:
        return output.read()
