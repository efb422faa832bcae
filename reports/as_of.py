"""The report's figures as they stood at a past moment, rebuilt from the progress-update history.

``report_summary`` reads the items' current columns; this module reads the same items through
their timeline instead, so a quarter that ended long ago gives the same numbers whenever it is
computed. It reuses the report's own definitions (which items a scope covers, the tallies and
their rows, open statuses, progress as the mean percent of items not cancelled, slippage in days)
and only replaces each column by its value at the moment:

- the status, percent and due date at ``at`` are the "before" values of the item's first update
  after ``at``; with no update since, its current values (every change leaves an update, so
  nothing changed them since);
- the item counts from its creation, or from its first update if history was back-dated;
- the last progress at ``at`` is the item's ``last_progress_at`` when that is before ``at`` (then
  nothing happened since), else its last update before ``at`` (or its creation).

Owner agency, recommendation and theme are taken as they are now: the timeline does not record
moves between agencies. Everything is computed by the database: one aggregate for the totals and
one GROUP BY for each of the agency and theme tables, with correlated subqueries on the
(action_item, created_at) index.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from recommendations.models import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    ActionItem,
    ProgressUpdate,
    Status,
    stale_cutoff,
)

from .selectors import (
    AgencyRow,
    DaysBetween,
    ReportFilters,
    StatusTally,
    ThemeRow,
    report_items,
)


@dataclass(frozen=True)
class FiguresAsOf:
    """The headline tallies and the agency and theme tables of the report, at ``at``."""

    at: datetime.datetime
    today: datetime.date  # the local date of the last moment before ``at``
    totals: StatusTally
    by_agency: list[AgencyRow]
    by_theme: list[ThemeRow]


def _updates(at: datetime.datetime, *, before: bool) -> QuerySet[ProgressUpdate]:
    updates = ProgressUpdate.objects.filter(action_item=OuterRef("pk"))
    if before:
        return updates.filter(created_at__lt=at).order_by("-created_at", "-id")
    return updates.filter(created_at__gte=at).order_by("created_at", "id")


def _value_at(at: datetime.datetime, before: str, current: str, field: Any) -> Any:
    """A column's value at ``at``: what the first update after ``at`` found ("before"), or the
    current value when nothing was recorded since (every change leaves an update)."""
    return Coalesce(
        Subquery(_updates(at, before=False).values(before)[:1], output_field=field),
        F(current),
        output_field=field,
    )


def items_as_of(
    *, scope: frozenset[int] | None, at: datetime.datetime, filters: ReportFilters | None = None
) -> QuerySet[ActionItem]:
    """The items a report covers that existed at ``at``, annotated with ``status_at``,
    ``percent_at``, ``due_at``, ``progress_at``, and the derived ``open_at``, ``overdue_at``,
    ``stale_at`` and ``slip_at``."""
    today = timezone.localdate(at - datetime.timedelta(microseconds=1))
    first_update = Subquery(
        ProgressUpdate.objects.filter(action_item=OuterRef("pk"))
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    last_update_before = Subquery(
        _updates(at, before=True).values("created_at")[:1], output_field=DateTimeField()
    )
    items = (
        report_items(scope=scope, filters=filters or ReportFilters())
        .order_by()
        .alias(born=Least("created_at", Coalesce(first_update, "created_at")))
        .filter(born__lt=at)
        .annotate(
            status_at=_value_at(at, "status_before", "status", CharField()),
            percent_at=_value_at(at, "percent_before", "percent_complete", IntegerField()),
            due_at=_value_at(at, "due_date_before", "due_date", DateField()),
            progress_at=Case(
                When(last_progress_at__lt=at, then=F("last_progress_at")),
                default=Coalesce(last_update_before, F("created_at")),
                output_field=DateTimeField(),
            ),
        )
    )
    open_at = Q(status_at__in=OPEN_STATUSES)
    # Overdue and stale apply to work in the agency's hands, not to an item awaiting
    # verification (models.overdue_condition, stale_condition).
    working_at = Q(status_at__in=WORKING_STATUSES)
    return items.annotate(
        open_at=ExpressionWrapper(open_at, output_field=BooleanField()),
        overdue_at=ExpressionWrapper(working_at & Q(due_at__lt=today), output_field=BooleanField()),
        stale_at=ExpressionWrapper(
            working_at & Q(progress_at__lt=stale_cutoff(at)), output_field=BooleanField()
        ),
        slip_at=DaysBetween("due_at", "original_due_date"),
    )


def _aggregates() -> dict[str, Any]:
    """The report's tally (``selectors._tally_aggregates``) over the values at the moment."""
    aggregates: dict[str, Any] = {"total": Count("id")}
    for status in Status.values:
        aggregates[f"n_{status}"] = Count("id", filter=Q(status_at=status))
    aggregates["n_overdue"] = Count("id", filter=Q(overdue_at=True))
    aggregates["n_stale"] = Count("id", filter=Q(stale_at=True))
    aggregates["n_slipped"] = Count("id", filter=Q(slip_at__gt=0))
    aggregates["sum_slip_days"] = Coalesce(Sum("slip_at", filter=Q(slip_at__gt=0)), 0)
    aggregates["progress"] = Avg("percent_at", filter=~Q(status_at=Status.CANCELLED))
    return aggregates


