"""Read an uploaded workbook (XLSX) or CSV file into plain rows, refusing what is not safe to read.

Every refusal is a ``WorkbookRefused`` with a translated message meant for the person who
uploaded the file; nothing is written for a refused file (the callers only read until they
have a clean plan). The checks run before openpyxl parses anything:

1. size (``IMPORT_MAX_BYTES``);
2. what the bytes are: a zip (XLSX), an OLE2 container (a password-protected workbook, or an
   old ``.xls``), or text (CSV);
3. inside the zip: macros (``vbaProject.bin``, the ``.xlsm`` content type) and the total size
   the parts expand to (``IMPORT_MAX_UNCOMPRESSED_BYTES``, a zip bomb);
4. openpyxl in read-only mode, formulas kept as written (``data_only=False``) so that a formula
   cell can be reported rather than its cached value trusted;
5. rows (``IMPORT_MAX_ROWS``), counted while reading.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

_ZIP_MAGIC = b"PK\x03\x04"
# Compound File Binary: Excel stores a password-protected (encrypted) workbook in one.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled"


class WorkbookRefused(Exception):
    """The file cannot be imported at all; the message says why, for the person."""


@dataclass(frozen=True)
class Cell:
    """A cell as read: its value and whether the file held a formula there."""

    value: Any
    formula: bool = False


@dataclass
class Sheet:
    name: str
    hidden: bool
    # Row number in the file (1-based, as a spreadsheet shows it) and the cells of that row.
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


@dataclass
class Book:
    filename: str
    sheets: list[Sheet]

    def sheet(self, *names: str) -> Sheet | None:
        wanted = {name.strip().casefold() for name in names}
        for sheet in self.sheets:
            if sheet.name.strip().casefold() in wanted:
                return sheet
        return None


def _limit_message() -> str:
    return _("The file is larger than the %(limit)s MB allowed.") % {
        "limit": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"
    }


def _too_many_rows() -> WorkbookRefused:
    return WorkbookRefused(
        _("The file has more than %(limit)s rows; split it into smaller files.")
        % {"limit": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", "\u00a0")}
    )


def _check_zip(data: bytes, filename: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise WorkbookRefused(_("This file is not a workbook (XLSX) that can be read.")) from None
    with archive:
        names = archive.namelist()
        if filename.lower().endswith(".xlsm") or any(
            name.lower().endswith("vbaproject.bin") for name in names
        ):
            raise WorkbookRefused(
                _("Workbooks with macros (.xlsm) are refused: save it as a plain .xlsx workbook.")
            )
        if "[Content_Types].xml" in names:
            with archive.open("[Content_Types].xml") as types:
                if _MACRO_CONTENT_TYPE.encode() in types.read(1024 * 1024):
                    raise WorkbookRefused(
                        _(
                            "Workbooks with macros (.xlsm) are refused: save it as a plain "
                            ".xlsx workbook."
                        )
                    )
        else:
            raise WorkbookRefused(_("This file is not a workbook (XLSX) that can be read."))
        expanded = sum(info.file_size for info in archive.infolist())
        if expanded > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
            raise WorkbookRefused(
                _("This workbook expands to far more than its size (a “zip bomb”); it is refused.")
            )


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    return value


def _read_xlsx(data: bytes, filename: str) -> Book:
    _check_zip(data, filename)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise WorkbookRefused(_("This file is not a workbook (XLSX) that can be read.")) from None
    sheets: list[Sheet] = []
    total = 0
    try:
        for worksheet in workbook.worksheets:
            sheet = Sheet(name=worksheet.title, hidden=worksheet.sheet_state != "visible")
            for number, row in enumerate(worksheet.iter_rows(), start=1):
                cells = [
                    Cell(
                        value=_cell_value(cell.value),
                        formula=getattr(cell, "data_type", None) == "f",
                    )
                    for cell in row
                ]
                if not any(cell.value not in (None, "") for cell in cells):
                    continue
                total += 1
                if total > settings.IMPORT_MAX_ROWS + len(workbook.worksheets):
                    raise _too_many_rows()
                sheet.rows.append((number, cells))
            sheets.append(sheet)
    except WorkbookRefused:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged part
        raise WorkbookRefused(_("This file is not a workbook (XLSX) that can be read.")) from None
    finally:
        workbook.close()
    return Book(filename=filename, sheets=sheets)


def _read_csv(data: bytes, filename: str, sheet_name: str) -> Book:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise WorkbookRefused(_("This CSV file is not text (UTF-8).")) from None
    if "\x00" in text:
        raise WorkbookRefused(_("This file is neither a workbook (XLSX) nor a CSV file."))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    sheet = Sheet(name=sheet_name, hidden=False)
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for number, row in enumerate(reader, start=1):
            if not any(value.strip() for value in row):
                continue
            if len(sheet.rows) > settings.IMPORT_MAX_ROWS:
                raise _too_many_rows()
            # A CSV cell starting with "=" is what a spreadsheet would run: a formula cell.
            sheet.rows.append(
                (
                    number,
                    [
                        Cell(value=value.strip(), formula=value.strip().startswith("="))
                        for value in row
                    ],
                )
            )
    except csv.Error:
        raise WorkbookRefused(_("This CSV file cannot be read.")) from None
    return Book(filename=filename, sheets=[sheet])


def book_read(data: bytes, *, filename: str, csv_sheet_name: str) -> Book:
    """The sheets and rows of an uploaded file, or WorkbookRefused. A CSV file is one sheet,
    named ``csv_sheet_name``."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise WorkbookRefused(_limit_message())
    if not data:
        raise WorkbookRefused(_("The file is empty."))
    if data.startswith(_OLE_MAGIC):
        raise WorkbookRefused(
            _(
                "This workbook is password-protected or in the old .xls format: remove the "
                "password or save it as .xlsx, then upload it again."
            )
        )
    if data.startswith(_ZIP_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename)
    if filename.lower().endswith((".csv", ".txt")):
        return _read_csv(data, filename, csv_sheet_name)
    raise WorkbookRefused(_("This file is neither a workbook (XLSX) nor a CSV file."))


def rows_as_dicts(
    sheet: Sheet, columns: dict[str, tuple[str, ...]]
) -> tuple[list[tuple[int, dict[str, Cell]]], list[str]]:
    """Map a sheet's header row to column keys; return the data rows and the unknown headers.

    ``columns`` names each key's accepted headers (English, French, and the template's
    bilingual "English / Français"), compared without case or surrounding spaces.
    """
    if not sheet.rows:
        return [], []
    _number, header = sheet.rows[0]
    accepted = {
        alias.strip().casefold(): key for key, aliases in columns.items() for alias in aliases
    }
    positions: dict[int, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        label = str(cell.value or "").strip()
        if not label:
            continue
        key = accepted.get(label.casefold())
        if key is None:
            # The hidden version column and helper columns of our own downloads are ignored.
            unknown.append(label)
        else:
            positions[index] = key
    rows: list[tuple[int, dict[str, Cell]]] = []
    for number, cells in sheet.rows[1:]:
        values = {key: Cell(value=None) for key in columns}
        for index, key in positions.items():
            if index < len(cells):
                values[key] = cells[index]
        rows.append((number, values))
    return rows, unknown
