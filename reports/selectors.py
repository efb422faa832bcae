"""The one source of the report's numbers: the page, the CSV and Excel exports and
``GET /api/v1/reports/summary/`` all call ``report_summary``.

Every figure is computed by the database (aggregates, GROUP BY, conditional counts) in a fixed
number of queries, whatever the number of items; the lists are bounded (the oldest
``LIST_LIMIT`` rows, with the total count beside them), so the cost of a page does not grow with
the size of the data beyond what the database's aggregates cost.
"""

import dataclasses
import datetime
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language

from agencies.models import Agency, User, acronym_in_language
from agencies.policies import roles_of
from recommendations import caching
from recommendations.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ActionItem,
    ActionItemQuerySet,
    DaysBetween,
    Priority,
    ProgressUpdate,
    Recommendation,
    Source,
    Status,
    Theme,
    creation_condition,
    open_condition,
    progress_average,
    redate_condition,
    stale_cutoff,
)
from reports import policies
from reports.accountability import (
    WAITING_LIST_LIMIT,
    AccountabilityFigures,
    accountability_figures,
)
from tracker.memory import BoundedStore

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


def in_language(english: str, french: str, *, language: str | None = None) -> str:
    """The text in ``language`` (the active one if not given), else in the other."""
    return (french or english) if (language or get_language()) == "fr" else (english or french)


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
    acronym_fr: str = ""

    @property
    def name(self) -> str:
        return in_language(self.name_en, self.name_fr)

    @property
    def local_acronym(self) -> str:
        return acronym_in_language(self.acronym, self.acronym_fr)


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
        return in_language(self.title_en, self.title_fr)

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
        return in_language(self.title_en, self.title_fr)

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
    # Reported against verified complete, decisions, extensions, slippage by cause, discrepancies
    # (``reports.accountability``).
    accountability: AccountabilityFigures | None = None

    @property
    def history_start(self) -> datetime.date | None:
        return self.history[0].month if self.history else None

    @property
    def history_end(self) -> datetime.date | None:
        return self.history[-1].month if self.history else None


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


@dataclass(frozen=True)
class TallyColumns:
    """The columns a tally counts: an item's current values (the report), or its values at a
    past moment (``reports.as_of``). The figures are the same expressions over either."""

    status: str = "status"
    percent: str = "percent_complete"
    overdue: str = "overdue"
    stale: str = "stale"
    slip: str = "slip_days"


CURRENT_COLUMNS = TallyColumns()


def _tally_aggregates(columns: TallyColumns = CURRENT_COLUMNS) -> dict[str, Any]:
    """Conditional counts for one group; ``overdue``/``stale`` come from ``with_flags``."""
    aggregates: dict[str, Any] = {"total": Count("id")}
    for status in Status.values:
        aggregates[f"n_{status}"] = Count("id", filter=Q(**{columns.status: status}))
    aggregates["n_overdue"] = Count("id", filter=Q(**{columns.overdue: True}))
    aggregates["n_stale"] = Count("id", filter=Q(**{columns.stale: True}))
    aggregates["n_slipped"] = Count("id", filter=Q(**{f"{columns.slip}__gt": 0}))
    aggregates["sum_slip_days"] = Coalesce(
        Sum(columns.slip, filter=Q(**{f"{columns.slip}__gt": 0})), 0
    )
    aggregates["progress"] = progress_average(percent=columns.percent, status=columns.status)
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


@dataclass(frozen=True)
class _Group:
    """A breakdown of the report: the items grouped by ``key``, each group with its labels (read
    with ``Min()``: one value per group, since they depend on the key; grouping by the text
    columns too made PostgreSQL sort 100,000 rows of titles on disk instead of hashing 400
    groups), in the order of ``sort`` (labels, then the key)."""

    key: str
    labels: dict[str, str]
    sort: tuple[str, ...]
    # The model the key points at, and the path that reaches it from an item (its labels are
    # that model's columns: joined to the grouped rows in the GROUPING SETS query).
    model: type[models.Model]
    prefix: str


