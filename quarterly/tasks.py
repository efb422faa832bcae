"""Celery entry point of the quarterly reports (scheduled in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def quarterly_reports_due() -> int:
    """Returns how many report versions were produced."""
    result = services.quarterly_reports_due()
    return len(result.reports) if result else 0
