"""Writes of the imports app: keeping an upload for its confirmation, and applying a progress
workbook (inline for a small file, as a Celery task with progress for a large one)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import User
from recommendations import policies
from recommendations.models import Source
from tracker.queueing import enqueue_on_commit

from . import progress
from .models import ImportJob


def import_job_create(
    *, user: User, kind: str, filename: str, content: bytes, source: Source | None = None
) -> ImportJob:
    """Keep an uploaded file between its preview and its confirmation."""
    if kind == ImportJob.Kind.SOURCE and not policies.can_edit_recommendation(user):
        raise PermissionDenied(_("Only coordinators may import recommendations."))
    if kind == ImportJob.Kind.PROGRESS and not policies.can_view_tracker(user):
        raise PermissionDenied(_("Only members of an agency may update items."))
    return ImportJob.objects.create(
        kind=kind, user=user, filename=filename[:255], content=content, source=source
    )


def import_job_record(*, job: ImportJob, state: str, result: dict[str, Any]) -> None:
    job.state = state
    job.result = result
    job.finished_at = (
        timezone.now() if state in (ImportJob.State.DONE, ImportJob.State.FAILED) else None
    )
    job.save(update_fields=["state", "result", "finished_at"])


def progress_job_start(*, job: ImportJob, rows: list[progress.RowOutcome]) -> bool:
    """Apply the preview's change rows: inline when there are few, else queue the task (after
    this transaction commits). Returns whether it was queued."""
    if job.state != ImportJob.State.PREVIEWED:
        raise PermissionDenied(_("This upload was already applied."))
    job.result = {**job.result, "rows": [row.as_dict() for row in rows]}
    job.total_rows = len(rows)
    job.done_rows = 0
    job.state = ImportJob.State.QUEUED
    job.save(update_fields=["result", "total_rows", "done_rows", "state"])
    if len(rows) <= settings.IMPORT_INLINE_ROWS:
        progress_job_apply(job_id=job.pk, send_email=False)
        return False
    from .tasks import progress_job_apply_task

    enqueue_on_commit(progress_job_apply_task, job.pk)
    return True


def progress_job_apply(*, job_id: int, send_email: bool = True) -> ImportJob | None:
    """Apply a job's change rows (claimed first, so two workers never apply one job twice),
    moving its progress after each chunk, then record the result and email the person.

    A worker that dies halfway leaves the job running; its applied rows are safe (each row
    carries its version, so applying it again would only report a conflict)."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, done_rows=0
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    rows = progress.rows_from_json(job.result.get("rows", []))

    def moved(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(done_rows=done)

    with translation.override(job.user.language or settings.LANGUAGE_CODE):
        outcome = progress.progress_apply(rows, actor=job.user, on_progress=moved)
        import_job_record(
            job=job,
            state=ImportJob.State.DONE,
            result={**job.result, "applied": outcome.as_dict()},
        )
        job.done_rows = job.total_rows
        if send_email and job.user.email:
            _email_done(job, outcome)
    return job


def _email_done(job: ImportJob, outcome: progress.ApplyResult) -> None:
    link = f"{settings.SITE_URL}{reverse('imports:progress_job', args=[job.pk])}"
    subject = _("Your progress workbook %(file)s has been applied") % {"file": job.filename}
    body = "\n".join(
        [
            _("%(applied)d rows applied, %(conflicts)d conflicts, %(refused)d refused.")
            % {
                "applied": outcome.applied,
                "conflicts": len(outcome.conflicts),
                "refused": len(outcome.refused),
            },
            "",
            _("The details, including the rows that were not applied:"),
            link,
        ]
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [job.user.email])
