"""Writes for notifications: the scan that creates the rows, the sending that claims and delivers
them, the immediate emails, watching and preferences.

How "once and only once" holds:
1. A notification is a row unique per (recipient, item, kind, period). The scan and the item
   signal insert with ON CONFLICT DO NOTHING, so running them twice, or on two workers at once,
   creates each row once.
2. A sender claims rows with one conditional UPDATE (pending -> sending, with a claim token and
   time), so only one worker sends a given row; then it sends, then records the result.
3. A failed send puts the row back to pending with a later ``next_attempt_at`` (backoff); a claim
   left by a crashed worker is released when its lease expires. The periodic retry task queues
   whatever is pending, so nothing depends on a task surviving in the broker.
"""

import datetime
import functools
import json
import logging
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import User
from recommendations import policies
from recommendations.models import ActionItem

from . import emails, rules, selectors
from .models import (
    OPTIONAL_KINDS,
    REMINDER_KINDS,
    Notification,
    NotificationKind,
    NotificationPreference,
    Watch,
    calendar_token_new,
)

logger = logging.getLogger(__name__)

# Recipients per send task: one SMTP connection serves them all.
SEND_BATCH_SIZE = 50


# The scan ---------------------------------------------------------------------------------------


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


def reminders_plan(*, now: datetime.datetime) -> tuple[datetime.date, list[PlannedNotification]]:
    """Which notifications the rules call for at ``now``: a fixed number of queries (the audience,
    one per rule), whatever the number of items. Reads only."""
    today = rules.reminder_day(now)
    calendar = rules.ReminderCalendar.from_settings()
    audience = selectors.reminder_audience()
    planned: list[PlannedNotification] = []

    def add(user_ids: Iterable[int], item: dict, kind: str, occurrence: rules.Occurrence) -> None:
        for user_id in user_ids:
            if audience.receives(user_id, kind):
                planned.append(
                    PlannedNotification(
                        recipient_id=user_id,
                        action_item_id=item["id"],
                        kind=kind,
                        period=occurrence.period,
                        period_start=occurrence.period_start,
                        item_due_date=item["due_date"],
                    )
                )

    # With business days on, the item reminders wait for the next working day; a missed day is
    # caught up because each rule asks "what is due by now", not "what is due today".
    if calendar.is_working_day(today):
        window_end = rules.due_soon_window_end(calendar, today)
        for item in selectors.due_soon_candidates(today=today, window_end=window_end):
            occurrence = rules.due_soon_occurrence(calendar, item["due_date"], today)
            if occurrence:
                workers = audience.item_workers(
                    assignee_id=item["assignee_id"], agency_id=item["owner_agency_id"]
                )
                add(workers, item, NotificationKind.DUE_SOON, occurrence)

        repeat_days = max(1, settings.REMINDER_OVERDUE_REPEAT_DAYS)
        for item in selectors.overdue_candidates(today=today, repeat_days=repeat_days):
            occurrence = rules.overdue_occurrence(calendar, item["due_date"], today)
            if occurrence:
                workers = audience.item_workers(
                    assignee_id=item["assignee_id"], agency_id=item["owner_agency_id"]
                )
                add(workers, item, NotificationKind.OVERDUE, occurrence)

        latest_due = today - datetime.timedelta(days=settings.REMINDER_ESCALATION_DAYS)
        for item in selectors.escalation_candidates(latest_due_date=latest_due):
            occurrence = rules.escalation_occurrence(calendar, item["due_date"], today)
            if occurrence:
                managers = audience.escalation_targets(item["owner_agency_id"])
                add(managers, item, NotificationKind.ESCALATION, occurrence)

        stale_days = max(1, settings.REMINDER_STALE_DAYS)
        for item in selectors.stale_candidates(today=today, stale_days=stale_days):
            last_progress_on = timezone.localtime(item["last_progress_at"]).date()
            occurrence = rules.stale_occurrence(last_progress_on, today)
            if occurrence:
                workers = audience.item_workers(
                    assignee_id=item["assignee_id"], agency_id=item["owner_agency_id"]
                )
                add(workers, item, NotificationKind.STALE, occurrence)

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
        result.queued_tasks = notifications_dispatch_due(now=stamped_at)
    return result


