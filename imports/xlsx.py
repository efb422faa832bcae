"""The one XLSX writer of the tracker's exports: the item exports (``imports.exports``) and the
report (``reports.exports``) write their workbooks here.

XlsxWriter in ``constant_memory`` mode writes the workbook (styles, sheets, frozen header,
column widths) to a temporary file that the response then streams in blocks, so memory stays
flat at 100,000 rows. Its cell API costs about 8 µs a cell (a decorator, a type check, a cell
object kept until the next row, escaping by regular expression): at 1.6 million cells that was
most of an export. So ``Sheet.append_rows`` writes the rows' XML itself, into the worksheet's
row-data file, exactly as XlsxWriter writes an inline-string row in that mode, and tells
XlsxWriter the sheet's dimensions. Every cell is typed by its Python value, never guessed from
text: ``str`` is text (through ``cells.cell_safe``, so a formula stays text), ``int``, ``float``,
``Decimal`` numbers, ``bool`` a boolean, ``date`` and ``datetime`` Excel dates (with their
column's date format). ``tests/imports/test_xlsx_export_content.py`` and the report export
tests read the files back with openpyxl cell by cell; XlsxWriter is pinned in ``uv.lock`` and
the worksheet internals used here (``fh``, ``_check_dimensions``, ``_get_xf_index``, the XML
escapes) are named in one place, ``Sheet``.
"""

import datetime
import re
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .cells import cell_safe

OPTIONS = {
    "constant_memory": True,
    # Text is text: never a formula, a link or a number because of what it looks like.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Characters XML or Excel needs escaped (markup, control characters, Excel's own _xHHHH_
# escapes); text without them, nearly all, is written as it is.
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_EXCEL_EPOCH = datetime.datetime(1899, 12, 31)
_EXCEL_EPOCH_DATE = _EXCEL_EPOCH.date()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _excel_serial(value: datetime.date) -> float:
    """Excel's serial number of a date or a naive datetime (1900 system, with Excel's phantom
    29 February 1900, as XlsxWriter counts)."""
    if isinstance(value, datetime.datetime):
        delta = value - _EXCEL_EPOCH
        serial: float = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    else:
        serial = (value - _EXCEL_EPOCH_DATE).days
    return serial + 1 if serial > 59 else serial


class Sheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no type hints
    """A worksheet whose rows are appended in order, each cell typed by its value."""

    def setup(
        self,
        *,
        widths: Sequence[float] = (),
        freeze_header: bool = True,
        date_format: Format | None = None,
        datetime_format: Format | None = None,
    ) -> None:
        for column, width in enumerate(widths):
            self.set_column(column, column, width)
        if freeze_header:
            self.freeze_panes(1, 0)
        self._date_style = self._style(date_format)
        self._datetime_style = self._style(datetime_format)
        self._next_row = 0
        self._letters: list[str] = []

    @staticmethod
    def _style(cell_format: Format | None) -> str:
        return f' s="{cell_format._get_xf_index()}"' if cell_format is not None else ""

    def _string_cell(self, reference: str, style: str, value: str) -> str:
        text = cell_safe(value)
        if _NEEDS_ESCAPE.search(text):
            text = self._escape_data(self._escape_control_characters(text))
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        return f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    @staticmethod
    def _date_cell(reference: str, style: str, value: datetime.date) -> str:
        return f'<c r="{reference}"{style}><v>{_excel_serial(value):.16G}</v></c>'

    def _other_cell(self, reference: str, style: str, value: Any) -> str:
        """Subclasses of the common types (a lazy label, an enum), booleans, decimals, and
        anything else as its text."""
        if isinstance(value, bool):
            return f'<c r="{reference}"{style} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float, Decimal)):
            return f'<c r="{reference}"{style}><v>{value:.16G}</v></c>'
        if isinstance(value, datetime.datetime):
            return self._date_cell(reference, style or self._datetime_style, value)
        if isinstance(value, datetime.date):
            return self._date_cell(reference, style or self._date_style, value)
        return self._string_cell(reference, style, str(value))

    def append_rows(
        self, rows: Iterable[Sequence[Any]], formats: Sequence[Format | None] = ()
    ) -> None:
        """Write ``rows`` after the rows already written: each value by its type, through the
        cell sanitiser; None and "" leave the cell empty (a row of none is skipped).
        ``formats[i]``, when given, styles column i's non-empty cells (a number format, bold);
        otherwise a date or datetime takes the sheet's date format."""
        styles = [self._style(cell_format) for cell_format in formats]
        date_style, datetime_style = self._date_style, self._datetime_style
        letters = self._letters
        write = self.fh.write
        number = self._next_row
        widest = -1
        for values in rows:
            number += 1
            if len(values) > len(letters):
                letters.extend(_column_letter(i) for i in range(len(letters), len(values)))
            cells = []
            for column, value in enumerate(values):
                if value is None or value == "":
                    continue
                style = styles[column] if column < len(styles) else ""
                reference = f"{letters[column]}{number}"
                kind = type(value)
                if kind is str:  # the common cases first, by exact type
                    cells.append(self._string_cell(reference, style, value))
                elif kind is int or kind is float:
                    cells.append(f'<c r="{reference}"{style}><v>{value:.16G}</v></c>')
                elif kind is datetime.datetime:
                    cells.append(self._date_cell(reference, style or datetime_style, value))
                elif kind is datetime.date:
                    cells.append(self._date_cell(reference, style or date_style, value))
                else:
                    cells.append(self._other_cell(reference, style, value))
            if cells:
                write(f'<row r="{number}">{"".join(cells)}</row>')
                widest = max(widest, len(values) - 1)
        if number > self._next_row:
            # The sheet's <dimension>, which readers use for the used range.
            self._check_dimensions(self._next_row, 0)
            self._check_dimensions(number - 1, max(widest, 0))
        self._next_row = number


class XlsxFile:
    """A workbook written to a temporary file: add sheets, append their rows, then ``close()``
    returns the file at its start (the caller streams and closes it)."""

    def __init__(self) -> None:
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - returned by close()
        self._workbook = xlsxwriter.Workbook(self._output, OPTIONS)
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.bold = self.format(bold=True)

    def format(self, **properties: Any) -> Format:
        """One XlsxWriter format per distinct set of properties."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self._workbook.add_format(properties)
        return self._formats[key]

    def sheet(
        self, name: str, *, widths: Sequence[float] = (), freeze_header: bool = True
    ) -> Sheet:
        """A new sheet, its columns as wide as ``widths``, its first row frozen."""
        sheet: Sheet = self._workbook.add_worksheet(name[:31], worksheet_class=Sheet)
        sheet.setup(
            widths=widths,
            freeze_header=freeze_header,
            date_format=self.format(num_format=DATE_FORMAT),
            datetime_format=self.format(num_format=DATETIME_FORMAT),
        )
        return sheet

    def close(self) -> IO[bytes]:
        self._workbook.close()
        self._output.seek(0)
        return self._output
