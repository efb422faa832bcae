"""Read the report back from its three forms: the page's HTML tables, the CSV, the workbook."""

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import openpyxl


@dataclass
class Cell:
    text: str = ""
    # The title of an <abbr> and the datetime of a <time> inside the cell, if any.
    abbr_title: str = ""
    datetime: str = ""


@dataclass
class PageTable:
    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, PageTable] = {}
        self._table: PageTable | None = None
        self._section = ""
        self._row: list[Cell] | None = None
        self._cell: Cell | None = None
        self._in_caption = False
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        table_id = values.get("id") or ""
        if tag == "table" and table_id.startswith("table-"):
            self._table = self.tables[table_id.removeprefix("table-")] = PageTable()
        elif self._table is None:
            return
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = Cell()
        elif tag == "abbr" and self._cell is not None:
            self._cell.abbr_title = values.get("title") or ""
        elif tag == "time" and self._cell is not None:
            self._cell.datetime = values.get("datetime") or ""

    def handle_endtag(self, tag: str) -> None:
        if self._table is None:
            return
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._section == "thead":
                self._table.header = [cell.text for cell in self._row]
            else:
                self._table.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._table is None:
            return
        if self._cell is not None:
            self._cell.text += data
        elif self._in_caption:
            self._table.caption += data


def page_tables(html: str) -> dict[str, PageTable]:
    parser = _TableParser()
    parser.feed(html)
    return parser.tables


@dataclass
class CsvSection:
    title: str
    note: str
    header: list[str]
    rows: list[list[str]]


def csv_sections(content: bytes) -> tuple[list[list[str]], list[CsvSection]]:
    """The metadata lines, then each table: title, optional note, header, rows."""
    text = content.decode("utf-8-sig")
    blocks: list[list[list[str]]] = [[]]
    for line in csv.reader(io.StringIO(text)):
        if not line:
            blocks.append([])
        else:
            blocks[-1].append(line)
    metadata, *tables = blocks
    sections = []
    for block in tables:
        title = block[0][0]
        rest = block[1:]
        note = ""
        if len(rest[0]) == 1:
            note, rest = rest[0][0], rest[1:]
        sections.append(CsvSection(title=title, note=note, header=rest[0], rows=rest[1:]))
    return metadata, sections


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


# "1,234 (12.5%)" on an English page: a count and, optionally, its share of the group.
COUNT_SHARE = re.compile(r"^(?P<count>[\d,]+)(?: \((?P<share>[\d.]+)%\))?$")


def plain_number(text: str) -> str:
    """An English page's number as the CSV writes it: no grouping commas."""
    return text.replace(",", "")


def body(response: Any) -> bytes:
    """A response's bytes, whether streamed (the exports) or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    content: bytes = response.content
    return content
