"""Delivering notifications: queue the sending of what is pending, claim the rows, send, record
each result, back off and retry.

How "at most one duplicate per worker crash" holds:
1. A sender claims rows with one conditional UPDATE (pending -> sending, with a claim token and
   time), so only one worker sends a given row.
2. Each message is recorded as sent in its own short transaction the moment the server accepts
   it; a worker that dies can only have one message accepted and not yet recorded. When its lease
   expires that one is sent again, with the same Message-ID, so it is recognisable.
3. A transient failure (SMTP 4xx, a connection error) puts the row back to pending with a later
   ``next_attempt_at`` (backoff); a permanent one (5xx) fails it. The periodic retry task queues
   whatever is pending, so nothing depends on a task surviving in the broker.
"""

import datetime
import logging
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from agencies.models import User
from recommendations.models import WORKING_STATUSES, ActionItem, Status
from tracker.queueing import enqueue_on_commit

from . import emails, rules, selectors
from .models import REMINDER_KINDS, Notification, NotificationKind, NotificationPreference

logger = logging.getLogger(__name__)

# Recipients per send task: one SMTP connection serves them all.
SEND_BATCH_SIZE = 50


def notifications_dispatch_due(*, now: datetime.datetime | None = None) -> int:
    """Queue send tasks for every recipient with pending notifications, after commit."""
    from .tasks import notifications_send

    recipient_ids = selectors.recipients_with_due_notifications(now=now or timezone.now())
    batches = [
        recipient_ids[start : start + SEND_BATCH_SIZE]
        for start in range(0, len(recipient_ids), SEND_BATCH_SIZE)
    ]
    for batch in batches:
        # A broker that is down must not undo the rows; the retry task will queue them.
        enqueue_on_commit(notifications_send, batch)
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


# Refusals of the session rather than of a message (greeting, HELO, sign-in): whatever their code,
# they say nothing about the message, so it waits for the retry like after a lost connection.
SESSION_ERRORS = (smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError)


def _reply_codes(error: BaseException) -> list[int]:
    """The SMTP reply codes an error carries about the message: one per refused recipient, or the
    server's reply to the message; none for a connection or session failure."""
    if isinstance(error, SESSION_ERRORS):
        return []
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return [code for code, _message in error.recipients.values()]
    code = getattr(error, "smtp_code", None)
    return [code] if isinstance(code, int) else []


def is_permanent(error: BaseException) -> bool:
    """Whether retrying cannot help: the server refused with a 5xx reply (bad address, message
    refused) for every recipient of the message. A 4xx reply (greylisting, a full queue, "try
    later") and anything without a reply code (connection refused or dropped, a time-out) are
    transient: the message is tried again with a backoff."""
    codes = _reply_codes(error)
    return bool(codes) and all(500 <= code < 600 for code in codes)


def _connection_lost(error: BaseException) -> bool:
    """No reply at all: the connection is gone, so the rest of the batch waits for the retry. After
    a 4xx or 5xx reply the session is still usable and the next message is tried."""
    return not _reply_codes(error)


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
            "action_item__recommendation__lead_agency",
            "action_item__owner_agency",
            "action_item__assignee",
        )
        .order_by("id")
    )


def _still_wanted(
    notification: Notification, preference: NotificationPreference | None, today: datetime.date
) -> bool:
    """A reminder about an item closed or submitted since, a notice of a pause that has ended, or
    a kind turned off since, is not sent."""
    if preference is not None and not preference.receives(notification.kind):
        return False
    item = notification.action_item
    if notification.kind == NotificationKind.OVERDUE_PAUSED:
        return item is not None and overdue_pause_holds(item, notification.period, today)
    # Reminders apply while the agency works on the item: not once it is closed, nor while it
    # awaits verification (the pause of ActionItemQuerySet.being_worked_on, planned before the
    # submission and sent after it).
    return not (
        notification.kind in REMINDER_KINDS
        and item is not None
        and item.status not in WORKING_STATUSES
    )


def overdue_pause_holds(item: ActionItem, period: str, today: datetime.date) -> bool:
    """Whether the pause a notice is about still holds back the item's overdue reminders: still
    past due, and still awaiting verification ("submission:...") or still being worked on with
    the request waiting ("extension:..."). That the very record named is still pending is
    checked where the records are read (``accountability_emails.overdue_pause_details``)."""
    if item.due_date >= today:
        return False  # re-dated since: not overdue any more
    if period.startswith("submission:"):
        return item.status == Status.AWAITING_VERIFICATION
    return item.status in WORKING_STATUSES


def _mark(ids: Sequence[int], **values: object) -> None:
    Notification.objects.filter(pk__in=ids, state=Notification.State.SENDING).update(**values)


def _record_failure(ids: Sequence[int], error: BaseException, now: datetime.datetime) -> int:
    """Back to pending with a backoff, or failed for good; returns the delay before the retry."""
    rows = list(Notification.objects.filter(pk__in=ids).values_list("pk", "attempts"))
    attempts = max((a for _pk, a in rows), default=0) + 1
    message = f"{type(error).__name__}: {error}"[:2000]
    if is_permanent(error) or attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
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
    wanted, build their emails, send each, and record each result as soon as it is known. A
    refusal is judged per message by its reply code (``is_permanent``): 5xx fails that message,
    4xx backs it off, and the batch goes on. A lost connection backs off the message in flight and
    leaves the remaining recipients to the retry.
    """
    now = now or timezone.now()
    result = SendResult()
    users = {u.pk: u for u in User.objects.filter(pk__in=recipient_ids)}
    preferences = selectors.preferences_by_user(recipient_ids)
    today = rules.reminder_day(now)
    connection = get_connection(fail_silently=False)
    opened = False
    # Recipients with a message backed off by a transient failure (in order), and the soonest retry.
    retry_ids: dict[int, None] = {}
    shortest: int | None = None
    try:
        for position, recipient_id in enumerate(recipient_ids):
            recipient = users.get(recipient_id)
            if recipient is None:
                continue
            claimed = _claim(recipient_id=recipient_id, now=now)
            preference = preferences.get(recipient_id)
            wanted = [n for n in claimed if _still_wanted(n, preference, today)]
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
                    if delay:
                        retry_ids[recipient_id] = None
                        shortest = min(shortest or delay, delay)
                    if not _connection_lost(error):
                        continue  # the server answered for this message; try the next one
                    # The connection is gone: leave the rest of the batch to the retry, untried.
                    unsent = [pk for _m, later in prepared[index + 1 :] for pk in later]
                    _mark(
                        unsent, state=Notification.State.PENDING, claim_token=None, claimed_at=None
                    )
                    retry_ids.update(dict.fromkeys(recipient_ids[position:]))
                    result.retry_recipient_ids = list(retry_ids)
                    result.retry_in_seconds = shortest
                    return result
                # Recorded the moment the server accepted it, in its own transaction: a crash
                # from here on can double at most the one message in flight.
                with transaction.atomic():
                    _mark(
                        ids,
                        state=Notification.State.SENT,
                        sent_at=timezone.now(),
                        last_error="",
                        claim_token=None,
                    )
                result.emails_sent += 1
                result.notifications_sent += len(ids)
        result.retry_recipient_ids = list(retry_ids)
        result.retry_in_seconds = shortest
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
