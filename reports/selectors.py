"""The one source of the report's numbers: the page, the CSV and Excel exports and
``GET /api/v1/reports/summary/`` all call ``report_summary``.

Every figure is computed by the database (aggregates, GROUP BY, conditional counts) in a fixed
number of queries, whatever the number of items; the lists are bounded (the oldest
``LIST_LIMIT`` rows, with the total count beside them), so the cost of a page does not grow with
the size of the data beyond what the database's aggregates cost.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import get_language

from agencies.models import Agency, User
from recommendations.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ActionItem,
    ActionItemQuerySet,
    Priority,
    ProgressUpdate,
    Recommendation,
    Source,
    Status,
    Theme,
    progress_average,
)
from reports import policies

# How many rows the overdue, stale and most-slipped lists show; their totals are always exact.
LIST_LIMIT = 50
# The history charts show the months of the period, or the last DEFAULT_HISTORY_MONTHS, never
# more than MAX_HISTORY_MONTHS (each month is two columns of one query).
DEFAULT_HISTORY_MONTHS = 12
MAX_HISTORY_MONTHS = 60

# Slippage bands, in days later than the original due date: (key, lowest, highest or None).
SLIPPAGE_BANDS: tuple[tuple[str, int | None, int | None], ...] = (
    ("earlier", None, -1),
    ("on_time", 0, 0),
    ("up_to_30", 1, 30),
    ("up_to_90", 31, 90),
    ("up_to_180", 91, 180),
    ("over_180", 181, None),
)


@dataclass(frozen=True)
class ReportFilters:
    """What the person asked for; each is optional. Dates bound the items' due dates."""

    agency: Agency | None = None
    source: Source | None = None
    theme: Theme | None = None
    recommendation: Recommendation | None = None
    priority: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def one_decimal(value: float | None) -> float | None:
    """How every report figure (share, mean, progress) is shown: to one decimal, on the page, in
    the exports and in the API alike."""
    return None if value is None else round(value, 1)


def _in_language(english: str, french: str) -> str:
    return (french or english) if get_language() == "fr" else (english or french)


@dataclass(frozen=True)
class StatusTally:
    """Counts of one group of items (all of them, an agency, a theme, a recommendation)."""

    total: int
    counts: dict[str, int]
    overdue: int
    stale: int
    slipped: int
    slip_days: int
    # Mean percent complete of the items that are not cancelled (None when there are none).
    progress: float | None

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    def share(self, count: int) -> float | None:
        """``count`` as a percentage of this group's items."""
        return 100.0 * count / self.total if self.total else None

    def status_share(self, status: str) -> float | None:
        return self.share(self.count(status))

    @property
    def open(self) -> int:
        return sum(self.count(status) for status in OPEN_STATUSES)

    @property
    def mean_slip_days(self) -> float | None:
        """Mean days of slippage among the items that slipped."""
        return self.slip_days / self.slipped if self.slipped else None


@dataclass(frozen=True)
class AgencyRow:
    agency_id: int
    acronym: str
    name_en: str
    name_fr: str
    tally: StatusTally
    share_of_all: float | None

    @property
    def name(self) -> str:
        return _in_language(self.name_en, self.name_fr)


@dataclass(frozen=True)
class ThemeRow:
    theme_id: int
    title_en: str
    title_fr: str
    section: str
    tally: StatusTally
    share_of_all: float | None

    @property
    def title(self) -> str:
        return _in_language(self.title_en, self.title_fr)

    def get_section_display(self) -> str:
        return str(Theme.Section(self.section).label)


@dataclass(frozen=True)
class RecommendationRow:
    recommendation_id: int
    code: str
    title_en: str
    title_fr: str
    priority: str
    theme: ThemeRow | None
    tally: StatusTally
    share_of_all: float | None

    @property
    def title(self) -> str:
        return _in_language(self.title_en, self.title_fr)

    def get_priority_display(self) -> str:
        return str(Priority(self.priority).label)


@dataclass(frozen=True)
class SlippageBand:
    key: str
    lowest: int | None
    highest: int | None
    count: int
    share: float | None


@dataclass(frozen=True)
class MonthPoint:
    month: datetime.date  # the first day of the month
    completed: int  # items completed during the month (each item once per month)
    open_at_end: int  # items open at the end of the month (now, for the current month)


