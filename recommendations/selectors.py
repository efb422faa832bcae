"""Reads of recommendations and action items, shaped for the pages and the API."""

import datetime
import functools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from django.db import connection
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.models import User
from agencies.selectors import user_roles

from . import caching
from .accountability.selectors import with_accountability
from .models import (
    CLOSED_STATUSES,
    ActionItem,
    ActionItemQuerySet,
    ProgressUpdate,
    PublicationChange,
    Recommendation,
    Status,
    Theme,
    open_condition,
    overdue_condition,
    progress_average,
    stale_condition,
    stale_cutoff,
)


def recommendation_list_with_progress() -> QuerySet[Recommendation]:
    """Recommendations with their progress derived from their action items, in one query.

    Progress is ``progress_average`` (items not cancelled); ``item_count``,
    ``completed_count`` and ``open_count`` come from the same GROUP BY.
    """
    active = ~Q(action_items__status=Status.CANCELLED)
    return (
        Recommendation.objects.select_related("theme", "lead_agency")
        .annotate(
            progress=Coalesce(progress_average("action_items__"), 0.0),
            item_count=Count("action_items", filter=active),
            completed_count=Count("action_items", filter=Q(action_items__status=Status.COMPLETED)),
            open_count=Count("action_items", filter=~Q(action_items__status__in=CLOSED_STATUSES)),
        )
        .order_by("theme__position", "code")
    )


def themes_with_recommendations(*, source_key: str = "") -> list[Theme]:
    """Themes in source order, each with ``recommendations_with_progress`` (two queries); those
    of one source when ``source_key`` is given (every source by default). From the exact cache
    (``caching``) when nothing was written since they were read: the progress of 400
    recommendations groups all 100,000 items."""
    return caching.versioned(
        "themes-with-recommendations", (source_key,), lambda now: _themes(source_key)
    )


def _themes(source_key: str) -> list[Theme]:
    themes = Theme.objects.all()
    if source_key:
        themes = themes.filter(source__key=source_key)
    return list(
        themes.select_related("source")
        .prefetch_related(
            Prefetch(
                "recommendations",
                queryset=recommendation_list_with_progress(),
                to_attr="recommendations_with_progress",
            )
        )
        .order_by("source_id", "position")
    )


def action_item_queryset(*, now: datetime.datetime | None = None) -> QuerySet[ActionItem]:
    """Action items with everything a list or detail shows, and the derived flags as they are
    at ``now`` (this moment by default)."""
    today = timezone.localdate(now) if now is not None else None
    return with_accountability(
        ActionItem.objects.select_related(
            "recommendation", "recommendation__theme", "owner_agency", "assignee"
        ).with_flags(today=today, now=now)
    )


# My work ---------------------------------------------------------------------------------------


class Scope:
    """Which items My work starts from, before the filters."""

    MINE = "mine"  # assigned to me, or owned by one of my agencies
    ASSIGNED = "assigned"  # assigned to me
    AGENCY = "agency"  # owned by one of my agencies
    ALL = "all"  # every item (members of any agency read everything)

    values = (MINE, ASSIGNED, AGENCY, ALL)


class Relation:
    """How an item relates to the person looking at it; My work lists them in this order."""

    ASSIGNED_TO_ME = 0
    MY_AGENCY = 1
    OTHER = 2


