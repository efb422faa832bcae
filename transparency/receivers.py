"""Drop the public pages' cache when what they show changes (the signals are sent on commit)."""

from collections.abc import Sequence
from typing import Any

from recommendations.models import ActionItem
from recommendations.signals import ItemChanged

from .cache import public_cache_invalidate


def on_action_item_changed(sender: Any, *, action_item_id: int, **kwargs: Any) -> None:
    # Only a published item's change is visible; one indexed look-up decides.
    if ActionItem.objects.filter(pk=action_item_id, recommendation__published=True).exists():
        public_cache_invalidate()


def on_action_items_changed(sender: Any, *, changes: Sequence[ItemChanged], **kwargs: Any) -> None:
    # A bulk upload: one look-up for the whole batch.
    ids = [change.action_item_id for change in changes]
    if ActionItem.objects.filter(pk__in=ids, recommendation__published=True).exists():
        public_cache_invalidate()


def on_recommendation_changed(sender: Any, *, recommendation_id: int, **kwargs: Any) -> None:
    # Publishing and unpublishing change the published flag itself, so any change of a
    # recommendation, published or not, drops the cache.
    public_cache_invalidate()
