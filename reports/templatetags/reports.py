"""Rendering of report table cells: one place that formats each kind of value for the page.

A report can have a few thousand cells, so cells are built as plain strings: only text from
the database goes through ``escape``; numbers and dates formatted here cannot hold markup.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import dateformat, formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.tables import Column, Kind

register = template.Library()


def _number(value: float, decimals: int = 0) -> str:
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def report_cell_html(value: Any, column: Column) -> str:
    """The content of one cell, formatted for the active language (HTML)."""
    if value is None:
        return (
            '<span aria-hidden="true">\N{EN DASH}</span>'
            f'<span class="visually-hidden">{escape(_("not applicable"))}</span>'
        )
    kind = column.kind
    if kind is Kind.LINK:
        label, url = value
        return f'<a class="nowrap" href="{escape(url)}">{escape(label)}</a>'
    if kind is Kind.ABBREVIATION:
        short, long = value
        return f'<abbr title="{escape(long)}">{escape(short)}</abbr>'
    if kind is Kind.COUNT_SHARE:
        count, share = value
        if share is None:
            return _number(count)
        percent = escape(_("%(percent)s%%") % {"percent": _number(share, 1)})
        return f'{_number(count)} <span class="share">({percent})</span>'
    if kind is Kind.COUNT:
        return _number(value)
    if kind in (Kind.PERCENT, Kind.DECIMAL):
        return _number(value, 1)
    if kind is Kind.DATE and isinstance(value, datetime.date):
        return f'<time class="nowrap" datetime="{value.isoformat()}">{value.isoformat()}</time>'
    if kind is Kind.MONTH and isinstance(value, datetime.date):
        label = escape(dateformat.format(value, "F Y"))
        return f'<time datetime="{value.strftime("%Y-%m")}">{label}</time>'
    return str(escape(value))


@register.simple_tag
def report_row(row: Sequence[Any], columns: Sequence[Column]) -> SafeString:
    """A table row's cells: the first one heads the row. Each names its column (data-label), which
    the stacked cards of a narrow screen show beside the value."""
    cells = []
    for index, (value, column) in enumerate(zip(row, columns, strict=True)):
        tag = "th" if index == 0 else "td"
        attributes = f' data-label="{escape(column.label)}"'
        attributes += ' scope="row"' if index == 0 else ""
        if column.is_numeric:
            attributes += ' class="number"'
        cells.append(f"<{tag}{attributes}>{report_cell_html(value, column)}</{tag}>")
    return mark_safe("".join(cells))  # noqa: S308 - every value above is escaped or formatted here