# Sort keys of My work; each ends with a unique column so that pages never overlap.
STATUS_RANK = Case(
    When(status=Status.BLOCKED, then=Value(0)),
    When(status=Status.IN_PROGRESS, then=Value(1)),
    When(status=Status.NOT_STARTED, then=Value(2)),
    When(status=Status.COMPLETED, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)
MY_WORK_SORTS: dict[str, tuple[str | Case, ...]] = {
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "updated": ("-updated_at", "-id"),
    "reference": ("recommendation__code", "sequence"),
    "progress": ("percent_complete", "due_date", "id"),
    "-progress": ("-percent_complete", "due_date", "id"),
    "status": (STATUS_RANK, "due_date", "id"),
}
OPEN = "open"  # a status filter value meaning any of OPEN_STATUSES
_REFERENCE = re.compile(r"^(?P<code>.+)\.(?P<sequence>\d+)$")


@dataclass(frozen=True)
class MyWorkFilters:
    scope: str = Scope.MINE
    status: str = ""  # "", OPEN or a Status value
    theme_id: int | None = None
    recommendation_id: int | None = None
    due_within_days: int | None = None
    overdue: bool = False
    stale: bool = False
    search: str = ""
    sort: str = "due"


def my_work_default_scope(*, user: User) -> str:
    """Coordinators follow every agency's work; everyone else starts from their own."""
    return Scope.ALL if user_roles(user).sees_everything else Scope.MINE


def _scope_filter(*, user: User, scope: str) -> Q:
    member_of = user_roles(user).member_of
    if scope == Scope.ASSIGNED:
        return Q(assignee_id=user.pk)
    if scope == Scope.AGENCY:
        return Q(owner_agency_id__in=member_of)
    if scope == Scope.ALL:
        return Q()
    return Q(assignee_id=user.pk) | Q(owner_agency_id__in=member_of)


def _my_work_condition(
    *, user: User, filters: MyWorkFilters, today: datetime.date, now: datetime.datetime | None
) -> Q:
    """Which items My work lists for ``filters`` (the scope and every filter), as one condition."""
    condition = _scope_filter(user=user, scope=filters.scope)
    if filters.status == OPEN:
        condition &= open_condition()
    elif filters.status:
        condition &= Q(status=filters.status)
    if filters.theme_id is not None:
        condition &= Q(recommendation__theme_id=filters.theme_id)
    if filters.recommendation_id is not None:
        condition &= Q(recommendation_id=filters.recommendation_id)
    if filters.due_within_days is not None:
        condition &= open_condition() & Q(
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=filters.due_within_days),
        )
    if filters.overdue:
        condition &= overdue_condition(today)
    if filters.stale:
        condition &= stale_condition(now)
    search = filters.search.strip()
    if search:
        matches = (
            Q(title_en__icontains=search)
            | Q(title_fr__icontains=search)
            | Q(recommendation__code__icontains=search)
        )
        reference = _REFERENCE.match(search)
        if reference:
            matches |= Q(
                recommendation__code__iexact=reference["code"],
                sequence=int(reference["sequence"]),
            )
        condition &= matches
    return condition


def _relation(user: User) -> Case:
    return Case(
        When(assignee_id=user.pk, then=Value(Relation.ASSIGNED_TO_ME)),
        When(owner_agency_id__in=user_roles(user).member_of, then=Value(Relation.MY_AGENCY)),
        default=Value(Relation.OTHER),
        output_field=IntegerField(),
    )


def _relation_conditions(user: User) -> dict[int, Q]:
    """The condition of each relation, word for word what ``_relation`` decides, written so that
    an index can serve it (assigned to me: the assignee index; the others: the due-date order)."""
    mine = Q(assignee_id=user.pk)
    my_agencies = Q(owner_agency_id__in=user_roles(user).member_of)
    return {
        Relation.ASSIGNED_TO_ME: mine,
        Relation.MY_AGENCY: ~mine & my_agencies,
        Relation.OTHER: ~mine & ~my_agencies,
    }


def _my_work_rows() -> ActionItemQuerySet:
    """What a row of My work shows: not the accountability annotations of
    ``action_item_queryset``, seven subqueries the page never reads (a few ms to build)."""
    return ActionItem.objects.select_related(
        "recommendation", "recommendation__theme", "owner_agency", "assignee"
    ).with_flags()


def _my_work_sort(filters: MyWorkFilters) -> tuple[str | Case, ...]:
    return MY_WORK_SORTS.get(filters.sort, MY_WORK_SORTS["due"])


