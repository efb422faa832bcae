"""Reads for notifications: who receives what, which items a rule applies to, what a digest and a
calendar feed show. Each function runs a fixed number of queries, whatever the number of items."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from agencies.models import Membership, User
from agencies.selectors import user_roles
from recommendations.accountability.selectors import with_accountability
from recommendations.models import (
    WORKING_STATUSES,
    ActionItem,
    Status,
    open_condition,
    overdue_condition,
    stale_condition,
)

from .models import (
    OPTIONAL_KINDS,
    Notification,
    NotificationKind,
    NotificationPreference,
    Watch,
    preference_kind,
)

# Values fetched for each candidate item: enough to pick recipients and periods, no more.
CANDIDATE_FIELDS = ("id", "due_date", "assignee_id", "owner_agency_id", "last_progress_at")


# Watching ----------------------------------------------------------------------------------------


def item_is_watched(user: User | Any, item: ActionItem) -> bool:
    """An explicit choice wins; without one, the assignee watches their item."""
    if not getattr(user, "is_authenticated", False):
        return False
    choice = (
        Watch.objects.filter(user=user, action_item=item).values_list("watching", flat=True).first()
    )
    if choice is not None:
        return choice
    return item.assignee_id == user.pk


def items_watcher_ids(items: Iterable[ActionItem]) -> dict[int, set[int]]:
    """Who watches each of ``items`` (by item id), in one query: explicit watchers, and the
    assignee unless they unwatched it."""
    items = list(items)
    if not items:
        return {}
    choices: dict[int, dict[int, bool]] = defaultdict(dict)
    for item_id, user_id, watching in Watch.objects.filter(
        action_item_id__in=[item.pk for item in items]
    ).values_list("action_item_id", "user_id", "watching"):
        choices[item_id][user_id] = watching
    watchers: dict[int, set[int]] = {}
    for item in items:
        chosen = choices.get(item.pk, {})
        watchers[item.pk] = {user_id for user_id, watching in chosen.items() if watching}
        if item.assignee_id and chosen.get(item.assignee_id, True):
            watchers[item.pk].add(item.assignee_id)
    return watchers


# Who receives what ------------------------------------------------------------------------------


@dataclass
class Audience:
    """Everyone who can receive email, with their choices and memberships: two queries."""

    # user id -> the kinds they turned off; absent users cannot receive email (inactive, no address)
    opted_out: dict[int, frozenset[str]] = field(default_factory=dict)
    digest_weekday: dict[int, int] = field(default_factory=dict)
    staff_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    managers_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    coordinators: list[int] = field(default_factory=list)

    def receives(self, user_id: int | None, kind: str) -> bool:
        return user_id in self.opted_out and preference_kind(kind) not in self.opted_out[user_id]

    def item_workers(self, *, assignee_id: int | None, agency_id: int) -> list[int]:
        """The assignee; for an unassigned item, the owner agency's staff (or managers)."""
        if assignee_id is not None and assignee_id in self.opted_out:
            return [assignee_id]
        return self.staff_of.get(agency_id) or self.managers_of.get(agency_id) or []

    def verifiers(self, *, except_id: int | None) -> list[int]:
        """Who may verify a submission (the coordinators), but not its submitter."""
        return [uid for uid in self.coordinators if uid != except_id]

    def extension_deciders(
        self, *, lead_agency_id: int, owner_agency_id: int, except_id: int | None
    ) -> list[int]:
        """Coordinators, and the lead agency's managers when the lead is not the owner (the rule
        of ``accountability.policies.can_decide_extension``), but not the requester."""
        deciders = list(self.coordinators)
        if lead_agency_id != owner_agency_id:
            deciders += [u for u in self.managers_of.get(lead_agency_id, []) if u not in deciders]
        return [uid for uid in deciders if uid != except_id]

    def escalation_targets(self, agency_id: int) -> list[int]:
        """The owner agency's managers; the coordinators when the agency has none."""
        return self.managers_of.get(agency_id) or self.coordinators


