"""Rendering of report table cells: one place that formats each kind of value for the page."""

import datetime
from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import dateformat, formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.tables import Column, Kind

register = template.Library()


def _number(value: float | int, decimals: int = 0) -> str:
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def _percent(value: float) -> str:
    return _("%(percent)s%%") % {"percent": _number(value, 1)}


def report_cell_html(value: Any, column: Column) -> SafeString:
    """The content of one cell, formatted for the active language."""
    if value is None:
        return format_html(
            '<span aria-hidden="true">\N{EN DASH}</span><span class="visually-hidden">{}</span>',
            _("not applicable"),
        )
    kind = column.kind
    if kind is Kind.ABBREVIATION:
        short, long = value
        return format_html('<abbr title="{}">{}</abbr>', long, short)
    if kind is Kind.COUNT_SHARE:
        count, share = value
        if share is None:
            return format_html("{}", _number(count))
        return format_html('{} <span class="share">({})</span>', _number(count), _percent(share))
    if kind is Kind.COUNT:
        return format_html("{}", _number(value))
    if kind in (Kind.PERCENT, Kind.DECIMAL):
        return format_html("{}", _number(value, 1))
    if kind is Kind.DATE and isinstance(value, datetime.date):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), value.isoformat())
    if kind is Kind.MONTH and isinstance(value, datetime.date):
        return format_html(
            '<time datetime="{}">{}</time>',
            value.strftime("%Y-%m"),
            dateformat.format(value, "F Y"),
        )
    return format_html("{}", value)


@register.simple_tag
def report_row(row: Sequence[Any], columns: Sequence[Column]) -> SafeString:
    """A table row: the first cell heads the row."""
    cells = []
    for index, (value, column) in enumerate(zip(row, columns, strict=True)):
        tag = "th" if index == 0 else "td"
        attributes = ' scope="row"' if index == 0 else ""
        css = ' class="number"' if column.is_numeric else ""
        cells.append((tag, attributes, css, report_cell_html(value, column)))
    return format_html_join(
        "",
        "<{}{}{}>{}</{}>",
        (
            (tag, SafeString(attributes), SafeString(css), html, tag)
            for tag, attributes, css, html in cells
        ),
    )
