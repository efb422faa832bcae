"""Helpers shared by the web UI's view tests and browser tests."""

import datetime
import html as html_lib
import re
from typing import TYPE_CHECKING, Any

from django.test import Client
from django.utils import timezone

from agencies.models import User
from recommendations.models import ActionItem
from recommendations.services import action_item_change

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def make_overdue(item: ActionItem, days: int = 5) -> ActionItem:
    """Move an item's due date into the past without a timeline entry (test set-up only)."""
    past = days_from_today(-days)
    ActionItem.objects.filter(pk=item.pk).update(due_date=past, original_due_date=past)
    item.refresh_from_db()
    return item


def record(item: ActionItem, actor: User, **changes: Any) -> ActionItem:
    """Change ``item`` as ``actor`` through the one write path, and return it fresh."""
    return action_item_change(item=item, actor=actor, expected_version=item.version, **changes).item


def text(response: "_MonkeyPatchedWSGIResponse") -> str:
    """The response's HTML reduced to its words, for readable assertions."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())
