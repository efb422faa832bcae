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
from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import dateformat, formats, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.tables import Column, Kind, ReportTable

register = template.Library()


@functools.lru_cache(maxsize=16_384)
def _number_in(language: str, kind: type, value: float, decimals: int) -> str:
    # ``kind`` is in the key so that 1 and 1.0 (equal, same hash) are formatted each as itself.
    with translation.override(language):
        return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def _number(value: float, decimals: int = 0, language: str | None = None) -> str:
    return _number_in(language or translation.get_language(), type(value), value, decimals)


class _Words:
    """The translated words of cells, read once per table in the active language."""

    def __init__(self) -> None:
        self.language = translation.get_language()
        self.not_applicable = (
            '<span aria-hidden="true">\N{EN DASH}</span>'
            f'<span class="visually-hidden">{escape(_("not applicable"))}</span>'
        )
        self.percent = _("%(percent)s%%")


def report_cell_html(value: Any, column: Column, words: _Words | None = None) -> str:
    """The content of one cell, formatted for the active language (HTML)."""
    words = words or _Words()
    if value is None:
        return words.not_applicable
    kind = column.kind
    language = words.language
    if kind is Kind.COUNT:
        return _number(value, 0, language)
    if kind is Kind.COUNT_SHARE:
        count, share = value
        if share is None:
            return _number(count, 0, language)
        percent = escape(words.percent % {"percent": _number(share, 1, language)})
        return f'{_number(count, 0, language)} <span class="share">({percent})</span>'
    if kind in (Kind.PERCENT, Kind.DECIMAL):
        return _number(value, 1, language)
    if kind is Kind.LINK:
        label, url = value
        return f'<a class="nowrap" href="{escape(url)}">{escape(label)}</a>'
    if kind is Kind.ABBREVIATION:
        short, long = value
        return f'<abbr title="{escape(long)}">{escape(short)}</abbr>'
    if kind is Kind.DATE and isinstance(value, datetime.date):
        return f'<time class="nowrap" datetime="{value.isoformat()}">{value.isoformat()}</time>'
    if kind is Kind.MONTH and isinstance(value, datetime.date):
        label = escape(dateformat.format(value, "F Y"))
        return f'<time datetime="{value.strftime("%Y-%m")}">{label}</time>'
    return str(escape(value))


def _cell_tags(columns: Sequence[Column]) -> list[tuple[str, str]]:
    """Each column's opening and closing tag: the first cell heads the row. Each names its
    column (data-label), which the stacked cards of a narrow screen show beside the value."""
    tags = []
    for index, column in enumerate(columns):
        tag = "th" if index == 0 else "td"
        attributes = f' data-label="{escape(column.label)}"'
        attributes += ' scope="row"' if index == 0 else ""
        if column.is_numeric:
            attributes += ' class="number"'
        tags.append((f"<{tag}{attributes}>", f"</{tag}>"))
    return tags


def _row_html(
    row: Sequence[Any], columns: Sequence[Column], tags: list[tuple[str, str]], words: _Words
) -> str:
    return "".join(
        f"{opening}{report_cell_html(value, column, words)}{closing}"
        for value, column, (opening, closing) in zip(row, columns, tags, strict=True)
    )


@register.simple_tag
def report_rows(table: ReportTable) -> SafeString:
    """Every row of ``table``'s body, or the line saying it is empty."""
    if not table.rows:
        return mark_safe(  # noqa: S308 - translated text, escaped
            f'<tr><td colspan="{len(table.columns)}">{escape(_("Nothing to show."))}</td></tr>'
        )
    tags, words = _cell_tags(table.columns), _Words()
    html = "\n".join(f"<tr>{_row_html(row, table.columns, tags, words)}</tr>" for row in table.rows)
    return mark_safe(html)  # noqa: S308 - every value above is escaped or formatted here
