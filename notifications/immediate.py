"""Immediate notifications: the email to the new assignee of an item and to the watchers of a
status change, recorded when the change is saved and sent by ``delivery``."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agencies.models import User
from recommendations.models import ActionItem, ProgressUpdate
from tracker.queueing import enqueue_on_commit

from . import selectors
from .accountability import covered_by_accountability_email
from .models import Notification, NotificationKind


def item_changed_notify(
    *,
    action_item_id: int,
    progress_update_id: int,
    actor_id: int | None,
    changed_fields: Iterable[str],
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
        # A submission or a verification decision has its own email to the people concerned;
        # they are not told twice.
        covered: set[int] = set()
        update = (
            ProgressUpdate.objects.filter(pk=progress_update_id)
            .values_list("status_before", "status_after")
            .first()
        )
        if update is not None:
            covered = covered_by_accountability_email(
                item_id=item.pk,
                owner_agency_id=item.owner_agency_id,
                status_before=update[0],
                status_after=update[1],
            )
        for watcher_id in sorted(
            selectors.item_watcher_ids(item) - {actor_id} - audience_ids - covered
        ):
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
        enqueue_on_commit(notifications_send, recipient_ids)
    return len(rows)