# Queueing and sending -------------------------------------------------------------------------


def notifications_dispatch_due(*, now: datetime.datetime | None = None) -> int:
    """Queue send tasks for every recipient with pending notifications, after commit."""
    from .tasks import notifications_send

    recipient_ids = selectors.recipients_with_due_notifications(now=now or timezone.now())
    batches = [
        recipient_ids[start : start + SEND_BATCH_SIZE]
        for start in range(0, len(recipient_ids), SEND_BATCH_SIZE)
    ]
    for batch in batches:
        # robust: a broker that is down must not undo the rows; the retry task will queue them.
        transaction.on_commit(functools.partial(notifications_send.delay, batch), robust=True)
    return len(batches)


def notifications_release_expired_claims(*, now: datetime.datetime | None = None) -> int:
    """Give back rows claimed by a worker that died before recording the result."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    return Notification.objects.filter(
        state=Notification.State.SENDING, claimed_at__lt=now - lease
    ).update(state=Notification.State.PENDING, claim_token=None, claimed_at=None)


def notifications_retry_pending(*, now: datetime.datetime | None = None) -> int:
    """Release expired claims and queue everything pending whose next attempt is due."""
    now = now or timezone.now()
    with transaction.atomic():
        notifications_release_expired_claims(now=now)
        return notifications_dispatch_due(now=now)


@dataclass
class SendResult:
    emails_sent: int = 0
    notifications_sent: int = 0
    cancelled: int = 0
    # Recipients whose notifications are still pending after a failure, and when to try again.
    retry_recipient_ids: list[int] = field(default_factory=list)
    retry_in_seconds: int | None = None


def retry_delay_seconds(attempts: int) -> int:
    """Exponential backoff: 1, 2, 4... minutes, at most NOTIFICATION_RETRY_MAX_DELAY."""
    return int(min(60 * 2 ** max(0, attempts - 1), settings.NOTIFICATION_RETRY_MAX_DELAY))


# The server said no for good (bad address, message refused): retrying will not help.
PERMANENT_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def _is_permanent(error: BaseException) -> bool:
    if isinstance(error, PERMANENT_ERRORS):
        return True
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def _claim(*, recipient_id: int, now: datetime.datetime) -> list[Notification]:
    token = uuid.uuid4()
    claimed = Notification.objects.filter(
        recipient_id=recipient_id, state=Notification.State.PENDING, next_attempt_at__lte=now
    ).update(state=Notification.State.SENDING, claim_token=token, claimed_at=now)
    if not claimed:
        return []
    return list(
        Notification.objects.filter(claim_token=token, state=Notification.State.SENDING)
        .select_related(
            "action_item__recommendation", "action_item__owner_agency", "action_item__assignee"
        )
        .order_by("id")
    )


def _still_wanted(notification: Notification, preference: NotificationPreference | None) -> bool:
    """A reminder about an item closed since, or a kind turned off since, is not sent."""
    if preference is not None and not preference.receives(notification.kind):
        return False
    item = notification.action_item
    return not (notification.kind in REMINDER_KINDS and item is not None and not item.is_open)


def _mark(ids: Sequence[int], **values: object) -> None:
    Notification.objects.filter(pk__in=ids, state=Notification.State.SENDING).update(**values)


def _record_failure(ids: Sequence[int], error: BaseException, now: datetime.datetime) -> int:
    """Back to pending with a backoff, or failed for good; returns the delay before the retry."""
    rows = list(Notification.objects.filter(pk__in=ids).values_list("pk", "attempts"))
    attempts = max((a for _pk, a in rows), default=0) + 1
    message = f"{type(error).__name__}: {error}"[:2000]
    if _is_permanent(error) or attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        _mark(
            ids,
            state=Notification.State.FAILED,
            attempts=attempts,
            last_error=message,
            claim_token=None,
        )
        logger.error("Notifications %s failed for good: %s", list(ids), message)
        return 0
    delay = retry_delay_seconds(attempts)
    _mark(
        ids,
        state=Notification.State.PENDING,
        attempts=attempts,
        last_error=message,
        claim_token=None,
        claimed_at=None,
        next_attempt_at=now + datetime.timedelta(seconds=delay),
    )
    logger.warning("Notifications %s not sent (%s); next try in %ss", list(ids), message, delay)
    return delay


def notifications_send(
    *, recipient_ids: Sequence[int], now: datetime.datetime | None = None
) -> SendResult:
    """Send the pending notifications of these recipients over one mail connection.

    For each recipient: claim their pending rows (one conditional UPDATE), drop those no longer
    wanted, build their emails, send each, and record each result. When the mail server fails,
    the rows go back to pending with a backoff and the remaining recipients are left for the retry.
    """
    now = now or timezone.now()
    result = SendResult()
    users = {u.pk: u for u in User.objects.filter(pk__in=recipient_ids)}
    preferences = selectors.preferences_by_user(recipient_ids)
    today = rules.reminder_day(now)
    connection = get_connection(fail_silently=False)
    opened = False
    try:
        for position, recipient_id in enumerate(recipient_ids):
            recipient = users.get(recipient_id)
            if recipient is None:
                continue
            claimed = _claim(recipient_id=recipient_id, now=now)
            preference = preferences.get(recipient_id)
            wanted = [n for n in claimed if _still_wanted(n, preference)]
            wanted_ids = {n.pk for n in wanted}
            unwanted = [n.pk for n in claimed if n.pk not in wanted_ids]
            if unwanted:
                _mark(unwanted, state=Notification.State.CANCELLED, claim_token=None)
                result.cancelled += len(unwanted)
            if not wanted:
                continue
            prepared = emails.emails_for_recipient(
                recipient=recipient,
                notifications=wanted,
                today=today,
                digest_loader=lambda user: selectors.digest_for(user=user, today=today, now=now),
            )
            carried = {pk for _message, ids in prepared for pk in ids}
            nothing_to_say = [n.pk for n in wanted if n.pk not in carried]
            if nothing_to_say:  # e.g. a digest for someone who manages nothing any more
                _mark(nothing_to_say, state=Notification.State.CANCELLED, claim_token=None)
                result.cancelled += len(nothing_to_say)
            for index, (message, ids) in enumerate(prepared):
                try:
                    if not opened:
                        connection.open()
                        opened = True
                    connection.send_messages([message])
                except Exception as error:
                    delay = _record_failure(ids, error, now)
                    unsent = [pk for _m, later in prepared[index + 1 :] for pk in later]
                    _mark(
                        unsent, state=Notification.State.PENDING, claim_token=None, claimed_at=None
                    )
                    if _is_permanent(error):
                        continue
                    # The connection is likely broken: leave the rest to the retry.
                    result.retry_recipient_ids = list(recipient_ids[position:])
                    result.retry_in_seconds = delay or None
                    return result
                _mark(
                    ids,
                    state=Notification.State.SENT,
                    sent_at=timezone.now(),
                    last_error="",
                    claim_token=None,
                )
                result.emails_sent += 1
                result.notifications_sent += len(ids)
    finally:
        if opened:
            try:
                connection.close()
            except Exception:
                logger.warning("Closing the mail connection failed", exc_info=True)
    return result


def notifications_retry(*, notification_ids: Iterable[int]) -> int:
    """An operator's retry of failed (or stuck pending) notifications, from the admin."""
    now = timezone.now()
    with transaction.atomic():
        count = Notification.objects.filter(
            pk__in=list(notification_ids),
            state__in=[Notification.State.FAILED, Notification.State.PENDING],
        ).update(
            state=Notification.State.PENDING,
            attempts=0,
            next_attempt_at=now,
            claim_token=None,
            claimed_at=None,
        )
        notifications_dispatch_due(now=now)
    return count


