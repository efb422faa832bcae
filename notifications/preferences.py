"""A person's choices: which items they watch, which emails they receive and when, their
calendar feed's secret address, and unsubscribing from a signed link."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from agencies.models import User
from agencies.services import user_language_set
from recommendations import policies
from recommendations.models import ActionItem

from . import selectors
from .models import (
    OPTIONAL_KINDS,
    Notification,
    NotificationPreference,
    Watch,
    calendar_token_new,
    kinds_following,
)


def watch_toggle(*, user: User, item: ActionItem) -> bool:
    """Watch the item if the user does not, or stop; returns whether they now watch it."""
    if not policies.can_watch(user, item):
        raise PermissionDenied
    watching = not selectors.item_is_watched(user, item)
    Watch.objects.update_or_create(user=user, action_item=item, defaults={"watching": watching})
    return watching


def preferences_update(
    *,
    user: User,
    kinds: Iterable[str],
    digest_weekday: int,
    language: str,
) -> NotificationPreference:
    """Save which optional kinds the user receives (the others are always on), the digest day and
    the language of their emails (the same language as their pages)."""
    chosen = set(kinds)
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.get_or_create(user=user)
        for kind in OPTIONAL_KINDS:
            setattr(preference, kind, kind in chosen)
        preference.digest_weekday = digest_weekday
        preference.save()
        # The language of their emails is the language of their pages: one setting, one writer.
        user_language_set(user=user, language=language)
    return preference


def preference_ensure(*, user: User) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    return preference


def calendar_token_reset(*, user: User) -> NotificationPreference:
    """A new secret address for the calendar feed; the old one stops working at once."""
    preference = preference_ensure(user=user)
    preference.calendar_token = calendar_token_new()
    preference.save(update_fields=["calendar_token"])
    return preference


def unsubscribe(*, user_id: int, kinds: Iterable[str]) -> list[str]:
    """Turn off optional kinds for a user (from a signed link); returns the kinds turned off."""
    turned_off = [kind for kind in kinds if kind in OPTIONAL_KINDS]
    if not turned_off or not User.objects.filter(pk=user_id).exists():
        return []
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.get_or_create(user_id=user_id)
        for kind in turned_off:
            setattr(preference, kind, False)
        preference.save()
        # What is queued but not yet sent is dropped too, with the kinds that follow these.
        Notification.objects.filter(
            Q(state=Notification.State.PENDING),
            recipient_id=user_id,
            kind__in=kinds_following(turned_off),
        ).update(state=Notification.State.CANCELLED)
    return turned_off