def my_work_items(
    *,
    user: User,
    filters: MyWorkFilters,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[ActionItem]:
    """The action items of My work: assigned to ``user`` first, then their agencies', then others.

    Each item carries ``relation`` (see Relation) and the ``overdue``/``stale`` flags; the filters
    and the sort are applied by the database. The page reads a slice of it through
    ``MyWorkList``, which gives the same rows without sorting every matching item.
    """
    today = today or timezone.localdate(now)
    condition = _my_work_condition(user=user, filters=filters, today=today, now=now)
    return (
        _my_work_rows()
        .filter(condition)
        .annotate(relation=_relation(user))
        .order_by("relation", *_my_work_sort(filters))
    )


def _my_work_key(user: User, *parts: object) -> tuple[object, ...]:
    # Memberships do not move the data version: the agencies themselves are part of the key.
    return (user.pk, tuple(sorted(user_roles(user).member_of)), *parts)


def my_work_counts(*, user: User, scope: str, today: datetime.date | None = None) -> dict[str, int]:
    """The numbers at the top of My work, for ``scope``, in one query over the items, or from
    the exact cache (``caching``): for a coordinator they count all 100,000 items. A cached
    count is caught up with the items of the scope that turned stale since (one small query)."""
    if today is None:

        def catch_up(
            counts: dict[str, int], then: datetime.datetime, now: datetime.datetime
        ) -> dict[str, int]:
            turned = _turned_stale(
                ActionItem.objects.filter(_scope_filter(user=user, scope=scope)), then, now
            )
            return {**counts, "stale": counts["stale"] + turned} if turned else counts

        return caching.versioned_caught_up(
            "my-work-counts",
            _my_work_key(user, scope),
            lambda now: _my_work_counts(user=user, scope=scope, now=now),
            catch_up,
        )
    return _my_work_counts(user=user, scope=scope, today=today)


def _turned_stale(
    items: QuerySet[ActionItem], then: datetime.datetime, now: datetime.datetime
) -> int:
    """How many of ``items`` turned stale after ``then`` and by ``now`` (if nothing was written
    in between): open, last progress between the two cutoffs."""
    return (
        items.order_by()
        .filter(
            open_condition(),
            last_progress_at__gte=stale_cutoff(then),
            last_progress_at__lt=stale_cutoff(now),
        )
        .count()
    )


_ALL = -1  # the part of ``_count_by_relation``'s query that counts every matching item


def _count_by_relation(*, user: User, condition: Q) -> dict[int, int]:
    """How many items match ``condition`` in each relation, in one query: the first two
    relations and the total, each counted from its own index (the others are the rest). A
    GROUP BY on the relation reads every matching row instead (76 ms for 60,000 open items
    where this takes 20)."""
    in_relation = _relation_conditions(user)
    parts = [
        ActionItem.objects.filter(condition, *where)
        .order_by()
        .annotate(part=Value(part))
        .values("part")
        .annotate(count=Count("*"))
        .values_list("part", "count")
        for part, where in (
            (Relation.ASSIGNED_TO_ME, [in_relation[Relation.ASSIGNED_TO_ME]]),
            (Relation.MY_AGENCY, [in_relation[Relation.MY_AGENCY]]),
            (_ALL, []),
        )
    ]
    counted = dict(parts[0].union(*parts[1:], all=True))
    counts = {relation: counted.get(relation, 0) for relation in in_relation}
    counts[Relation.OTHER] = counted.get(_ALL, 0) - sum(counts.values())
    return {relation: count for relation, count in counts.items() if count}


def _my_work_relation_counts(
    *, user: User, filters: MyWorkFilters
) -> tuple[dict[int, int], datetime.datetime]:
    """How many items My work lists for ``filters`` in each relation (one GROUP BY), from the
    exact cache when counted since the last write, and the moment they are counted at (a page
    read with them must decide "stale" at the same moment, or an item turning stale in between
    would shift the segments). With the stale filter, a cached count is caught up with the
    matching items that turned stale since, as ``my_work_counts``."""
    moments: list[datetime.datetime] = []

    def count(now: datetime.datetime) -> dict[int, int]:
        moments.append(now)
        today = timezone.localdate(now)
        condition = _my_work_condition(user=user, filters=filters, today=today, now=now)
        return _count_by_relation(user=user, condition=condition)

    key = _my_work_key(user, filters)
    if not filters.stale:
        counts = caching.versioned("my-work-relation-counts", key, count)
        return counts, moments[-1] if moments else timezone.now()

    def catch_up(
        counts: dict[int, int], then: datetime.datetime, now: datetime.datetime
    ) -> dict[int, int]:
        # Stale at ``now`` and matching every other filter, but not stale yet at ``then``.
        moments.append(now)
        today = timezone.localdate(now)
        condition = _my_work_condition(user=user, filters=filters, today=today, now=now)
        turned = _count_by_relation(
            user=user, condition=condition & Q(last_progress_at__gte=stale_cutoff(then))
        )
        return {r: counts.get(r, 0) + turned.get(r, 0) for r in {*counts, *turned}}

    counts = caching.versioned_caught_up("my-work-relation-counts", key, count, catch_up)
    return counts, moments[-1] if moments else timezone.now()


def my_work_count(*, user: User, filters: MyWorkFilters) -> int:
    """How many items My work lists for ``filters``, from the exact cache when it was counted
    since the last write (``_my_work_relation_counts``)."""
    counts, _now = _my_work_relation_counts(user=user, filters=filters)
    return sum(counts.values())


class MyWorkList(Sequence[ActionItem]):
    """My work's items for ``filters``, in ``my_work_items``' order, as a Paginator reads them
    (its length, then one slice; not for iterating: an item would cost a query).

    Sorting every matching item to cut one page out of it (60,000 open items for a coordinator,
    ~150 ms on PostgreSQL) is avoided: the order is by relation first, so the page is made of at
    most three runs, one per relation, whose offsets follow from the exact count of each relation
    (``_my_work_relation_counts``, cached). Each run is read in the sort's order from an index
    where one exists (open items by due date: ``item_open_due_idx``), from the end when the run
    lies nearer its end (the order ends with a unique column, so reversed is exactly reversed),
    and the page's rows are then read by id with everything a row shows, in the plain order:
    one query, the same rows as slicing ``my_work_items``.
    """

    def __init__(self, *, user: User, filters: MyWorkFilters) -> None:
        self.user = user
        self.filters = filters
        self.counts, self.now = _my_work_relation_counts(user=user, filters=filters)

    def __len__(self) -> int:
        return sum(self.counts.values())

    @overload
    def __getitem__(self, index: int) -> ActionItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[ActionItem]: ...

    def __getitem__(self, index: int | slice) -> ActionItem | list[ActionItem]:
        if isinstance(index, slice):
            return self._window(*index.indices(len(self))[:2])
        position = index + len(self) if index < 0 else index
        found = self._window(position, position + 1) if 0 <= position < len(self) else []
        if not found:
            raise IndexError(index)
        return found[0]

    def _window(self, start: int, stop: int) -> list[ActionItem]:
        today = timezone.localdate(self.now)
        condition = _my_work_condition(
            user=self.user, filters=self.filters, today=today, now=self.now
        )
        sort = _my_work_sort(self.filters)
        runs: list[QuerySet[ActionItem, int]] = []
        before = 0  # items of the relations listed before this one
        for relation, in_relation in _relation_conditions(self.user).items():
            size = self.counts.get(relation, 0)
            first, last = max(start - before, 0), min(stop - before, size)
            before += size
            if first >= last:
                continue
            run = ActionItem.objects.filter(condition, in_relation).order_by(*sort)
            if first > size - last:
                run = run.reverse()
                first, last = size - last, size - first
            runs.append(run.values_list("pk", flat=True)[first:last])
        if not runs:
            return []
        if connection.features.supports_slicing_ordering_in_compound:
            # PostgreSQL: "id IN (run UNION ALL run)" is a semi-join on the primary key.
            chosen = Q(pk__in=runs[0].union(*runs[1:], all=True) if len(runs) > 1 else runs[0])
        else:
            # SQLite refuses LIMIT inside UNION; an OR of IN (run) is the same set (PostgreSQL
            # would scan the table for it).
            chosen = functools.reduce(operator.or_, (Q(pk__in=run) for run in runs))
        return list(
            _my_work_rows()
            .filter(chosen)
            .annotate(relation=_relation(self.user))
            .order_by("relation", *sort)
        )


def _my_work_counts(
    *,
    user: User,
    scope: str,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, int]:
    today = today or timezone.localdate(now)
    open_q = open_condition()
    member_of = user_roles(user).member_of
    return ActionItem.objects.filter(_scope_filter(user=user, scope=scope)).aggregate(
        open=Count("pk", filter=open_q),
        assigned_to_me=Count("pk", filter=open_q & Q(assignee_id=user.pk)),
        my_agencies=Count("pk", filter=open_q & Q(owner_agency_id__in=member_of)),
        overdue=Count("pk", filter=overdue_condition(today)),
        due_soon=Count(
            "pk",
            filter=open_q
            & Q(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=7)),
        ),
        blocked=Count("pk", filter=Q(status=Status.BLOCKED)),
        stale=Count("pk", filter=stale_condition(now)),
    )


