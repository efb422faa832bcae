"""The report's accountability figures: reported complete (awaiting verification) against verified
complete, time from submission to decision, extensions by agency, re-dating and slippage split by
cause, discrepancies by agency, and the decisions waiting.

Kept apart from ``reports.selectors`` (whose tallies are being reworked) and called by
``report_summary`` for the ``accountability`` figure, so the page, the exports and the API read
one source. A fixed number of queries over the report's items, whatever their number:
1. submissions: decided, waiting (one aggregate);
2. the median time to decision (one ordered read of at most two rows);
3. the submissions waiting longest (bounded list);
4. extension requests grouped by owner agency;
5. re-dated more than once and slippage split (one aggregate with correlated subqueries);
6. discrepancies and reported/verified complete by owner agency (one GROUP BY);
7. the extension requests waiting (count is in 4; no list).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from recommendations.accountability.models import (
    ExtensionRequest,
    ExtensionStatus,
    Submission,
    SubmissionDecision,
)
from recommendations.models import (
    ActionItem,
    ProgressUpdate,
    Status,
    discrepancy_condition,
    redate_condition,
)

# How many submissions the "waiting longest" list shows (its total is exact).
WAITING_LIST_LIMIT = 10


class SecondsBetween(Func):
    """Seconds from ``start`` to ``end`` (two datetime columns), as a float, on both backends."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # type: ignore[override]
        return super().as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class DateDays(Func):
    """Whole days from ``start`` to ``end`` (two date expressions), on both backends."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # type: ignore[override]
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


@dataclass(frozen=True)
class AgencyAccountability:
    agency_id: int
    acronym: str
    acronym_fr: str
    reported_complete: int = 0
    verified_complete: int = 0
    discrepancies: int = 0
    extensions_requested: int = 0
    extensions_approved: int = 0
    extensions_rejected: int = 0
    extensions_pending: int = 0
    days_granted: int = 0

    @property
    def local_acronym(self) -> str:
        return (self.acronym_fr or self.acronym) if get_language() == "fr" else self.acronym


@dataclass(frozen=True)
class WaitingSubmission:
    item: ActionItem
    submitted_at: datetime.datetime
    days_waiting: int


@dataclass(frozen=True)
class AccountabilityFigures:
    # "Completed" in every other figure means verified; reported complete is awaiting a verifier.
    reported_complete: int
    verified_complete: int
    submissions_decided: int
    # Days from submission to decision over the decided submissions (None when none is decided).
    median_days_to_decision: float | None
    submissions_waiting: int
    waiting_longest: list[WaitingSubmission]
    extensions_requested: int
    extensions_approved: int
    extensions_rejected: int
    extensions_pending: int
    days_granted: int
    redated_more_than_once: int
    # Slippage (current against original due date) split by cause, in days and items.
    slip_days_extensions: int
    slip_days_other: int
    slipped_by_extensions: int
    slipped_otherwise: int
    discrepancies: int
    by_agency: list[AgencyAccountability] = field(default_factory=list)

    @property
    def awaiting_decisions(self) -> int:
        return self.submissions_waiting + self.extensions_pending


def _median_seconds(decided: "QuerySet[Submission, Any]", count: int) -> float | None:
    """The median of the decision times: the middle row (or the mean of the middle two) of the
    ordered times, read with OFFSET, so one query of at most two rows."""
    # Read even when nothing is decided, so that the report costs the same queries whatever
    # the data.
    middle = max(0, (count - 1) // 2)
    wanted = 1 if count % 2 else 2
    values = list(
        decided.annotate(seconds=SecondsBetween("decided_at", "submitted_at"))
        .order_by("seconds", "pk")
        .values_list("seconds", flat=True)[middle : middle + wanted]
    )
    return sum(values) / len(values) if values and count else None


def waiting_longest(
    submissions: "QuerySet[Submission, Any]", *, today: datetime.date, limit: int | None
) -> list[WaitingSubmission]:
    """The first ``limit`` (None: every one) submissions waiting for a verifier, oldest first."""
    rows = (
        submissions.filter(decision=SubmissionDecision.PENDING)
        .select_related(
            "action_item__recommendation", "action_item__owner_agency", "action_item__assignee"
        )
        .order_by("submitted_at", "pk")[:limit]
    )
    return [
        WaitingSubmission(
            item=row.action_item,
            submitted_at=row.submitted_at,
            days_waiting=(today - timezone.localtime(row.submitted_at).date()).days,
        )
        for row in rows
    ]


def report_submissions(items: "QuerySet[ActionItem, Any]") -> "QuerySet[Submission, Any]":
    """The submissions of the report's ``items``."""
    return Submission.objects.filter(action_item__in=items.order_by().values("pk"))