# Immediate notifications ------------------------------------------------------------------------


def item_changed_notify(
    *,
    action_item_id: int,
    progress_update_id: int,
    actor_id: int | None,
    changed_fields: Iterable[str],
    previous_assignee_id: int | None = None,
) -> int:
    """Record the emails an item change calls for and queue them: the new assignee is told of the
    assignment, the watchers of a status change. Returns how many rows were created."""
    changed = set(changed_fields)
    if not changed & {"assignee", "status"}:
        return 0
    item = ActionItem.objects.filter(pk=action_item_id).first()
    if item is None:
        return 0
    audience_ids: set[int] = set()
    planned: list[tuple[int, str]] = []
    if "assignee" in changed and item.assignee_id and item.assignee_id != actor_id:
        planned.append((item.assignee_id, NotificationKind.ASSIGNED))
        audience_ids.add(item.assignee_id)
    if "status" in changed:
        for watcher_id in sorted(selectors.item_watcher_ids(item) - {actor_id} - audience_ids):
            planned.append((watcher_id, NotificationKind.STATUS_CHANGED))
    if not planned:
        return 0
    deliverable = dict(
        User.objects.filter(pk__in=[uid for uid, _kind in planned], is_active=True)
        .exclude(email="")
        .values_list("pk", "notification_preference__status_changed")
    )
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            action_item_id=item.pk,
            kind=kind,
            period=f"update:{progress_update_id}",
            progress_update_id=progress_update_id,
            item_due_date=item.due_date,
            created_at=now,
            next_attempt_at=now,
        )
        for user_id, kind in planned
        if user_id in deliverable
        and not (kind == NotificationKind.STATUS_CHANGED and deliverable[user_id] is False)
    ]
    if not rows:
        return 0
    from .tasks import notifications_send

    recipient_ids = sorted({row.recipient_id for row in rows})
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        transaction.on_commit(lambda: notifications_send.delay(recipient_ids), robust=True)
    return len(rows)