@dataclass(frozen=True)
class ItemList:
    """The first ``LIST_LIMIT`` items of a list, and how many there are in all."""

    total: int
    items: Sequence[ActionItem] = field(default_factory=list)

    @property
    def is_truncated(self) -> bool:
        return self.total > len(self.items)


@dataclass(frozen=True)
class ReportSummary:
    filters: ReportFilters
    # The agencies the report covers; None means every agency.
    scope: list[Agency] | None
    today: datetime.date
    generated_at: datetime.datetime
    totals: StatusTally
    by_status: list[tuple[str, int, float | None]]
    by_agency: list[AgencyRow]
    by_theme: list[ThemeRow]
    by_recommendation: list[RecommendationRow]
    slippage: list[SlippageBand]
    most_slipped: ItemList
    overdue: ItemList
    stale: ItemList
    history: list[MonthPoint]

    @property
    def history_start(self) -> datetime.date | None:
        return self.history[0].month if self.history else None

    @property
    def history_end(self) -> datetime.date | None:
        return self.history[-1].month if self.history else None


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two date columns), as an integer, on both backends."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        # PostgreSQL: date - date is already an integer number of days.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def report_items(*, scope: frozenset[int] | None, filters: ReportFilters) -> ActionItemQuerySet:
    """The action items a report covers: the scope, then the filters.

    A scope of agencies covers the items they own and every item of a recommendation they lead
    or support. The date range bounds the due date.
    """
    items: ActionItemQuerySet = ActionItem.objects.all()
    if scope is not None:
        involved = Recommendation.objects.filter(
            Q(lead_agency_id__in=scope) | Q(supporting_agencies__in=scope)
        ).values("id")
        items = items.filter(Q(owner_agency_id__in=scope) | Q(recommendation_id__in=involved))
    if filters.agency is not None:
        items = items.filter(owner_agency=filters.agency)
    if filters.source is not None:
        items = items.filter(recommendation__source=filters.source)
    if filters.theme is not None:
        items = items.filter(recommendation__theme=filters.theme)
    if filters.recommendation is not None:
        items = items.filter(recommendation=filters.recommendation)
    if filters.priority:
        items = items.filter(recommendation__priority=filters.priority)
    if filters.date_from is not None:
        items = items.filter(due_date__gte=filters.date_from)
    if filters.date_to is not None:
        items = items.filter(due_date__lte=filters.date_to)
    return items


def _tally_aggregates() -> dict[str, Any]:
    """Conditional counts for one group; ``overdue``/``stale`` come from ``with_flags``."""
    aggregates: dict[str, Any] = {"total": Count("id")}
    for status in Status.values:
        aggregates[f"n_{status}"] = Count("id", filter=Q(status=status))
    aggregates["n_overdue"] = Count("id", filter=Q(overdue=True))
    aggregates["n_stale"] = Count("id", filter=Q(stale=True))
    aggregates["n_slipped"] = Count("id", filter=Q(slip_days__gt=0))
    aggregates["sum_slip_days"] = Coalesce(Sum("slip_days", filter=Q(slip_days__gt=0)), 0)
    aggregates["progress"] = progress_average()
    return aggregates