def reminder_audience() -> Audience:
    audience = Audience()
    preference_fields = [f"notification_preference__{kind}" for kind in OPTIONAL_KINDS]
    rows = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .values_list("id", "notification_preference__digest_weekday", *preference_fields)
    )
    for user_id, weekday, *choices in rows:
        audience.opted_out[user_id] = frozenset(
            kind for kind, on in zip(OPTIONAL_KINDS, choices, strict=True) if on is False
        )
        audience.digest_weekday[user_id] = weekday or 0
    memberships = Membership.objects.filter(user__is_active=True).exclude(user__email="")
    for user_id, agency_id, role in memberships.order_by("user_id").values_list(
        "user_id", "agency_id", "role"
    ):
        if role == Membership.Role.STAFF:
            audience.staff_of[agency_id].append(user_id)
        elif role == Membership.Role.MANAGER:
            audience.managers_of[agency_id].append(user_id)
        elif user_id not in audience.coordinators:
            audience.coordinators.append(user_id)
    return audience


# Candidate items, one query per rule -----------------------------------------------------------


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _already(kind: str, **filters: Any) -> Exists:
    return Exists(
        Notification.objects.filter(action_item=OuterRef("pk"), kind=kind, **filters).exclude(
            state=Notification.State.CANCELLED
        )
    )


def due_soon_candidates(
    *, today: datetime.date, window_end: datetime.date
) -> Iterable[dict[str, Any]]:
    rows: Iterable[dict[str, Any]] = (
        ActionItem.objects.being_worked_on()
        .filter(due_date__gt=today, due_date__lte=window_end)
        .values(*CANDIDATE_FIELDS)
    )
    return rows


def overdue_candidates(*, today: datetime.date, repeat_days: int) -> Iterable[dict[str, Any]]:
    """Open items past due, with no update recorded since the due date passed, and no overdue
    reminder in the last ``repeat_days``. Both only narrow the query: the rule itself is
    ``rules.overdue_occurrence``, and the unique constraint is the guarantee against repeats."""
    rows: Iterable[dict[str, Any]] = (
        ActionItem.objects.being_worked_on()
        .without_open_extension_request()
        .filter(due_date__lt=today, last_progress_at__date__lte=F("due_date"))
        .exclude(
            _already(
                NotificationKind.OVERDUE,
                period_start__gt=today - datetime.timedelta(days=repeat_days),
            )
        )
        .values(*CANDIDATE_FIELDS)
    )
    return rows


def overdue_paused_candidates(*, today: datetime.date) -> Iterable[dict[str, Any]]:
    """Items past due with no update since, whose overdue reminders are paused, each with its
    pause (``pause_period``): awaiting verification of a pending submission ("submission:12"),
    or being worked on with an extension request waiting ("extension:7"); not those already told
    of that pause. One query; the rule is ``rules.overdue_paused_occurrence``."""
    from recommendations.accountability.models import (
        ExtensionRequest,
        ExtensionStatus,
        Submission,
        SubmissionDecision,
    )

    pending_submission = Submission.objects.filter(
        action_item=OuterRef("pk"), decision=SubmissionDecision.PENDING
    ).order_by("-submitted_at", "-id")
    pending_extension = ExtensionRequest.objects.filter(
        action_item=OuterRef("pk"), status=ExtensionStatus.PENDING
    )
    rows: Iterable[dict[str, Any]] = (
        ActionItem.objects.filter(due_date__lt=today, last_progress_at__date__lte=F("due_date"))
        .annotate(
            paused_submission_id=Subquery(pending_submission.values("pk")[:1]),
            paused_extension_id=Subquery(pending_extension.values("pk")[:1]),
        )
        .filter(
            Q(status=Status.AWAITING_VERIFICATION, paused_submission_id__isnull=False)
            | Q(status__in=WORKING_STATUSES, paused_extension_id__isnull=False)
        )
        .annotate(
            # The periods of notifications.accountability.submission_period / extension_period.
            pause_period=Case(
                When(
                    status=Status.AWAITING_VERIFICATION,
                    then=Concat(Value("submission:"), Cast("paused_submission_id", CharField())),
                ),
                default=Concat(Value("extension:"), Cast("paused_extension_id", CharField())),
                output_field=CharField(),
            )
        )
        .exclude(
            Exists(
                Notification.objects.filter(
                    action_item=OuterRef("pk"),
                    kind=NotificationKind.OVERDUE_PAUSED,
                    period=OuterRef("pause_period"),
                )
            )
        )
        .values(*CANDIDATE_FIELDS, "pause_period")
    )
    return rows


