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
moves between agencies. Everything is computed by the database, by the report's own tally
builder (one GROUPING SETS query on PostgreSQL), with correlated subqueries on the
(action_item, created_at) index.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from recommendations.models import (
    OPEN_STATUSES,
    ActionItem,
    DaysBetween,
    ProgressUpdate,
    overdue_condition,
    stale_condition,
)

from .selectors import (
    AgencyRow,
    ReportFilters,
    StatusTally,
    TallyColumns,
    ThemeRow,
    report_items,
    report_tally_tables,
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
    # Overdue and stale as the present's figures say them (one definition), of the values then.
    return items.annotate(
        open_at=ExpressionWrapper(open_at, output_field=BooleanField()),
        overdue_at=ExpressionWrapper(
            overdue_condition(today, status="status_at", due_date="due_at"),
            output_field=BooleanField(),
        ),
        stale_at=ExpressionWrapper(
            stale_condition(at, status="status_at", last_progress_at="progress_at"),
            output_field=BooleanField(),
        ),
        slip_at=DaysBetween("due_at", "original_due_date"),
    )


# The item's values at the moment, as ``items_as_of`` annotates them: the report's one tally
# builder (``selectors.report_tally_tables``) counts them as it counts the current columns.
AS_OF_COLUMNS = TallyColumns(
    status="status_at", percent="percent_at", overdue="overdue_at", stale="stale_at", slip="slip_at"
)


def report_figures_as_of(
    *, scope: frozenset[int] | None, at: datetime.datetime, filters: ReportFilters | None = None
) -> FiguresAsOf:
    """The totals, agency rows and theme rows of ``report_summary`` as they stood at ``at``
    (one GROUPING SETS query on PostgreSQL, three queries elsewhere)."""
    tables = report_tally_tables(
        items_as_of(scope=scope, at=at, filters=filters),
        columns=AS_OF_COLUMNS,
        groups=("agency", "theme"),
    )
    return FiguresAsOf(
        at=at,
        today=timezone.localdate(at - datetime.timedelta(microseconds=1)),
        totals=tables.totals,
        by_agency=tables.by_agency,
        by_theme=tables.by_theme,
    )
