"""Celery entry points of the imports app: each takes an id and calls one service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def progress_job_apply_task(job_id: int) -> None:
    # Claimed in the database by the service: a second delivery of this task finds nothing.
    services.progress_job_apply(job_id=job_id)
