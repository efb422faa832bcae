"""Listeners to the recommendations app's signals (connected in NotificationsConfig.ready)."""

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from recommendations.signals import ItemChanged

from . import accountability, immediate

logger = logging.getLogger(__name__)


def on_action_item_changed(
    sender: Any,
    *,
    action_item_id: int,
    progress_update_id: int,
    actor_id: int | None,
    changed_fields: Iterable[str],
    **kwargs: Any,
) -> None:
    # The change is already committed: a failure here must not turn the user's save into an
    # error page. It is logged with its traceback for the operator.
    try:
        immediate.item_changed_notify(
            action_item_id=action_item_id,
            progress_update_id=progress_update_id,
            actor_id=actor_id,
            changed_fields=changed_fields,
        )
    except Exception:
        logger.exception("Could not record the notifications of item %s", action_item_id)


def on_action_items_changed(sender: Any, *, changes: Sequence[ItemChanged], **kwargs: Any) -> None:
    # A bulk upload's changes, already committed: the same rows as one signal per item, recorded
    # together so that each person's emails of the batch go out together.
    try:
        immediate.items_changed_notify(changes=changes)
    except Exception:
        logger.exception("Could not record the notifications of %d item changes", len(changes))


def on_accountability_event(sender: Any, *, kind: str, record_id: int, **kwargs: Any) -> None:
    # Sent after commit, like the item signal: a failure is logged, never the user's error page.
    try:
        accountability.accountability_event_notify(event=kind, record_id=record_id)
    except Exception:
        logger.exception("Could not record the notifications of %s %s", kind, record_id)
