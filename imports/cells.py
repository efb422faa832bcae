"""The one cell sanitiser of every CSV and XLSX file the tracker writes.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula: a title typed as ``=HYPERLINK(...)`` must stay text (OWASP, "CSV injection"). The
reports, the exports and the downloadable workbooks all write their cells through ``cell_safe``.
"""

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would run: then quoted with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def row_safe(values: list[Any]) -> list[Any]:
    return [cell_safe(value) for value in values]