# Watching, preferences, calendar, unsubscribe --------------------------------------------------


def watch_toggle(*, user: User, item: ActionItem) -> bool:
    """Watch the item if the user does not, or stop; returns whether they now watch it."""
    if not policies.can_watch(user, item):
        raise PermissionDenied
    watching = not selectors.item_is_watched(user, item)
    Watch.objects.update_or_create(user=user, action_item=item, defaults={"watching": watching})
    return watching


def preferences_update(
    *,
    user: User,
    kinds: Iterable[str],
    digest_weekday: int,
    language: str,
) -> NotificationPreference:
    """Save which optional kinds the user receives (the others are always on), the digest day and
    the language of their emails (the same language as their pages)."""
    chosen = set(kinds)
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.get_or_create(user=user)
        for kind in OPTIONAL_KINDS:
            setattr(preference, kind, kind in chosen)
        preference.digest_weekday = digest_weekday
        preference.save()
        if user.language != language:
            user.language = language
            user.save(update_fields=["language"])
    return preference


def preference_ensure(*, user: User) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    return preference


def calendar_token_reset(*, user: User) -> NotificationPreference:
    """A new secret address for the calendar feed; the old one stops working at once."""
    preference = preference_ensure(user=user)
    preference.calendar_token = calendar_token_new()
    preference.save(update_fields=["calendar_token"])
    return preference


def unsubscribe(*, user_id: int, kinds: Iterable[str]) -> list[str]:
    """Turn off optional kinds for a user (from a signed link); returns the kinds turned off."""
    turned_off = [kind for kind in kinds if kind in OPTIONAL_KINDS]
    if not turned_off or not User.objects.filter(pk=user_id).exists():
        return []
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.get_or_create(user_id=user_id)
        for kind in turned_off:
            setattr(preference, kind, False)
        preference.save()
        # What is queued but not yet sent is dropped too.
        Notification.objects.filter(
            Q(state=Notification.State.PENDING), recipient_id=user_id, kind__in=turned_off
        ).update(state=Notification.State.CANCELLED)
    return turned_off