def escalation_candidates(*, latest_due_date: datetime.date) -> Iterable[dict[str, Any]]:
    """Open items due on or before ``latest_due_date`` not yet escalated for that due date."""
    rows: Iterable[dict[str, Any]] = (
        ActionItem.objects.being_worked_on()
        .without_open_extension_request()
        .filter(due_date__lte=latest_due_date)
        .exclude(_already(NotificationKind.ESCALATION, item_due_date=OuterRef("due_date")))
        .values(*CANDIDATE_FIELDS)
    )
    return rows


def stale_candidates(*, today: datetime.date, stale_days: int) -> Iterable[dict[str, Any]]:
    """Open items with no update for ``stale_days`` and no stale reminder in that time."""
    cutoff = _start_of_day(today - datetime.timedelta(days=stale_days - 1))
    rows: Iterable[dict[str, Any]] = (
        ActionItem.objects.being_worked_on()
        .filter(last_progress_at__lt=cutoff)
        .exclude(
            _already(
                NotificationKind.STALE,
                period_start__gt=today - datetime.timedelta(days=stale_days),
            )
        )
        .values(*CANDIDATE_FIELDS)
    )
    return rows


def _waiting_already(kind: str, since: datetime.date) -> Exists:
    return Exists(
        Notification.objects.filter(
            action_item=OuterRef("action_item_id"), kind=kind, period_start__gt=since
        ).exclude(state=Notification.State.CANCELLED)
    )


def waiting_submission_candidates(
    *, today: datetime.date, waiting_days: int
) -> Iterable[dict[str, Any]]:
    """Submissions waiting for a verifier for more than ``waiting_days``, not reminded of in that
    time (which only narrows the query: the rule is ``rules.waiting_occurrence``). One query."""
    from recommendations.accountability.models import Submission, SubmissionDecision

    rows = (
        Submission.objects.filter(
            decision=SubmissionDecision.PENDING,
            submitted_at__lt=_start_of_day(today - datetime.timedelta(days=waiting_days)),
        )
        .exclude(
            _waiting_already(
                NotificationKind.VERIFICATION_WAITING,
                today - datetime.timedelta(days=waiting_days),
            )
        )
        .values("pk", "action_item_id", "action_item__due_date", "submitted_at", "submitted_by_id")
        .order_by("submitted_at", "pk")
    )
    return [
        {
            "id": row["action_item_id"],
            "due_date": row["action_item__due_date"],
            "record_id": row["pk"],
            "since": timezone.localtime(row["submitted_at"]).date(),
            "actor_id": row["submitted_by_id"],
        }
        for row in rows
    ]


def waiting_extension_candidates(
    *, today: datetime.date, waiting_days: int
) -> Iterable[dict[str, Any]]:
    """Extension requests waiting for a decision for more than ``waiting_days``. One query."""
    from recommendations.accountability.models import ExtensionRequest, ExtensionStatus

    rows = (
        ExtensionRequest.objects.filter(
            status=ExtensionStatus.PENDING,
            requested_at__lt=_start_of_day(today - datetime.timedelta(days=waiting_days)),
        )
        .exclude(
            _waiting_already(
                NotificationKind.EXTENSION_WAITING, today - datetime.timedelta(days=waiting_days)
            )
        )
        .values(
            "pk",
            "action_item_id",
            "action_item__due_date",
            "action_item__owner_agency_id",
            "action_item__recommendation__lead_agency_id",
            "requested_at",
            "requested_by_id",
        )
        .order_by("requested_at", "pk")
    )
    return [
        {
            "id": row["action_item_id"],
            "due_date": row["action_item__due_date"],
            "owner_agency_id": row["action_item__owner_agency_id"],
            "lead_agency_id": row["action_item__recommendation__lead_agency_id"],
            "record_id": row["pk"],
            "since": timezone.localtime(row["requested_at"]).date(),
            "actor_id": row["requested_by_id"],
        }
        for row in rows
    ]


