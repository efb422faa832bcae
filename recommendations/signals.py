from django.dispatch import Signal

# Sent after the transaction that changed an action item commits (never for a rolled-back change).
# Arguments: action_item_id, progress_update_id, actor_id, changed_fields (frozenset of names among
# "status", "percent_complete", "due_date", "assignee", "note"), previous_assignee_id.
# The notifications app listens; this app does not know it exists.
action_item_changed = Signal()

# Sent after the transaction that published or unpublished a recommendation, or changed its
# definition or its items' definitions, commits. Arguments: recommendation_id. The public pages
# listen to drop their cache.
recommendation_changed = Signal()
