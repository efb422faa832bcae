"""The delivery guarantees promised for background work are the configuration Celery runs with."""

from django.conf import settings

from notifications import tasks
from tracker.celery import app


def test_tasks_are_acknowledged_late_and_workers_prefetch_one() -> None:
    app.loader.import_default_modules()
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    for task in (tasks.reminders_scan, tasks.notifications_send, tasks.notifications_retry_pending):
        assert task.acks_late is True


def test_no_retry_waits_longer_than_the_brokers_visibility_timeout() -> None:
    # The filesystem broker has no visibility timeout; with Redis (CI's second run) it is set.
    visibility: int = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert visibility > tasks.MAX_COUNTDOWN_SECONDS


def test_every_periodic_job_names_a_registered_task() -> None:
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