def existing_notification_keys(
    keys: Iterable[tuple[int, int | None, str, str]],
) -> set[tuple[int, int | None, str, str]]:
    """Which (recipient, item, kind, period) already have a row: for the dry run's preview."""
    wanted = set(keys)
    if not wanted:
        return set()
    recipients = {key[0] for key in wanted}
    kinds = {key[2] for key in wanted}
    rows = Notification.objects.filter(recipient_id__in=recipients, kind__in=kinds).values_list(
        "recipient_id", "action_item_id", "kind", "period"
    )
    return {row for row in rows if row in wanted}


# Sending ------------------------------------------------------------------------------------------


def recipients_with_due_notifications(*, now: datetime.datetime) -> list[int]:
    return list(
        Notification.objects.filter(state=Notification.State.PENDING, next_attempt_at__lte=now)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def preferences_by_user(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}


def preference_for(user: User) -> NotificationPreference:
    """The user's saved preferences, or the defaults (unsaved) when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


# Digest -------------------------------------------------------------------------------------------


@dataclass
class Digest:
    agencies: list[str]
    all_agencies: bool
    open_count: int
    by_status: dict[str, int]
    overdue_count: int
    stale_count: int
    due_this_week: list[ActionItem]
    overdue: list[ActionItem]
    updated_last_week: int


DIGEST_LIST_LIMIT = 20


def digest_for(*, user: User, today: datetime.date, now: datetime.datetime) -> Digest | None:
    """What a manager (their agencies) or a coordinator (all agencies) reads on Monday: counts in
    one aggregate query, two short lists capped at DIGEST_LIST_LIMIT."""
    roles = user_roles(user)
    items: QuerySet[ActionItem] = ActionItem.objects.all()
    if not roles.is_coordinator:
        if not roles.manager_of:
            return None
        items = items.filter(owner_agency_id__in=roles.manager_of)
    open_items = items.filter(open_condition())
    week_ago = now - datetime.timedelta(days=7)
    counts = items.aggregate(
        open_count=Count("pk", filter=open_condition()),
        overdue_count=Count("pk", filter=overdue_condition(today)),
        stale_count=Count("pk", filter=stale_condition(now)),
        updated_last_week=Count("pk", filter=Q(last_progress_at__gte=week_ago)),
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in Status.values},
    )
    listed = open_items.select_related("recommendation", "owner_agency", "assignee")
    agencies = sorted(
        Membership.objects.filter(user=user, role=Membership.Role.MANAGER).values_list(
            "agency__acronym", flat=True
        )
    )
    return Digest(
        agencies=agencies,
        all_agencies=roles.is_coordinator,
        open_count=counts["open_count"],
        by_status={s: counts[f"status_{s}"] for s in Status.values},
        overdue_count=counts["overdue_count"],
        stale_count=counts["stale_count"],
        due_this_week=list(
            listed.filter(
                due_date__gte=today, due_date__lt=today + datetime.timedelta(days=7)
            ).order_by("due_date", "id")[:DIGEST_LIST_LIMIT]
        ),
        # With their pause (awaiting verification, an extension request waiting), which the
        # digest shows beside the item rather than leave it unexplained.
        overdue=list(
            with_accountability(listed.filter(due_date__lt=today)).order_by("due_date", "id")[
                :DIGEST_LIST_LIMIT
            ]
        ),
        updated_last_week=counts["updated_last_week"],
    )


# Calendar feed ------------------------------------------------------------------------------------


def calendar_owner(token: str) -> User | None:
    # Only what a token can look like reaches the database: PostgreSQL refuses a NUL in text
    # (a 500), and a long address is no token either.
    if not token or len(token) > 128 or not token.isascii() or not token.isprintable():
        return None
    preference = (
        NotificationPreference.objects.select_related("user")
        .filter(calendar_token=token, user__is_active=True)
        .first()
    )
    return preference.user if preference else None


def calendar_items(user: User) -> QuerySet[ActionItem]:
    """Open items assigned to ``user`` or owned by one of their agencies, one query."""
    agencies = Membership.objects.filter(user=user).values("agency_id")
    return (
        ActionItem.objects.open()
        .filter(Q(assignee=user) | Q(owner_agency_id__in=agencies))
        .select_related("recommendation", "owner_agency", "assignee")
        .order_by("due_date", "id")
    )