def accountability_figures(
    *, items: "QuerySet[ActionItem, Any]", today: datetime.date, list_limit: int | None
) -> AccountabilityFigures:
    """The accountability figures of the report's ``items`` (``reports.selectors.report_items``)."""
    item_ids = items.order_by().values("pk")
    submissions = report_submissions(items)
    submission_counts = submissions.aggregate(
        decided=Count(
            "pk", filter=~Q(decision=SubmissionDecision.PENDING) & Q(decided_at__isnull=False)
        ),
        waiting=Count("pk", filter=Q(decision=SubmissionDecision.PENDING)),
    )
    decided = submissions.exclude(decision=SubmissionDecision.PENDING).filter(
        decided_at__isnull=False
    )
    median_seconds = _median_seconds(decided, submission_counts["decided"])
    waiting = waiting_longest(submissions, today=today, limit=list_limit)

    granted_days = DateDays(F("proposed_due_date"), F("current_due_date"))
    by_agency: dict[int, dict[str, Any]] = {}
    for extension_row in (
        ExtensionRequest.objects.filter(action_item__in=item_ids)
        .values(agency=F("action_item__owner_agency_id"))
        .annotate(
            requested=Count("pk"),
            approved=Count("pk", filter=Q(status=ExtensionStatus.APPROVED)),
            rejected=Count("pk", filter=Q(status=ExtensionStatus.REJECTED)),
            pending=Count("pk", filter=Q(status=ExtensionStatus.PENDING)),
            days=Coalesce(Sum(granted_days, filter=Q(status=ExtensionStatus.APPROVED)), 0),
        )
        .order_by("agency")
    ):
        by_agency.setdefault(extension_row["agency"], {}).update(
            extensions_requested=extension_row["requested"],
            extensions_approved=extension_row["approved"],
            extensions_rejected=extension_row["rejected"],
            extensions_pending=extension_row["pending"],
            days_granted=extension_row["days"],
        )

    # Items whose due date changed more than once: one GROUP BY over the updates that re-date
    # (a partial index holds only them, ``update_redate_idx``), not a count per item (100,000
    # correlated subqueries at the brief's scale: 0.7-0.9 s of the report's 1 s).
    redated_more_than_once = (
        ProgressUpdate.objects.filter(redate_condition(), action_item__in=item_ids)
        .order_by()
        .values("action_item")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .count()
    )
    # Slippage split into approved extensions and other changes. Extensions are few (one item
    # in many), so the days each item's approved extensions added are read as a small table and
    # set against the items' own slippage, instead of a correlated subquery per item (100,000 of
    # them at the brief's scale: 0.25-0.45 s).
    approved = ExtensionRequest.objects.filter(
        action_item__in=item_ids, status=ExtensionStatus.APPROVED
    ).order_by()
    extension_days: dict[int, int] = dict(
        approved.values("action_item")
        .annotate(days=Sum(granted_days))
        .values_list("action_item", "days")
    )
    slip_days = DateDays(F("due_date"), F("original_due_date"))
    extended_items_slip: dict[int, int] = dict(
        items.order_by()
        .filter(pk__in=approved.values("action_item"))
        .annotate(total_days=slip_days)
        .values_list("pk", "total_days")
    )
    slip_totals = items.order_by().aggregate(
        days=Coalesce(Sum(slip_days), 0),
        slipped=Count("pk", filter=~Q(due_date=F("original_due_date"))),
    )
    sum_extension_days = sum(extension_days.get(pk, 0) for pk in extended_items_slip)
    # Items whose slippage is not all approved extensions: every slipped item, less the
    # extended ones, plus those extended ones whose slippage differs from their extensions.
    otherwise = (
        slip_totals["slipped"]
        - sum(1 for total in extended_items_slip.values() if total != 0)
        + sum(1 for pk, total in extended_items_slip.items() if total != extension_days.get(pk, 0))
    )
    slip_row = {
        "sum_ext_days": sum_extension_days,
        "sum_other_days": slip_totals["days"] - sum_extension_days,
        "by_ext": sum(1 for pk in extended_items_slip if extension_days.get(pk, 0) > 0),
        "otherwise": otherwise,
    }

    for agency_row in (
        items.order_by()
        .values(agency=F("owner_agency_id"))
        .annotate(
            reported=Count("pk", filter=Q(status=Status.AWAITING_VERIFICATION)),
            verified=Count("pk", filter=Q(status=Status.COMPLETED)),
            discrepancies=Count("pk", filter=discrepancy_condition()),
            acronym=F("owner_agency__acronym"),
            acronym_fr=F("owner_agency__acronym_fr"),
        )
        .order_by("agency")
    ):
        by_agency.setdefault(agency_row["agency"], {}).update(
            acronym=agency_row["acronym"],
            acronym_fr=agency_row["acronym_fr"] or "",
            reported_complete=agency_row["reported"],
            verified_complete=agency_row["verified"],
            discrepancies=agency_row["discrepancies"],
        )
    agency_rows = sorted(
        (
            AgencyAccountability(agency_id=agency_id, **values)
            for agency_id, values in by_agency.items()
            if "acronym" in values
        ),
        key=lambda row: row.acronym,
    )

    def total(name: str) -> int:
        return sum(getattr(row, name) for row in agency_rows)

    return AccountabilityFigures(
        reported_complete=total("reported_complete"),
        verified_complete=total("verified_complete"),
        submissions_decided=submission_counts["decided"],
        median_days_to_decision=None
        if median_seconds is None
        else round(median_seconds / 86400, 1),
        submissions_waiting=submission_counts["waiting"],
        waiting_longest=waiting,
        extensions_requested=total("extensions_requested"),
        extensions_approved=total("extensions_approved"),
        extensions_rejected=total("extensions_rejected"),
        extensions_pending=total("extensions_pending"),
        days_granted=total("days_granted"),
        redated_more_than_once=redated_more_than_once,
        slip_days_extensions=slip_row["sum_ext_days"],
        slip_days_other=slip_row["sum_other_days"],
        slipped_by_extensions=slip_row["by_ext"],
        slipped_otherwise=slip_row["otherwise"],
        discrepancies=total("discrepancies"),
        by_agency=[
            row
            for row in agency_rows
            if row.reported_complete
            or row.verified_complete
            or row.discrepancies
            or row.extensions_requested
        ],
    )