def _grouped(
    items: ActionItemQuerySet,
    key: str,
    labels: dict[str, str],
    *,
    order_by: tuple[str, ...],
) -> "QuerySet[ActionItem, Any]":
    """The tally of each group of items (one GROUP BY), with the group's labels.

    The rows are grouped by the integer key alone and each label is read with ``Min()`` (one
    value per group, since it depends on the key): grouping by the text columns too made
    PostgreSQL sort 100,000 rows of titles on disk instead of hashing 400 groups.
    """
    return (
        items.values(group=F(key))
        .annotate(**{alias: Min(path) for alias, path in labels.items()}, **_tally_aggregates())
        .order_by(*order_by)
    )


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


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def report_history_months(*, filters: ReportFilters, today: datetime.date) -> list[datetime.date]:
    """The first days of the months the history covers.

    The months of the period when it starts in the past (up to today), otherwise the last
    ``DEFAULT_HISTORY_MONTHS`` months up to the period's end (or today); at most
    ``MAX_HISTORY_MONTHS``.
    """
    last = _month_start(min(filters.date_to or today, today))
    if filters.date_from is not None and _month_start(filters.date_from) <= last:
        first = _month_start(filters.date_from)
    else:
        first = _add_months(last, -(DEFAULT_HISTORY_MONTHS - 1))
    first = max(first, _add_months(last, -(MAX_HISTORY_MONTHS - 1)))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = _add_months(month, 1)
    return months


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def _history(
    items: ActionItemQuerySet, months: list[datetime.date], now: datetime.datetime
) -> list[MonthPoint]:
    """Completed per month and open at each month's end, from the progress-update history, in
    one query.

    An item's status at a moment is its current status less the open/closed changes recorded
    after that moment (the timeline is a chain: each update's ``status_before`` is the previous
    one's ``status_after``). An item exists from its creation, or from its first recorded update
    if the history was back-dated before it. Months are in the site's time zone; the current
    month ends now. Only updates that touch a closed status can change either figure, so only
    those are joined.
    """
    if not months:
        return []
    closes = Q(transitions__status_before__in=OPEN_STATUSES) & Q(
        transitions__status_after__in=CLOSED_STATUSES
    )
    reopens = Q(transitions__status_before__in=CLOSED_STATUSES) & Q(
        transitions__status_after__in=OPEN_STATUSES
    )
    completes = Q(transitions__status_after=Status.COMPLETED) & ~Q(
        transitions__status_before=Status.COMPLETED
    )
    open_delta = Case(When(closes, then=Value(-1)), When(reopens, then=Value(1)), default=0)
    first_update_at = Subquery(
        ProgressUpdate.objects.filter(action_item=OuterRef("pk"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    first_end = min(_local_midnight(_add_months(months[0], 1)), now)
    per_item: dict[str, Any] = {
        # An item created before the first month's end exists at every month's end, whatever
        # its history: only newer items need the look-up of their first update.
        "born": Case(
            When(created_at__lt=first_end, then=F("created_at")),
            default=Least("created_at", Coalesce(first_update_at, "created_at")),
        ),
        "open_now": Case(When(status__in=OPEN_STATUSES, then=Value(1)), default=0),
    }
    totals: dict[str, Any] = {}
    for index, month in enumerate(months):
        start = _local_midnight(month)
        end = min(_local_midnight(_add_months(month, 1)), now)
        per_item[f"later_{index}"] = Coalesce(
            Sum(open_delta, filter=Q(transitions__created_at__gte=end)), 0
        )
        per_item[f"done_{index}"] = Max(
            Case(
                When(
                    completes
                    & Q(transitions__created_at__gte=start)
                    & Q(transitions__created_at__lt=end),
                    then=Value(1),
                ),
                default=0,
            )
        )
        totals[f"open_{index}"] = Coalesce(
            Sum(
                Case(
                    When(born__lt=end, then=F("open_now") - F(f"later_{index}")),
                    default=0,
                )
            ),
            0,
        )
        totals[f"completed_{index}"] = Coalesce(Sum(f"done_{index}"), 0)
    touches_closed = Q(updates__status_before__in=CLOSED_STATUSES) | Q(
        updates__status_after__in=CLOSED_STATUSES
    )
    figures = (
        items.order_by()
        .alias(transitions=FilteredRelation("updates", condition=touches_closed))
        .annotate(**per_item)
        .aggregate(**totals)
    )
    return [
        MonthPoint(
            month=month,
            completed=figures[f"completed_{index}"],
            open_at_end=figures[f"open_{index}"],
        )
        for index, month in enumerate(months)
    ]


def _slippage_bands(row: dict[str, Any], totals: StatusTally) -> list[SlippageBand]:
    return [
        SlippageBand(
            key=key,
            lowest=lowest,
            highest=highest,
            count=row[f"band_{key}"],
            share=totals.share(row[f"band_{key}"]),
        )
        for key, lowest, highest in SLIPPAGE_BANDS
    ]


def _band_filter(lowest: int | None, highest: int | None) -> Q:
    condition = Q()
    if lowest is not None:
        condition &= Q(slip_days__gte=lowest)
    if highest is not None:
        condition &= Q(slip_days__lte=highest)
    return condition


def report_summary(
    *,
    user: User | object,
    filters: ReportFilters,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> ReportSummary:
    """Every figure of the progress report for ``user`` (their scope) and ``filters``.

    Eight queries over the items whatever their number, plus the user's roles (once per
    request) and, for a user with a scope, the names of its agencies:
    1. totals by status with overdue, stale and slippage (one aggregate);
    2. the same counts grouped by owner agency, by theme, by recommendation;
    3. the oldest overdue, the longest stale and the most slipped items (``LIST_LIMIT`` each);
    4. completed per month and open at each month's end, from the progress-update history.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    scope_ids = policies.report_scope(user)
    scope = None if scope_ids is None else list(Agency.objects.filter(id__in=scope_ids))
    items = report_items(scope=scope_ids, filters=filters)
    flagged = (
        items.order_by()
        .with_flags(today=today, now=now)
        .annotate(slip_days=DaysBetween("due_date", "original_due_date"))
    )

    band_counts = {
        f"band_{key}": Count("id", filter=_band_filter(lowest, highest))
        for key, lowest, highest in SLIPPAGE_BANDS
    }
    totals_row = flagged.aggregate(**_tally_aggregates(), **band_counts)
    totals = _tally(totals_row)

    agency_rows = [
        AgencyRow(
            agency_id=row["group"],
            acronym=row["acronym"],
            name_en=row["name_en"],
            name_fr=row["name_fr"],
            tally=_tally(row),
            share_of_all=totals.share(row["total"]),
        )
        for row in _grouped(
            flagged,
            "owner_agency_id",
            {
                "acronym": "owner_agency__acronym",
                "name_en": "owner_agency__name_en",
                "name_fr": "owner_agency__name_fr",
            },
            order_by=("acronym",),
        )
    ]
    theme_rows = [
        ThemeRow(
            theme_id=row["group"],
            title_en=row["title_en"],
            title_fr=row["title_fr"],
            section=row["section"],
            tally=_tally(row),
            share_of_all=totals.share(row["total"]),
        )
        for row in _grouped(
            flagged,
            "recommendation__theme_id",
            {
                "title_en": "recommendation__theme__title_en",
                "title_fr": "recommendation__theme__title_fr",
                "section": "recommendation__theme__section",
                "source": "recommendation__theme__source_id",
                "position": "recommendation__theme__position",
            },
            order_by=("source", "position", "group"),
        )
    ]
    themes_by_id = {row.theme_id: row for row in theme_rows}
    recommendation_rows = [
        RecommendationRow(
            recommendation_id=row["group"],
            code=row["code"],
            title_en=row["title_en"],
            title_fr=row["title_fr"],
            priority=row["priority"],
            theme=themes_by_id.get(row["theme"]),
            tally=_tally(row),
            share_of_all=totals.share(row["total"]),
        )
        for row in _grouped(
            flagged,
            "recommendation_id",
            {
                "code": "recommendation__code",
                "title_en": "recommendation__title_en",
                "title_fr": "recommendation__title_fr",
                "priority": "recommendation__priority",
                "theme": "recommendation__theme_id",
            },
            order_by=("code",),
        )
    ]

    shown = items.select_related("recommendation", "owner_agency", "assignee")
    overdue = list(shown.overdue(today).order_by("due_date", "id")[:LIST_LIMIT])
    stale = list(shown.stale(now).order_by("last_progress_at", "id")[:LIST_LIMIT])
    most_slipped = list(
        shown.annotate(slip_days=DaysBetween("due_date", "original_due_date"))
        .filter(slip_days__gt=0)
        .order_by("-slip_days", "due_date", "id")[:LIST_LIMIT]
    )

    return ReportSummary(
        filters=filters,
        scope=scope,
        today=today,
        generated_at=now,
        totals=totals,
        by_status=[
            (status, totals.count(status), totals.status_share(status)) for status in Status.values
        ],
        by_agency=agency_rows,
        by_theme=theme_rows,
        by_recommendation=recommendation_rows,
        slippage=_slippage_bands(totals_row, totals),
        most_slipped=ItemList(total=totals.slipped, items=most_slipped),
        overdue=ItemList(total=totals.overdue, items=overdue),
        stale=ItemList(total=totals.stale, items=stale),
        history=_history(items, report_history_months(filters=filters, today=today), now),
    )
