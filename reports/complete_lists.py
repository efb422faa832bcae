"""The CSV export's complete item lists, written once and then read from the exact cache.

The export carries every row of the most-slipped, overdue and stale lists: at the brief's scale
about 96,000 rows and 8 MB, which took about 11 s a request to read and write (2026-12-02, a quiet
machine), where the rest of the report is cached. So each list's rows are cached as the CSV text
the export writes, under the report's exact key (``recommendations.caching``: the data version,
the date, the language, the scope and every filter, and the release), so a write, a new day or
a deploy writes them again.

Within a day and without a write, time moves only the stale list: the items that turned stale
since the text was written were then the freshest of the stale ones, so their rows are written
and appended at its end (``turned_stale``). The file is the one the uncached export writes
(tests/reports/test_report_complete_lists.py compares them, also after a stale crossing).
"""

import dataclasses
import datetime
from typing import Any

from django.core.cache import cache

from agencies.models import User
from recommendations import caching

from . import policies
from .accountability import report_submissions, waiting_longest
from .exports import csv_rows
from .selectors import (
    ReportFilters,
    ReportSummary,
    report_cache_parts,
    report_items,
    report_list,
    report_summary,
    turned_stale,
)
from .tables import ITEM_LISTS, ItemCells, ReportDocument, ReportTable, list_rows, report_document

# A list written this long ago is written again rather than caught up (bounds the catch-up).
CATCH_UP_SECONDS = caching.CATCH_UP_SECONDS


def report_export_document(
    *, user: User | object, filters: ReportFilters, applied_filters: list[tuple[str, str]]
) -> tuple[ReportDocument, dict[str, str]]:
    """The CSV export's document (every figure of the page, from its cached summary, and every
    submission waiting for a verifier) and the complete item lists written as CSV, by table key."""
    summary = report_summary(user=user, filters=filters)
    scope_ids = policies.report_scope(user)
    items = report_items(scope=scope_ids, filters=filters)
    if summary.accountability is not None:
        # Every submission waiting for a verifier (the page shows the ten waiting longest); the
        # other accountability figures are the cached summary's.
        waiting = waiting_longest(report_submissions(items), today=summary.today, limit=None)
        summary = dataclasses.replace(
            summary,
            accountability=dataclasses.replace(summary.accountability, waiting_longest=waiting),
        )
    document = report_document(summary, applied_filters=applied_filters, complete_lists=True)
    parts = report_cache_parts(scope_ids, filters)
    written = {
        key: _list_csv(key, document.table(key), summary=summary, items=items, parts=parts)
        for key in ITEM_LISTS
    }
    return document, written


def _list_csv(
    key: str, table: ReportTable, *, summary: ReportSummary, items: Any, parts: tuple[Any, ...]
) -> str:
    # The moment the summary's figures are of: the list must end where its stale count does.
    now: datetime.datetime = summary.generated_at
    today = summary.today

    def written(rows_of: Any) -> str:
        return "".join(csv_rows(table, list_rows(key, rows_of, ItemCells(), today)))

    # Written text depends on the code too: a release that changes how a row is written must
    # not serve the older text (``caching.release_fingerprint``).
    cache_key = caching.versioned_key(
        "report-list-csv", (*parts, key, caching.release_fingerprint()), now=now, stale=False
    )
    entry: tuple[datetime.datetime, str] | None = cache.get(cache_key)
    if entry is not None and entry[0] <= now:
        then, text = entry
        if key != "stale" or then == now:
            return text
        turned = turned_stale(items, then, now).order_by("last_progress_at", "id")
        return text + written(report_list("stale", turned, today=today, now=now, limit=None))
    text = written(report_list(key, items, today=today, now=now, limit=None))
    cache.set(cache_key, (now, text), CATCH_UP_SECONDS)
    return text
