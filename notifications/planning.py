"""Planning the reminders: which notifications the rules call for at a moment (the scan), and the
one INSERT ... ON CONFLICT DO NOTHING that creates each of them once.

A notification is a row unique per (recipient, item, kind, period). The scan inserts with ON
CONFLICT DO NOTHING, so running it twice, or on two workers at once, creates each row once: the
unique constraint is the claim. Sending is ``delivery``'s job.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import delivery, rules, selectors
from .models import Notification, NotificationKind


@dataclass(frozen=True)
class PlannedNotification:
    recipient_id: int
    action_item_id: int | None
    kind: str
    period: str
    period_start: datetime.date
    item_due_date: datetime.date | None = None

    @property
    def key(self) -> tuple[int, int | None, str, str]:
        return (self.recipient_id, self.action_item_id, self.kind, self.period)


@dataclass
class ScanResult:
    reminder_day: datetime.date
    planned: list[PlannedNotification] = field(default_factory=list)
    created: int = 0
    queued_tasks: int = 0


@dataclass(frozen=True)
class _ItemRule:
    """One item reminder: which items may need it, which occurrence is due for one of them, and
    who receives it."""

    kind: str
    candidates: Callable[[], Iterable[dict[str, Any]]]
    occurrence: Callable[[dict[str, Any]], rules.Occurrence | None]
    audience: Callable[[dict[str, Any]], Iterable[int]]


def _item_rules(
    today: datetime.date, calendar: rules.ReminderCalendar, audience: selectors.Audience
) -> list[_ItemRule]:
    def workers(item: dict[str, Any]) -> Iterable[int]:
        return audience.item_workers(
            assignee_id=item["assignee_id"], agency_id=item["owner_agency_id"]
        )

    def managers(item: dict[str, Any]) -> Iterable[int]:
        return audience.escalation_targets(item["owner_agency_id"])

    def last_progress_on(item: dict[str, Any]) -> datetime.date:
        return timezone.localtime(item["last_progress_at"]).date()

    def verifiers(submission: dict[str, Any]) -> Iterable[int]:
        return audience.verifiers(except_id=submission["actor_id"])

    def deciders(request: dict[str, Any]) -> Iterable[int]:
        return audience.extension_deciders(
            lead_agency_id=request["lead_agency_id"],
            owner_agency_id=request["owner_agency_id"],
            except_id=request["actor_id"],
        )

    verification_days = max(1, settings.REMINDER_VERIFICATION_WAITING_DAYS)
    extension_days = max(1, settings.REMINDER_EXTENSION_WAITING_DAYS)
    repeat_days = max(1, settings.REMINDER_OVERDUE_REPEAT_DAYS)
    stale_days = max(1, settings.REMINDER_STALE_DAYS)
    window_end = rules.due_soon_window_end(calendar, today)
    latest_due = today - datetime.timedelta(days=settings.REMINDER_ESCALATION_DAYS)
    return [
        _ItemRule(
            NotificationKind.DUE_SOON,
            lambda: selectors.due_soon_candidates(today=today, window_end=window_end),
            lambda item: rules.due_soon_occurrence(calendar, item["due_date"], today),
            workers,
        ),
        _ItemRule(
            NotificationKind.OVERDUE,
            lambda: selectors.overdue_candidates(today=today, repeat_days=repeat_days),
            lambda item: rules.overdue_occurrence(
                calendar, item["due_date"], today, last_progress_on=last_progress_on(item)
            ),
            workers,
        ),
        # Where an overdue reminder is held back (awaiting verification, an extension request
        # waiting), its audience is told so once per pause.
        _ItemRule(
            NotificationKind.OVERDUE_PAUSED,
            lambda: selectors.overdue_paused_candidates(today=today),
            lambda item: rules.overdue_paused_occurrence(
                calendar,
                item["due_date"],
                today,
                last_progress_on=last_progress_on(item),
                pause_period=item["pause_period"],
            ),
            workers,
        ),
        _ItemRule(
            NotificationKind.ESCALATION,
            lambda: selectors.escalation_candidates(latest_due_date=latest_due),
            lambda item: rules.escalation_occurrence(calendar, item["due_date"], today),
            managers,
        ),
        _ItemRule(
            NotificationKind.STALE,
            lambda: selectors.stale_candidates(today=today, stale_days=stale_days),
            lambda item: rules.stale_occurrence(last_progress_on(item), today),
            workers,
        ),
        # Decisions waiting: the "item" is a submission or an extension request (with its item's
        # id and due date), the audience those who may decide it.
        _ItemRule(
            NotificationKind.VERIFICATION_WAITING,
            lambda: selectors.waiting_submission_candidates(
                today=today, waiting_days=verification_days
            ),
            lambda row: rules.waiting_occurrence(
                "submission", row["record_id"], row["since"], today, verification_days
            ),
            verifiers,
        ),
        _ItemRule(
            NotificationKind.EXTENSION_WAITING,
            lambda: selectors.waiting_extension_candidates(
                today=today, waiting_days=extension_days
            ),
            lambda row: rules.waiting_occurrence(
                "extension", row["record_id"], row["since"], today, extension_days
            ),
            deciders,
        ),
    ]


def reminders_plan(*, now: datetime.datetime) -> tuple[datetime.date, list[PlannedNotification]]:
    """Which notifications the rules call for at ``now``: a fixed number of queries (the audience,
    one per rule), whatever the number of items. Reads only."""
    today = rules.reminder_day(now)
    calendar = rules.ReminderCalendar.from_settings()
    audience = selectors.reminder_audience()
    planned: list[PlannedNotification] = []

    # With business days on, the item reminders wait for the next working day; a missed day is
    # caught up because each rule asks "what is due by now", not "what is due today".
    if calendar.is_working_day(today):
        for rule in _item_rules(today, calendar, audience):
            for item in rule.candidates():
                occurrence = rule.occurrence(item)
                if occurrence is None:
                    continue
                planned.extend(
                    PlannedNotification(
                        recipient_id=user_id,
                        action_item_id=item["id"],
                        kind=rule.kind,
                        period=occurrence.period,
                        period_start=occurrence.period_start,
                        item_due_date=item["due_date"],
                    )
                    for user_id in rule.audience(item)
                    if audience.receives(user_id, rule.kind)
                )

    digest_readers = {uid for ids in audience.managers_of.values() for uid in ids}
    digest_readers.update(audience.coordinators)
    for user_id in sorted(digest_readers):
        occurrence = rules.digest_occurrence(audience.digest_weekday.get(user_id, 0), today)
        if occurrence and audience.receives(user_id, NotificationKind.DIGEST):
            planned.append(
                PlannedNotification(
                    recipient_id=user_id,
                    action_item_id=None,
                    kind=NotificationKind.DIGEST,
                    period=occurrence.period,
                    period_start=occurrence.period_start,
                )
            )
    return today, planned


_INSERTED_COLUMNS = (
    "recipient_id",
    "action_item_id",
    "kind",
    "period",
    "period_start",
    "item_due_date",
)


def _insert(planned: Sequence[PlannedNotification], *, now: datetime.datetime) -> int:
    """Insert the planned rows in ONE statement, whatever their number, skipping those that exist
    (sent, pending or cancelled): ``INSERT ... SELECT`` from a JSON array, ``ON CONFLICT DO
    NOTHING``. Returns how many rows were new.

    Raw SQL because ``bulk_create`` splits the insert into batches of 999 parameters on SQLite,
    and the cost of a scan must not grow with the number of reminders.
    """
    if not planned:
        return 0
    payload = json.dumps(
        [
            {
                "recipient_id": p.recipient_id,
                "action_item_id": p.action_item_id,
                "kind": p.kind,
                "period": p.period,
                "period_start": p.period_start.isoformat(),
                "item_due_date": p.item_due_date.isoformat() if p.item_due_date else None,
            }
            for p in planned
        ]
    )
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(name)
        for name in (
            *_INSERTED_COLUMNS,
            "state",
            "created_at",
            "next_attempt_at",
            "attempts",
            "last_error",
        )
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    if connection.vendor == "postgresql":
        source = (
            "SELECT r.recipient_id, r.action_item_id, r.kind, r.period, r.period_start, "
            "r.item_due_date, %s, %s, %s, 0, '' FROM jsonb_to_recordset(%s::jsonb) AS r("
            "recipient_id bigint, action_item_id bigint, kind text, period text, "
            "period_start date, item_due_date date)"
        )
    else:
        values = ", ".join(f"json_extract(value, '$.{name}')" for name in _INSERTED_COLUMNS)
        # "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT.
        # Column names come from this module, never from input; the values are parameters.
        source = f"SELECT {values}, %s, %s, %s, 0, '' FROM json_each(%s) WHERE true"  # noqa: S608
    sql = f"INSERT INTO {table} ({columns}) {source} ON CONFLICT DO NOTHING RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, [Notification.State.PENDING.value, stamp, stamp, payload])
        return len(cursor.fetchall())


def reminders_scan(*, now: datetime.datetime | None = None, dry_run: bool = False) -> ScanResult:
    """What the scheduler runs every few minutes, and ``run_reminders`` runs on demand.

    1. Plan the notifications the rules call for at ``now`` (the reminder day; see rules).
    2. Insert them, skipping those that exist: the unique constraints make this the claim.
    3. Queue the sending of everything pending, once the transaction commits.
    A dry run stops after the plan and reports which notifications are new.
    """
    now = now or timezone.now()
    today, planned = reminders_plan(now=now)
    result = ScanResult(reminder_day=today, planned=planned)
    if dry_run:
        existing = selectors.existing_notification_keys(p.key for p in planned)
        result.planned = [p for p in planned if p.key not in existing]
        return result
    # Rows are stamped with the real time so that a catch-up run (--at in the past) sends now.
    stamped_at = timezone.now()
    with transaction.atomic():
        result.created = _insert(planned, now=stamped_at)
        result.queued_tasks = delivery.notifications_dispatch_due(now=stamped_at)
    return result
