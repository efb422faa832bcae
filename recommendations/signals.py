from dataclasses import dataclass

from django.dispatch import Signal

# Sent after the transaction that changed an action item commits (never for a rolled-back change).
# Arguments: action_item_id, progress_update_id, actor_id, changed_fields (frozenset of names among
# "status", "percent_complete", "due_date", "assignee", "note"), previous_assignee_id.
# The notifications app listens; this app does not know it exists.
action_item_changed = Signal()

# The same news for many items at once (``services.action_items_change_many``, the bulk upload):
# sent once, after commit, with ``changes``, a list of ``ItemChanged``. Listeners do for the
# batch what they do for one item, in a fixed number of queries, and group the emails.
action_items_changed = Signal()


@dataclass(frozen=True)
class ItemChanged:
    """What ``action_item_changed`` says about one item, as one value (the batch signal's)."""

    action_item_id: int
    progress_update_id: int
    actor_id: int | None
    changed_fields: frozenset[str]
    previous_assignee_id: int | None


# Sent after the transaction that published or unpublished a recommendation, or changed its
# definition or its items' definitions, commits. Arguments: recommendation_id. The public pages
# listen to drop their cache.
recommendation_changed = Signal()
