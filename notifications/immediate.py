"""Immediate notifications: the email to the new assignee of an item and to the watchers of a
status change, recorded when the change is saved and sent by ``delivery``."""

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from agencies.models import User
from recommendations.models import ActionItem, ProgressUpdate
from recommendations.signals import ItemChanged
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
    return items_changed_notify(
        changes=[
            ItemChanged(
                action_item_id=action_item_id,
                progress_update_id=progress_update_id,
                actor_id=actor_id,
                changed_fields=frozenset(changed_fields),
                previous_assignee_id=None,  # not needed: the new assignee is the item's
            )
        ]
    )


def items_changed_notify(*, changes: Sequence[ItemChanged]) -> int:
    """``item_changed_notify`` for many changes at once (a bulk upload), in a fixed number of
    queries: the same rows, and one send task per batch of recipients, so each person gets
    their emails of the batch together. Returns how many rows were created."""
    relevant = [change for change in changes if change.changed_fields & {"assignee", "status"}]
    if not relevant:
        return 0
    items = ActionItem.objects.in_bulk({change.action_item_id for change in relevant})
    status_changes = [change for change in relevant if "status" in change.changed_fields]
    statuses = {
        pk: (before, after)
        for pk, before, after in ProgressUpdate.objects.filter(
            pk__in=[change.progress_update_id for change in status_changes]
        ).values_list("pk", "status_before", "status_after")
    }
    watchers = selectors.items_watcher_ids(
        [items[c.action_item_id] for c in status_changes if c.action_item_id in items]
    )
    planned: list[tuple[ItemChanged, ActionItem, int, str]] = []
    for change in relevant:
        item = items.get(change.action_item_id)
        if item is None:
            continue
        audience_ids: set[int] = set()
        if (
            "assignee" in change.changed_fields
            and item.assignee_id
            and item.assignee_id != change.actor_id
        ):
            planned.append((change, item, item.assignee_id, NotificationKind.ASSIGNED))
            audience_ids.add(item.assignee_id)
        if "status" in change.changed_fields:
            # A submission or a verification decision has its own email to the people
            # concerned; they are not told twice.
            covered: set[int] = set()
            update = statuses.get(change.progress_update_id)
            if update is not None:
                covered = covered_by_accountability_email(
                    item_id=item.pk,
                    owner_agency_id=item.owner_agency_id,
                    status_before=update[0],
                    status_after=update[1],
                )
            for watcher_id in sorted(
                watchers.get(item.pk, set()) - {change.actor_id} - audience_ids - covered
            ):
                planned.append((change, item, watcher_id, NotificationKind.STATUS_CHANGED))
    if not planned:
        return 0
    deliverable = dict(
        User.objects.filter(pk__in={uid for _c, _i, uid, _k in planned}, is_active=True)
        .exclude(email="")
        .values_list("pk", "notification_preference__status_changed")
    )
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            action_item_id=item.pk,
            kind=kind,
            period=f"update:{change.progress_update_id}",
            progress_update_id=change.progress_update_id,
            item_due_date=item.due_date,
            created_at=now,
            next_attempt_at=now,
        )
        for change, item, user_id, kind in planned
        if user_id in deliverable
        and not (kind == NotificationKind.STATUS_CHANGED and deliverable[user_id] is False)
    ]
    if not rows:
        return 0
    from .delivery import SEND_BATCH_SIZE
    from .tasks import notifications_send

    recipient_ids = sorted({row.recipient_id for row in rows})
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        for start in range(0, len(recipient_ids), SEND_BATCH_SIZE):
            enqueue_on_commit(notifications_send, recipient_ids[start : start + SEND_BATCH_SIZE])
    return len(rows)
