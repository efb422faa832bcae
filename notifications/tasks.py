"""Celery entry points. Each takes ids (or nothing), calls one service and holds no logic.

Retries: a failed send puts its rows back to pending in the database with a backoff; the task
then asks Celery to run again after that delay (never longer than the broker's visibility
timeout). If the task itself is lost, ``notifications_retry_pending`` (every 10 minutes, see
CELERY_BEAT_SCHEDULE) finds the rows again.
"""

import datetime

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import delivery, planning

# The longest a retry may wait in the broker: below the visibility timeout, after which Redis would
# hand the task to another worker while this one still holds it.
MAX_COUNTDOWN_SECONDS = 1800


@shared_task(acks_late=True, ignore_result=True)
def reminders_scan(at: str | None = None) -> int:
    """Find what is due and queue its sending. Returns how many notifications were created."""
    moment: datetime.datetime | None = parse_datetime(at) if at else None
    return planning.reminders_scan(now=moment).created


@shared_task(acks_late=True, ignore_result=True)
def notifications_retry_pending() -> int:
    return delivery.notifications_retry_pending()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def notifications_send(self, recipient_ids: list[int]) -> int:
    result = delivery.notifications_send(recipient_ids=recipient_ids)
    delay = result.retry_in_seconds
    # A short backoff is waited for in the broker; a longer one is left to the periodic retry,
    # so no task ever waits longer than the broker's visibility timeout. The attempts are counted
    # on the rows: past NOTIFICATION_MAX_ATTEMPTS they are failed and a retry finds nothing.
    if result.retry_recipient_ids and delay and delay <= MAX_COUNTDOWN_SECONDS:
        raise self.retry(args=[result.retry_recipient_ids], countdown=delay)
    return result.emails_sent