_GROUPS: dict[str, _Group] = {
    "agency": _Group(
        key="owner_agency_id",
        labels={
            "acronym": "owner_agency__acronym",
            "acronym_fr": "owner_agency__acronym_fr",
            "name_en": "owner_agency__name_en",
            "name_fr": "owner_agency__name_fr",
        },
        sort=("acronym", "group"),
        model=Agency,
        prefix="owner_agency__",
    ),
    "theme": _Group(
        key="recommendation__theme_id",
        labels={
            "title_en": "recommendation__theme__title_en",
            "title_fr": "recommendation__theme__title_fr",
            "section": "recommendation__theme__section",
            "source": "recommendation__theme__source_id",
            "position": "recommendation__theme__position",
        },
        sort=("source", "position", "group"),
        model=Theme,
        prefix="recommendation__theme__",
    ),
    "recommendation": _Group(
        key="recommendation_id",
        labels={
            "code": "recommendation__code",
            "title_en": "recommendation__title_en",
            "title_fr": "recommendation__title_fr",
            "priority": "recommendation__priority",
            "theme": "recommendation__theme_id",
        },
        sort=("code", "group"),
        model=Recommendation,
        prefix="recommendation__",
    ),
}


class _Grouping(Func):
    """``GROUPING(a, b, c)``: which grouping set a row of a ``GROUPING SETS`` query belongs to
    (bit ``n - 1 - i`` set when key ``i`` is not grouped). An aggregate in Django's eyes, so
    that it is not added to the GROUP BY."""

    function = "GROUPING"
    output_field = IntegerField()
    contains_aggregate = True


# ``... GROUP BY 1, 2, 3`` (PostgreSQL: the select list's positions) or ``"t"."a", ...`` at the
# very end of the compiled query.
_GROUP_BY_CLAUSE = re.compile(r' GROUP BY ((?:(?:\d+|"[^"]+"\."[^"]+")(?:, )?)+)$')


def _column(model: type[models.Model], name: str) -> str:
    """The database column of ``model``'s field ``name`` (or its primary key, ``pk``)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise RuntimeError(f"{model.__name__}.{name} is not a column")
    return column


def _grouping_sets_rows(
    items: "QuerySet[ActionItem]",
    groups: Sequence[str],
    aggregates: dict[str, Any],
    totals_extra: dict[str, Any],
) -> list[dict[str, Any]]:
    """PostgreSQL: the totals and every group's tallies in ONE query, ``GROUP BY GROUPING SETS
    ((agency), (theme), (recommendation), ())``: one scan of the items instead of four
    (measured at the brief's scale: one query ~90 ms instead of four ~150 ms).

    Django has no GROUPING SETS: the query is Django's own ``GROUP BY a, b, c`` over the same
    expressions, with that last clause (checked to be exactly the keys, else this refuses)
    replaced. The totals' extra figures are read from the () set only (in the other sets they
    are computed and ignored)."""
    keys = [_GROUPS[name].key for name in groups]
    query = (
        items.order_by()
        .values(**{f"key_{index}": F(key) for index, key in enumerate(keys)})
        .annotate(grouping_set=_Grouping(*keys), **aggregates, **totals_extra)
        .order_by()
    )
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # an empty scope: no group at all, Django's zeros for the totals
        return [{**items.none().aggregate(**aggregates, **totals_extra), "grouping_set": -1}]
    clause = _GROUP_BY_CLAUSE.search(sql)
    if clause is None or len(clause[1].split(", ")) != len(keys):
        raise RuntimeError(f"Unexpected GROUP BY in the report's tally query: {sql[-300:]}")
    sets = ", ".join(f"({column})" for column in clause[1].split(", "))
    sql = f"{sql[: clause.start()]} GROUP BY GROUPING SETS ({sets}, ())"
    # The labels are joined to the ~500 grouped rows, not read with Min() over the items in
    # every set: measured at the brief's scale, Min() of 14 labels in four sets cost more than
    # the three GROUP BYs it saved (1.6 s against 0.5 s without them, at load 18).
    quote = connections[items.db].ops.quote_name
    columns, joins = [], []
    for index, name in enumerate(groups):
        group = _GROUPS[name]
        table = f"label_{index}"
        rolled_up = 1 << (len(groups) - 1 - index)
        joins.append(
            f"LEFT JOIN {quote(group.model._meta.db_table)} {table} ON "
            f"(tallies.grouping_set & {rolled_up}) = 0 AND {table}.{quote(_column(group.model, 'pk'))}"
            f" = tallies.key_{index}"
        )
        for alias, path in group.labels.items():
            column = _column(group.model, path.removeprefix(group.prefix))
            columns.append(f"{table}.{quote(column)} AS {quote(f'label_{name}_{alias}')}")
    sql = f"SELECT tallies.*, {', '.join(columns)} FROM ({sql}) tallies {' '.join(joins)}"  # noqa: S608 - model table and column names, quoted
    with connections[items.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _tally_tables_rows(
    items: "QuerySet[ActionItem]",
    *,
    columns: TallyColumns,
    groups: Sequence[str],
    totals_extra: dict[str, Any],
    grouping_sets: bool | None,
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The totals row and each group's rows, as ``{alias: value}`` (the group's key as
    ``group``), sorted. ``grouping_sets`` None: where the database has them (PostgreSQL);
    otherwise one aggregate and one GROUP BY per group, the portable way (same figures)."""
    aggregates = _tally_aggregates(columns)
    if grouping_sets is None:
        grouping_sets = connections[items.db].vendor == "postgresql"
    by_group: dict[str, list[dict[str, Any]]] = {name: [] for name in groups}
    if grouping_sets:
        every_key = (1 << len(groups)) - 1
        totals: dict[str, Any] = {}
        for row in _grouping_sets_rows(items, groups, aggregates, totals_extra):
            if row["grouping_set"] in (every_key, -1):
                totals = row
                continue
            # The one key not rolled up is this row's group.
            index = next(
                index
                for index in range(len(groups))
                if not row["grouping_set"] & (1 << (len(groups) - 1 - index))
            )
            name = groups[index]
            row["group"] = row[f"key_{index}"]
            for alias in _GROUPS[name].labels:
                row[alias] = row[f"label_{name}_{alias}"]
            by_group[name].append(row)
    else:
        totals = items.order_by().aggregate(**aggregates, **totals_extra)
        for name in groups:
            group = _GROUPS[name]
            grouped = (
                items.order_by()
                .values(group=F(group.key))
                .annotate(
                    **{alias: Min(path) for alias, path in group.labels.items()}, **aggregates
                )
                .order_by()
            )
            by_group[name] = [dict(row) for row in grouped]
    for name, rows in by_group.items():
        # Sorted here, the same on every backend (labels are unique per group: acronym, code).
        rows.sort(key=lambda row, sort=_GROUPS[name].sort: tuple(row[part] for part in sort))  # type: ignore[misc]
    return totals, by_group


