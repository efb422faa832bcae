"""Rendering of report table cells: one place that formats each kind of value for the page.

A report has about 700 rows and 8,000 cells at the brief's scale; rendered through the template
language and ``number_format`` cell by cell they were most of the page's time (about 200 ms of
300). So a table's body is one tag (``report_rows``) that builds plain strings: each column's
opening tag is built once per table, numbers are formatted once per distinct value and language
(``_number``: the same ``number_format`` call, memoised), and the few translated words are read
once per table. Only text from the database goes through ``escape``; numbers and dates formatted
here cannot hold markup.
"""

import datetime
import functools
import html
from collections.abc import Callable, Sequence
from typing import Any

from django import template
from django.utils import dateformat, formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.tables import Column, Kind, ReportTable

register = template.Library()


@functools.lru_cache(maxsize=16_384)
def _number_in(language: str, kind: str, value: float, decimals: int) -> str:
    # ``kind`` (the type's name) is in the key so that 1 and 1.0 (equal, same hash) are each
    # formatted as themselves.
    with translation.override(language):
        return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def _number(value: float, decimals: int = 0, language: str | None = None) -> str:
    return _number_in(language or translation.get_language(), type(value).__name__, value, decimals)


class _Words:
    """The translated words of cells, read once per table in the active language."""

    def __init__(self) -> None:
        self.language = translation.get_language()
        self.not_applicable = (
            '<span aria-hidden="true">\N{EN DASH}</span>'
            f'<span class="visually-hidden">{_escape(_("not applicable"))}</span>'
        )
        self.percent = _("%(percent)s%%")


def _escape(text: Any) -> str:
    # What django.utils.html.escape returns, without its lazy-string wrapper (a call per cell).
    return html.escape(str(text))


def report_cell_html(value: Any, column: Column, words: _Words | None = None) -> str:
    """The content of one cell, formatted for the active language (HTML)."""
    return _cell_formatter(column, words or _Words())(value)


def _cell_formatter(column: Column, words: _Words) -> Callable[[Any], str]:
    """How the cells of ``column`` are written: chosen once per column, not once per cell."""
    language = words.language
    kind = column.kind

    def formatted(write: Callable[[Any], str]) -> Callable[[Any], str]:
        def cell(value: Any) -> str:
            return words.not_applicable if value is None else write(value)

        return cell

    if kind is Kind.COUNT:
        return formatted(lambda value: _number(value, 0, language))
    if kind is Kind.COUNT_SHARE:

        def count_share(value: tuple[int, float | None]) -> str:
            count, share = value
            if share is None:
                return _number(count, 0, language)
            percent = _escape(words.percent % {"percent": _number(share, 1, language)})
            return f'{_number(count, 0, language)} <span class="share">({percent})</span>'

        return formatted(count_share)
    if kind in (Kind.PERCENT, Kind.DECIMAL):
        return formatted(lambda value: _number(value, 1, language))
    if kind is Kind.LINK:
        return formatted(
            lambda value: f'<a class="nowrap" href="{_escape(value[1])}">{_escape(value[0])}</a>'
        )
    if kind is Kind.ABBREVIATION:
        return formatted(
            lambda value: f'<abbr title="{_escape(value[1])}">{_escape(value[0])}</abbr>'
        )

    def other(value: Any) -> str:
        if kind is Kind.DATE and isinstance(value, datetime.date):
            iso = value.isoformat()
            return f'<time class="nowrap" datetime="{iso}">{iso}</time>'
        if kind is Kind.MONTH and isinstance(value, datetime.date):
            label = _escape(dateformat.format(value, "F Y"))
            return f'<time datetime="{value.strftime("%Y-%m")}">{label}</time>'
        return _escape(value)

    return formatted(other)


def _enclosed(opening: str, content: Callable[[Any], str], closing: str) -> Callable[[Any], str]:
    return lambda value: f"{opening}{content(value)}{closing}"


def _cell_writers(columns: Sequence[Column], words: _Words) -> list[Callable[[Any], str]]:
    """For each column, a function writing a whole cell: its opening tag (the first cell heads
    the row; each names its column in data-label, which the stacked cards of a narrow screen
    show beside the value), the content, the closing tag."""
    writers: list[Callable[[Any], str]] = []
    for index, column in enumerate(columns):
        tag = "th" if index == 0 else "td"
        attributes = f' data-label="{_escape(column.label)}"'
        attributes += ' scope="row"' if index == 0 else ""
        if column.is_numeric:
            attributes += ' class="number"'
        opening, closing, content = (
            f"<{tag}{attributes}>",
            f"</{tag}>",
            _cell_formatter(column, words),
        )
        writers.append(_enclosed(opening, content, closing))
    return writers


@register.simple_tag
def report_rows(table: ReportTable) -> SafeString:
    """Every row of ``table``'s body, or the line saying it is empty."""
    if not table.rows:
        # Outside the f-string: xgettext does not read calls inside one, and would drop the entry.
        nothing = _escape(_("Nothing to show."))
        return mark_safe(  # noqa: S308 - translated text, escaped
            f'<tr><td colspan="{len(table.columns)}">{nothing}</td></tr>'
        )
    writers = _cell_writers(table.columns, _Words())
    html_rows = "\n".join(
        "<tr>"
        + "".join([write(value) for write, value in zip(writers, row, strict=True)])
        + "</tr>"
        for row in table.rows
    )
    return mark_safe(html_rows)  # noqa: S308 - every value above is escaped or formatted here