def _tally(row: dict[str, Any]) -> StatusTally:
    return StatusTally(
        total=row["total"],
        counts={status: row[f"n_{status}"] for status in Status.values},
        overdue=row["n_overdue"],
        stale=row["n_stale"],
        slipped=row["n_slipped"],
        slip_days=int(row["sum_slip_days"] or 0),
        progress=float(row["progress"]) if row["progress"] is not None else None,
    )


def _grouped_as_of(
    items: QuerySet[ActionItem], key: str, labels: dict[str, str], order_by: tuple[str, ...]
) -> QuerySet[ActionItem, Any]:
    return (
        items.values(group=F(key))
        .annotate(**{alias: Min(path) for alias, path in labels.items()}, **_aggregates())
        .order_by(*order_by)
    )


def report_figures_as_of(
    *, scope: frozenset[int] | None, at: datetime.datetime, filters: ReportFilters | None = None
) -> FiguresAsOf:
    """The totals, agency rows and theme rows of ``report_summary`` as they stood at ``at``."""
    items = items_as_of(scope=scope, at=at, filters=filters)
    totals = _tally(items.aggregate(**_aggregates()))
    by_agency = [
        AgencyRow(
            agency_id=row["group"],
            acronym=row["acronym"],
            name_en=row["name_en"],
            name_fr=row["name_fr"],
            tally=_tally(row),
            share_of_all=totals.share(row["total"]),
        )
        for row in _grouped_as_of(
            items,
            "owner_agency_id",
            {
                "acronym": "owner_agency__acronym",
                "name_en": "owner_agency__name_en",
                "name_fr": "owner_agency__name_fr",
            },
            ("acronym",),
        )
    ]
    by_theme = [
        ThemeRow(
            theme_id=row["group"],
            title_en=row["title_en"],
            title_fr=row["title_fr"],
            section=row["section"],
            tally=_tally(row),
            share_of_all=totals.share(row["total"]),
        )
        for row in _grouped_as_of(
            items,
            "recommendation__theme_id",
            {
                "title_en": "recommendation__theme__title_en",
                "title_fr": "recommendation__theme__title_fr",
                "section": "recommendation__theme__section",
                "source": "recommendation__theme__source_id",
                "position": "recommendation__theme__position",
            },
            ("source", "position", "group"),
        )
    ]
    return FiguresAsOf(
        at=at,
        today=timezone.localdate(at - datetime.timedelta(microseconds=1)),
        totals=totals,
        by_agency=by_agency,
        by_theme=by_theme,
    )