@dataclass(frozen=True)
class TallyTables:
    """The report's four tallies: the totals, by owner agency, by theme, by recommendation."""

    totals_row: dict[str, Any]  # the totals' aggregate, with ``totals_extra``
    totals: StatusTally
    by_agency: list[AgencyRow]
    by_theme: list[ThemeRow]
    by_recommendation: list[RecommendationRow]


def report_tally_tables(
    items: "QuerySet[ActionItem]",
    *,
    columns: TallyColumns = CURRENT_COLUMNS,
    groups: Sequence[str] = ("agency", "theme", "recommendation"),
    totals_extra: dict[str, Any] | None = None,
    grouping_sets: bool | None = None,
) -> TallyTables:
    """The one builder of the report's tallies and their rows, for the report of the present
    (``report_summary``) and of a past moment (``reports.as_of``), so the two cannot drift
    apart. ``items`` carries the ``columns``; ``totals_extra`` are more aggregates over all the
    items (read back from ``totals_row``)."""
    totals_row, rows = _tally_tables_rows(
        items,
        columns=columns,
        groups=groups,
        totals_extra=totals_extra or {},
        grouping_sets=grouping_sets,
    )
    totals = _tally(totals_row)
    by_agency = [
        AgencyRow(
            agency_id=row["group"],
            acronym=row["acronym"],
            name_en=row["name_en"],
            name_fr=row["name_fr"],
            tally=_tally(row),
            share_of_all=totals.share(row["total"]),
            acronym_fr=row["acronym_fr"],
        )
        for row in rows.get("agency", [])
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
        for row in rows.get("theme", [])
    ]
    themes_by_id = {row.theme_id: row for row in by_theme}
    by_recommendation = [
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
        for row in rows.get("recommendation", [])
    ]
    return TallyTables(
        totals_row=totals_row,
        totals=totals,
        by_agency=by_agency,
        by_theme=by_theme,
        by_recommendation=by_recommendation,
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


def _month_bounds(
    months: list[datetime.date], now: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Each month's start and end in the site's time zone; the current month ends now."""
    return [
        (_local_midnight(month), min(_local_midnight(_add_months(month, 1)), now))
        for month in months
    ]


def _born() -> Coalesce:
    """When an item's history starts: its first update if back-dated before its creation."""
    return Coalesce("born_at", "created_at")


def _history_item_counts(months: list[datetime.date], now: datetime.datetime) -> dict[str, Any]:
    """The items' half of the history, computed with the totals (same rows, same scan): the items
    open now that existed at each month's end. ``born`` must be aliased to ``_born()``."""
    return {
        f"open_born_{index}": Count("id", filter=open_condition() & Q(born__lt=end))
        for index, (_start, end) in enumerate(_month_bounds(months, now))
    }


def _history(
    items: ActionItemQuerySet,
    months: list[datetime.date],
    now: datetime.datetime,
    item_counts: dict[str, Any],
) -> list[MonthPoint]:
    """Completed per month and open at each month's end, from the progress-update history, in
    one query over the updates (plus ``item_counts``, from the totals' query).

    An item's status at a moment is its current status less the open/closed changes recorded
    after that moment (the timeline is a chain: each update's ``status_before`` is the previous
    one's ``status_after``). So, set-based: open at a month's end = the items open now that
    existed then, less the sum of the open/closed changes recorded after it (-1 for a closing,
    +1 for a reopening) on items that existed then. An item exists from ``_born()``. Months are
    in the site's time zone; the current month ends now. Only updates that enter or leave a
    closed status can change either figure, and only those are read, from the partial index
    ``update_closed_transition_idx`` (a few percent of the 1,000,000 updates; the old per-item
    join read them all and looked up each item's first update, ~350 ms -> ~100 ms).
    """
    if not months:
        return []
    closes = Q(status_before__in=OPEN_STATUSES) & Q(status_after__in=CLOSED_STATUSES)
    reopens = Q(status_before__in=CLOSED_STATUSES) & Q(status_after__in=OPEN_STATUSES)
    # An item created completed (as a loader may) was not completed that month: it was born so.
    completes = (
        Q(status_after=Status.COMPLETED)
        & ~Q(status_before=Status.COMPLETED)
        & ~creation_condition()
    )
    # The same condition as the partial index's, so that PostgreSQL can use it.
    touches_closed = Q(status_before__in=CLOSED_STATUSES) | Q(status_after__in=CLOSED_STATUSES)
    open_delta = Case(
        When(closes, then=Value(-1)),
        When(reopens, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    aggregates: dict[str, Any] = {}
    for index, (start, end) in enumerate(_month_bounds(months, now)):
        aggregates[f"later_{index}"] = Coalesce(
            Sum(open_delta, filter=Q(created_at__gte=end) & Q(born__lt=end)), 0
        )
        # Each item once per month, however many times it was completed in it.
        aggregates[f"completed_{index}"] = Count(
            "action_item_id",
            distinct=True,
            filter=completes & Q(created_at__gte=start) & Q(created_at__lt=end),
        )
    figures = (
        ProgressUpdate.objects.filter(touches_closed, action_item__in=items.order_by().values("pk"))
        .order_by()
        .alias(born=Coalesce("action_item__born_at", "action_item__created_at"))
        .aggregate(**aggregates)
    )
    return [
        MonthPoint(
            month=month,
            completed=figures[f"completed_{index}"],
            open_at_end=item_counts[f"open_born_{index}"] - figures[f"later_{index}"],
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


def report_cache_parts(scope_ids: frozenset[int] | None, filters: ReportFilters) -> tuple[Any, ...]:
    """What a cached figure of the report depends on besides the data version and the date: the
    scope and every filter, read from the dataclass's fields so that a filter added later can
    never be forgotten here (a forgotten one would serve another filter's figures)."""
    return (
        None if scope_ids is None else tuple(sorted(scope_ids)),
        *(
            (field.name, getattr(getattr(filters, field.name), "pk", getattr(filters, field.name)))
            for field in dataclasses.fields(filters)
        ),
    )


def report_summary(
    *,
    user: User | object,
    filters: ReportFilters,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    cached: bool = True,
    list_limit: int | None = LIST_LIMIT,
) -> ReportSummary:
    """Every figure of the progress report for ``user`` (their scope) and ``filters``.

    A report of the present (no ``today`` or ``now`` given) is read from the cache when one was
    computed since the last write for the same scope and filters (``recommendations.caching``:
    any write or a new day changes the key), then brought up to the present by counting the
    items that turned stale since (``_catch_up``): exact, and one small query instead of eight
    large ones. ``cached=False`` always computes.
    """
    if today is not None or now is not None or not cached or list_limit != LIST_LIMIT:
        return _report_summary(
            user=user, filters=filters, today=today, now=now, list_limit=list_limit
        )
    scope_ids = policies.report_scope(user)
    parts = report_cache_parts(scope_ids, filters)
    now = timezone.now()
    key = caching.versioned_key("report-summary", parts, now=now, stale=False)
    # This process's copy first: unpickling a summary from the shared cache was a quarter of a
    # cached report's CPU (20 of 84 ms, profile, issue 12). It is kept caught up to the last
    # request, so each catch-up reads only the items that turned stale since then, and it ends
    # when the shared entry does (``REPORT_CATCH_UP_SECONDS`` after it was computed).
    kept = _SUMMARIES.get(key)
    if kept is None or now - kept[0] >= REPORT_CATCH_UP_SECONDS_DELTA:
        shared: ReportSummary | None = cache.get(key)
        kept = None if shared is None else (shared.generated_at, shared)
    if kept is not None and kept[1].generated_at <= now:
        computed_at, summary = kept
        summary = _catch_up(summary, items=report_items(scope=scope_ids, filters=filters), now=now)
        _SUMMARIES.put(key, (computed_at, summary))
        return summary
    summary = _report_summary(user=user, filters=filters, now=now)
    cache.set(key, summary, REPORT_CATCH_UP_SECONDS)
    _SUMMARIES.put(key, (now, summary))
    return dataclasses.replace(summary, filters=filters)


# Summaries kept in this process's memory, with when they were computed, under the shared
# cache's exact key (a write or a new day makes an entry unreachable): a few hundred kilobytes
# each, so a few dozen at most.
_SUMMARIES: BoundedStore[tuple[datetime.datetime, ReportSummary]] = BoundedStore(max_size=32)


def report_summaries_forget() -> None:
    """Empty this process's copies (tests; after restoring a backup, restart the workers)."""
    _SUMMARIES.clear()


# A cached report is caught up by reading the items that turned stale since it was computed;
# after this long it is computed again instead, which bounds that read. (At the brief's scale an
# open item turns stale about every second, so the stale figures cannot simply be in the key.)
REPORT_CATCH_UP_SECONDS = 15 * 60
REPORT_CATCH_UP_SECONDS_DELTA = datetime.timedelta(seconds=REPORT_CATCH_UP_SECONDS)


# What the overdue, stale and most-slipped lists show (page, exports, API), and nothing more:
# the exports list every row (tens of thousands at the brief's scale), where loading the four
# joined models' other columns cost more than reading the rows.
_LISTED_FIELDS = (
    "id",
    "sequence",
    "title_en",
    "title_fr",
    "status",
    "due_date",
    "original_due_date",
    "last_progress_at",
    "recommendation__code",
    "owner_agency__acronym",
    "owner_agency__acronym_fr",
    "owner_agency__name_en",
    "owner_agency__name_fr",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def _listed(items: ActionItemQuerySet) -> ActionItemQuerySet:
    return items.select_related("recommendation", "owner_agency", "assignee").only(*_LISTED_FIELDS)


def report_list(
    key: str,
    items: ActionItemQuerySet,
    *,
    today: datetime.date,
    now: datetime.datetime,
    limit: int | None = LIST_LIMIT,
) -> list[ActionItem]:
    """The first ``limit`` (None: every one) of ``items`` in the report's list ``key``: the
    oldest overdue, the longest stale, or the most slipped."""
    shown = _listed(items)
    if key == "overdue":
        return list(shown.overdue(today).order_by("due_date", "id")[:limit])
    if key == "stale":
        return list(shown.stale(now).order_by("last_progress_at", "id")[:limit])
    return list(
        shown.annotate(slip_days=DaysBetween("due_date", "original_due_date"))
        # Slipped, said as the partial index ``item_most_slipped_idx`` says it, so that
        # PostgreSQL reads the first rows from it (26 ms -> under 1 ms at 100,000 items).
        .filter(due_date__gt=F("original_due_date"))
        .order_by("-slip_days", "due_date", "id")[:limit]
    )


def turned_stale(
    items: ActionItemQuerySet, then: datetime.datetime, now: datetime.datetime
) -> ActionItemQuerySet:
    """The open ``items`` that turned stale after ``then`` and by ``now`` (with no write in
    between): their last progress lies between the two cutoffs. They are the freshest of the
    stale items at ``now``, so they come last in the stale list (oldest first)."""
    return items.filter(
        open_condition(),
        last_progress_at__gte=stale_cutoff(then),
        last_progress_at__lt=stale_cutoff(now),
    )


def _stale_list(items: ActionItemQuerySet, now: datetime.datetime) -> list[ActionItem]:
    return report_list("stale", items, today=timezone.localdate(now), now=now)


def _catch_up(
    summary: ReportSummary, *, items: ActionItemQuerySet, now: datetime.datetime
) -> ReportSummary:
    """``summary`` (computed since the last write, today) as of ``now``.

    With no write since, the only figures that time moves within a day are the stale ones: the
    open items whose last progress fell behind the cutoff since the summary was computed are
    added to the stale counts of the totals and of their agency, theme and recommendation.
    They were the freshest of the stale items, so the stale list (oldest first) changes only if
    it had room for them.
    """
    turned = list(
        turned_stale(items, summary.generated_at, now).values_list(
            "owner_agency_id", "recommendation_id", "recommendation__theme_id"
        )
    )
    if not turned:
        return dataclasses.replace(summary, generated_at=now)
    by_agency = Counter(agency for agency, _, _ in turned)
    by_recommendation = Counter(recommendation for _, recommendation, _ in turned)
    by_theme = Counter(theme for _, _, theme in turned)

    def more_stale(tally: StatusTally, count: int) -> StatusTally:
        return dataclasses.replace(tally, stale=tally.stale + count) if count else tally

    themes = [
        dataclasses.replace(row, tally=more_stale(row.tally, by_theme[row.theme_id]))
        for row in summary.by_theme
    ]
    themes_by_id = {row.theme_id: row for row in themes}
    stale_total = summary.stale.total + len(turned)
    return dataclasses.replace(
        summary,
        generated_at=now,
        totals=more_stale(summary.totals, len(turned)),
        by_agency=[
            dataclasses.replace(row, tally=more_stale(row.tally, by_agency[row.agency_id]))
            for row in summary.by_agency
        ],
        by_theme=themes,
        by_recommendation=[
            # Most rows are unchanged (one item turns stale about every second): kept as they are.
            dataclasses.replace(
                row,
                tally=more_stale(row.tally, by_recommendation[row.recommendation_id]),
                theme=themes_by_id.get(row.theme.theme_id) if row.theme else None,
            )
            if by_recommendation[row.recommendation_id]
            or (row.theme is not None and by_theme[row.theme.theme_id])
            else row
            for row in summary.by_recommendation
        ],
        stale=ItemList(
            total=stale_total,
            items=summary.stale.items
            if len(summary.stale.items) >= LIST_LIMIT
            else _stale_list(items, now),
        ),
    )


def _report_summary(
    *,
    user: User | object,
    filters: ReportFilters,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    list_limit: int | None = LIST_LIMIT,
) -> ReportSummary:
    """The report, computed.

    Five queries over the items whatever their number on PostgreSQL (eight elsewhere), plus
    the user's roles (once per request) and, for a user with a scope, the names of its
    agencies:
    1. totals by status with overdue, stale and slippage, and the same counts grouped by owner
       agency, by theme, by recommendation (``report_tally_tables``: one GROUPING SETS query
       on PostgreSQL, one aggregate and three GROUP BYs elsewhere);
    3. the oldest overdue, the longest stale and the most slipped items (``list_limit`` each;
       the exports ask for every row with ``None``);
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
    months = report_history_months(filters=filters, today=today)
    tables = report_tally_tables(
        flagged.alias(born=_born()),
        totals_extra={**band_counts, **_history_item_counts(months, now)},
    )
    totals, totals_row = tables.totals, tables.totals_row

    overdue, stale, most_slipped = (
        report_list(key, items, today=today, now=now, limit=list_limit)
        for key in ("overdue", "stale", "most_slipped")
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
        by_agency=tables.by_agency,
        by_theme=tables.by_theme,
        by_recommendation=tables.by_recommendation,
        slippage=_slippage_bands(totals_row, totals),
        most_slipped=ItemList(total=totals.slipped, items=most_slipped),
        overdue=ItemList(total=totals.overdue, items=overdue),
        stale=ItemList(total=totals.stale, items=stale),
        history=_history(items, months, now, totals_row),
        accountability=accountability_figures(
            items=items,
            today=today,
            list_limit=None if list_limit is None else min(list_limit, WAITING_LIST_LIMIT),
        ),
    )


# What changed ----------------------------------------------------------------------------------

# The periods a manager can look back over, in days (the `changed` parameter of the address).
CHANGE_PERIODS = (7, 30)


@dataclass(frozen=True)
class ReportChanges:
    """What happened to the report's items in the last ``days`` days (each item counted once
    per kind of change)."""

    days: int
    since: datetime.date
    completed: int
    redated: int
    newly_blocked: int
    newly_overdue: int
    notes: int


def report_changes(
    *,
    user: User | object,
    filters: ReportFilters,
    days: int,
    today: datetime.date | None = None,
) -> ReportChanges:
    """Items completed, re-dated, newly blocked and with a note recorded in the last ``days`` days
    (one aggregate over their progress updates), and the items that became overdue in that time
    (open items whose due date fell in it: one count). Same scope and filters as the report.

    Today's answer is read from the exact cache (``caching.versioned``): it depends only on the
    data (its version is in the key) and on the date (also in the key), never on the hour, since
    the period starts at a local midnight. The aggregate reads every update of the period (about
    45 ms at the brief's scale), the rest of the page a few.
    """
    scope_ids = policies.report_scope(user)
    if today is None:
        return caching.versioned(
            "report-changes",
            (*report_cache_parts(scope_ids, filters), days),
            lambda now: _report_changes(
                scope_ids=scope_ids, filters=filters, days=days, today=timezone.localdate(now)
            ),
        )
    return _report_changes(scope_ids=scope_ids, filters=filters, days=days, today=today)


def _report_changes(
    *,
    scope_ids: frozenset[int] | None,
    filters: ReportFilters,
    days: int,
    today: datetime.date,
) -> ReportChanges:
    since = today - datetime.timedelta(days=days)
    items = report_items(scope=scope_ids, filters=filters)
    updates = ProgressUpdate.objects.filter(
        action_item_id__in=items.values("id"), created_at__gte=_local_midnight(since)
    )

    def distinct_items(condition: Q) -> Count:
        # An item's creation entry sets its status and due date; it completes, re-dates or
        # blocks nothing (re-dates already need a due date before).
        return Count("action_item_id", filter=condition & ~creation_condition(), distinct=True)

    counts = updates.aggregate(
        completed=distinct_items(
            Q(status_after=Status.COMPLETED) & ~Q(status_before=Status.COMPLETED)
        ),
        redated=distinct_items(redate_condition()),
        newly_blocked=distinct_items(
            Q(status_after=Status.BLOCKED) & ~Q(status_before=Status.BLOCKED)
        ),
        notes=Count("id", filter=~Q(note="")),
    )
    newly_overdue = items.order_by().overdue(today).filter(due_date__gte=since).count()
    return ReportChanges(
        days=days,
        since=since,
        completed=counts["completed"],
        redated=counts["redated"],
        newly_blocked=counts["newly_blocked"],
        newly_overdue=newly_overdue,
        notes=counts["notes"],
    )


def report_my_work_query(*, user: User | object, filters: ReportFilters) -> str | None:
    """My work's query string for exactly the report's items, or None where My work cannot show
    the same set (a filter it lacks, or a scope that is not one of its own)."""
    if filters.priority or filters.date_from or filters.date_to:
        return None
    roles = roles_of(user)
    if roles.sees_everything and filters.agency is None:
        scope = "all"
    elif (
        not roles.sees_everything
        and filters.agency is not None
        and roles.member_of == frozenset({filters.agency.pk})
    ):
        # Narrowed to the items their one agency owns: My work's "Owned by my agency".
        scope = "agency"
    else:
        return None
    params = [("scope", scope)]
    if filters.theme is not None:
        params.append(("theme", str(filters.theme.pk)))
    if filters.recommendation is not None:
        params.append(("recommendation", str(filters.recommendation.pk)))
    return urlencode(params)
