"""The report's figures computed again in plain Python, row by row, from the same tables.

Nothing here uses the selector's queries or helpers: rows are read with ``values()`` and every
figure is a loop, so a mistake in the SQL shows up as a difference.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings

from recommendations.models import ActionItem, ProgressUpdate, Recommendation

# Being worked on: overdue and stale apply to these.
WORKING = {"not_started", "in_progress", "blocked"}
# Not closed: an item awaiting verification is open, but neither overdue nor stale.
OPEN = {*WORKING, "awaiting_verification"}
STATUSES = (
    "not_started",
    "in_progress",
    "blocked",
    "awaiting_verification",
    "completed",
    "cancelled",
)


@dataclass
class Tally:
    total: int = 0
    counts: dict[str, int] | None = None
    overdue: int = 0
    stale: int = 0
    slipped: int = 0
    slip_days: int = 0
    percent_sum: int = 0
    percent_items: int = 0

    def add(
        self, row: dict[str, Any], today: datetime.date, stale_before: datetime.datetime
    ) -> None:
        if self.counts is None:
            self.counts = dict.fromkeys(STATUSES, 0)
        self.total += 1
        self.counts[row["status"]] += 1
        is_working = row["status"] in WORKING
        if is_working and row["due_date"] < today:
            self.overdue += 1
        if is_working and row["last_progress_at"] < stale_before:
            self.stale += 1
        slip = (row["due_date"] - row["original_due_date"]).days
        if slip > 0:
            self.slipped += 1
            self.slip_days += slip
        if row["status"] != "cancelled":
            self.percent_sum += row["percent_complete"]
            self.percent_items += 1

    @property
    def progress(self) -> float | None:
        return self.percent_sum / self.percent_items if self.percent_items else None


def oracle_items(
    *,
    scope: set[int] | None,
    agency: int | None = None,
    theme: int | None = None,
    recommendation: int | None = None,
    priority: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """Every item row in the report, chosen by plain comparisons."""
    recommendations = {
        row["id"]: row
        for row in Recommendation.objects.values("id", "theme_id", "priority", "lead_agency_id")
    }
    supporters: dict[int, set[int]] = defaultdict(set)
    for (
        recommendation_id,
        agency_id,
    ) in Recommendation.supporting_agencies.through.objects.values_list(
        "recommendation_id", "agency_id"
    ):
        supporters[recommendation_id].add(agency_id)
    chosen: list[dict[str, Any]] = []
    # .values() rows are TypedDicts; the oracle adds the theme to each.
    for row in cast(Iterable[dict[str, Any]], ActionItem.objects.values()):
        parent = recommendations[row["recommendation_id"]]
        if scope is not None and not (
            row["owner_agency_id"] in scope
            or parent["lead_agency_id"] in scope
            or supporters[row["recommendation_id"]] & scope
        ):
            continue
        if agency is not None and row["owner_agency_id"] != agency:
            continue
        if theme is not None and parent["theme_id"] != theme:
            continue
        if recommendation is not None and row["recommendation_id"] != recommendation:
            continue
        if priority and parent["priority"] != priority:
            continue
        if date_from is not None and row["due_date"] < date_from:
            continue
        if date_to is not None and row["due_date"] > date_to:
            continue
        row["theme_id"] = parent["theme_id"]
        chosen.append(row)
    return chosen


def oracle_tallies(
    rows: list[dict[str, Any]], *, group: str | None, today: datetime.date, now: datetime.datetime
) -> dict[Any, Tally]:
    stale_before = now - datetime.timedelta(days=settings.REMINDER_STALE_DAYS)
    tallies: dict[Any, Tally] = defaultdict(Tally)
    for row in rows:
        tallies[row[group] if group else None].add(row, today, stale_before)
    return dict(tallies)


def oracle_slippage_bands(rows: list[dict[str, Any]]) -> list[int]:
    """Counts for: earlier, on time, 1-30, 31-90, 91-180, over 180 days late."""
    bands = [0] * 6
    for row in rows:
        slip = (row["due_date"] - row["original_due_date"]).days
        if slip < 0:
            bands[0] += 1
        elif slip == 0:
            bands[1] += 1
        elif slip <= 30:
            bands[2] += 1
        elif slip <= 90:
            bands[3] += 1
        elif slip <= 180:
            bands[4] += 1
        else:
            bands[5] += 1
    return bands


def oracle_lists(
    rows: list[dict[str, Any]], *, today: datetime.date, now: datetime.datetime, limit: int
) -> dict[str, tuple[int, list[int]]]:
    """(total, first ids) of the overdue, stale and most slipped lists."""
    stale_before = now - datetime.timedelta(days=settings.REMINDER_STALE_DAYS)
    overdue = sorted(
        (row for row in rows if row["status"] in WORKING and row["due_date"] < today),
        key=lambda row: (row["due_date"], row["id"]),
    )
    stale = sorted(
        (
            row
            for row in rows
            if row["status"] in WORKING and row["last_progress_at"] < stale_before
        ),
        key=lambda row: (row["last_progress_at"], row["id"]),
    )
    slipped = sorted(
        (row for row in rows if row["due_date"] > row["original_due_date"]),
        key=lambda row: (
            -(row["due_date"] - row["original_due_date"]).days,
            row["due_date"],
            row["id"],
        ),
    )
    return {
        name: (len(found), [row["id"] for row in found[:limit]])
        for name, found in (("overdue", overdue), ("stale", stale), ("most_slipped", slipped))
    }


def _month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def oracle_history(
    rows: list[dict[str, Any]],
    *,
    first_month: datetime.date,
    last_month: datetime.date,
    now: datetime.datetime,
) -> list[tuple[datetime.date, int, int]]:
    """(month, completed in it, open at its end) from each item's timeline, replayed."""
    zone = ZoneInfo(settings.TIME_ZONE)
    ids = {row["id"] for row in rows}
    timelines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    update_rows = ProgressUpdate.objects.order_by("created_at", "id").values(
        "action_item_id", "created_at", "status_before", "status_after"
    )
    for update in cast(Iterable[dict[str, Any]], update_rows):
        if update["action_item_id"] in ids:
            timelines[update["action_item_id"]].append(update)
    months = _month_starts(first_month, last_month)
    points = []
    for month in months:
        start = datetime.datetime(month.year, month.month, 1, tzinfo=zone)
        following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        end = min(datetime.datetime(following.year, following.month, 1, tzinfo=zone), now)
        completed = 0
        open_items = 0
        for row in rows:
            updates = timelines[row["id"]]
            if any(
                update["status_after"] == "completed"
                and update["status_before"] != "completed"
                and start <= update["created_at"] < end
                for update in updates
            ):
                completed += 1
            born = min([row["created_at"], *(update["created_at"] for update in updates)])
            if born >= end:
                continue
            before_end = [update for update in updates if update["created_at"] < end]
            after_end = [update for update in updates if update["created_at"] >= end]
            if before_end:
                status = before_end[-1]["status_after"]
            elif after_end:
                status = after_end[0]["status_before"]
            else:
                status = row["status"]
            if status in OPEN:
                open_items += 1
        points.append((month, completed, open_items))
    return points