# Detail pages ----------------------------------------------------------------------------------


def action_items_with_rule_context(items: QuerySet[ActionItem]) -> list[ActionItem]:
    """``items`` with what the policies read of each (owner agency, assignee, recommendation
    and its supporting agencies), in three queries. Each recommendation is loaded once and
    shared by its items, not once per item: a bulk upload names thousands of items of a few
    hundred recommendations."""
    loaded = list(items.select_related("owner_agency", "assignee"))
    recommendations = Recommendation.objects.prefetch_related("supporting_agencies").in_bulk(
        {item.recommendation_id for item in loaded}
    )
    for item in loaded:
        item.recommendation = recommendations[item.recommendation_id]
    return loaded


def recommendation_detail(*, pk: int) -> Recommendation:
    """One recommendation with its progress, source, theme and agencies (two queries), or 404."""
    return get_object_or_404(
        recommendation_list_with_progress()
        .select_related("source", "theme", "lead_agency")
        .prefetch_related("supporting_agencies"),
        pk=pk,
    )


def recommendation_action_items(*, recommendation: Recommendation) -> QuerySet[ActionItem]:
    return action_item_queryset().filter(recommendation=recommendation).order_by("sequence")


def action_item_detail(*, pk: int) -> ActionItem:
    """One action item with all it shows and all its policies need (two queries), or 404."""
    return get_object_or_404(
        action_item_queryset()
        .select_related(
            "recommendation__lead_agency", "recommendation__source", "recommendation__theme"
        )
        .prefetch_related("recommendation__supporting_agencies"),
        pk=pk,
    )


