"""A reminder email lists an item once, even when it is both overdue and stale, and its subject
counts items, not reminders."""

import datetime

import time_machine
from django.core import mail

from notifications import planning
from notifications.models import Notification
from tests.notifications.conftest import World, at


def test_an_item_overdue_and_stale_is_listed_once_and_the_subject_counts_items(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    both = world.item(
        due="2026-04-19",
        assignee=world.alice,
        last_progress_at=at(datetime.date(2026, 3, 1), 9),
    )
    other = world.item(due="2026-04-19", assignee=world.alice)
    with (
        time_machine.travel(at("2026-04-20", 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        planning.reminders_scan()
    kinds = sorted(
        Notification.objects.filter(recipient=world.alice, action_item=both).values_list(
            "kind", flat=True
        )
    )
    assert kinds == ["overdue", "stale"]
    (email,) = [m for m in mail.outbox if m.to == [world.alice.email]]
    assert email.subject.startswith("2 reminders for")
    assert email.body.count(both.title) == 1
    assert email.body.count(other.title) == 1
    assert "No update recorded for" in email.body
    # Both reminders of the item are marked sent: neither goes out again.
    assert not Notification.objects.filter(recipient=world.alice, sent_at__isnull=True).exists()