def action_item_timeline(*, item: ActionItem) -> QuerySet[ProgressUpdate]:
    """The item's progress updates, newest first, with the people they name."""
    return (
        ProgressUpdate.objects.filter(action_item=item)
        .select_related("author", "assignee_before", "assignee_after")
        .order_by("-created_at", "-id")
    )


def action_item_updates_since(
    *, item: ActionItem, version: int, limit: int = 10
) -> list[ProgressUpdate]:
    """The updates recorded after the reader saw ``version`` of ``item``.

    Every write bumps the version by one and records one update, so they are the latest
    ``item.version - version`` entries of the timeline.
    """
    missed = max(0, min(item.version - version, limit))
    if not missed:
        return []
    return list(action_item_timeline(item=item)[:missed])


def progress_update_queryset() -> QuerySet[ProgressUpdate]:
    """Progress updates, newest first, with the people they name loaded in the same query."""
    return ProgressUpdate.objects.select_related(
        "author", "assignee_before", "assignee_after"
    ).order_by("-created_at", "-id")


def recommendation_publication_changes(
    *, recommendation: Recommendation, limit: int = 20
) -> list[PublicationChange]:
    """The latest entries of a recommendation's publication timeline, with their authors."""
    return list(
        PublicationChange.objects.filter(recommendation=recommendation)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
