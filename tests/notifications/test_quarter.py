"""A whole quarter, day by day: exactly which emails each person gets, and when.

Time moves with time-machine; each morning at 08:00 the scan runs as the scheduler would, with
Celery eager so the sending happens in the same call. People act on the items along the way.
"""

import datetime
from collections import defaultdict
from typing import Any

import time_machine
from django.core import mail
from pytest_django import DjangoCaptureOnCommitCallbacks

from notifications import planning
from notifications.models import Notification, Watch
from recommendations.accountability.services import (
    ACCEPT,
    submission_create,
    verification_decide,
)
from recommendations.services import action_item_change
from tests.notifications.conftest import World, at

QUARTER_START = datetime.date(2026, 4, 1)
QUARTER_END = datetime.date(2026, 6, 30)

# (day, user) -> the notifications they received that day, as "kind item"; digests apart.
EXPECTED = {
    ("2026-04-01", "alice"): ["assigned A"],
    ("2026-04-03", "bob"): ["due_soon C"],
    # Bob submitted C, the coordinator verified it: bob hears of the decision once (its own email,
    # not also a status change); the manager watches the submission as a status change, then
    # hears of the decision as the owner agency's manager.
    ("2026-04-09", "bob"): ["due_soon C", "verify_decided C"],
    ("2026-04-09", "manager"): ["status_changed C", "verify_decided C"],
    ("2026-04-13", "alice"): ["due_soon A"],
    ("2026-04-19", "alice"): ["due_soon A"],
    ("2026-04-21", "alice"): ["overdue A"],
    ("2026-04-28", "alice"): ["overdue A"],
    ("2026-05-01", "alice"): ["stale A", "stale B"],
    ("2026-05-01", "bob"): ["stale B"],
    ("2026-05-04", "manager"): ["escalation A"],
    ("2026-05-05", "alice"): ["overdue A"],
    # Alice records an update on A on 6 May: no more overdue reminders for A.
    ("2026-05-08", "alice"): ["due_soon B"],
    ("2026-05-08", "bob"): ["due_soon B"],
    ("2026-05-14", "alice"): ["due_soon B"],
    ("2026-05-14", "bob"): ["due_soon B"],
    ("2026-05-16", "alice"): ["overdue B"],
    ("2026-05-16", "bob"): ["overdue B"],
    ("2026-05-23", "alice"): ["overdue B"],
    ("2026-05-23", "bob"): ["overdue B"],
    ("2026-05-29", "manager"): ["escalation B"],
    ("2026-05-30", "alice"): ["overdue B"],
    ("2026-05-30", "bob"): ["overdue B"],
    ("2026-05-31", "alice"): ["stale B"],
    ("2026-05-31", "bob"): ["stale B"],
    ("2026-06-05", "alice"): ["stale A"],
    ("2026-06-06", "alice"): ["overdue B"],
    ("2026-06-06", "bob"): ["overdue B"],
    ("2026-06-13", "alice"): ["overdue B"],
    ("2026-06-13", "bob"): ["overdue B"],
    ("2026-06-20", "alice"): ["overdue B"],
    ("2026-06-20", "bob"): ["overdue B"],
    ("2026-06-27", "alice"): ["overdue B"],
    ("2026-06-27", "bob"): ["overdue B"],
    ("2026-06-30", "alice"): ["stale B"],
    ("2026-06-30", "bob"): ["stale B"],
}
# The first digest catches up on Wednesday 1 April (week 14); then every Monday.
DIGEST_DAYS = [
    "2026-04-01",
    "2026-04-06",
    "2026-04-13",
    "2026-04-20",
    "2026-04-27",
    "2026-05-04",
    "2026-05-11",
    "2026-05-18",
    "2026-05-25",
    "2026-06-01",
    "2026-06-08",
    "2026-06-15",
    "2026-06-22",
    "2026-06-29",
]


def test_a_quarter_of_reminders_reaches_exactly_the_right_people_on_the_right_days(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with time_machine.travel(at(QUARTER_START, 7), tick=False):
        start = at(QUARTER_START, 7)
        item_a = world.item(due="2026-04-20", last_progress_at=start)
        item_b = world.item(due="2026-05-15", last_progress_at=start)
        item_c = world.item(due="2026-04-10", assignee=world.bob, last_progress_at=start)
        Watch.objects.create(user=world.manager, action_item=item_c)
    labels = {item_a.pk: "A", item_b.pk: "B", item_c.pk: "C"}

    def act(moment: datetime.datetime, **change: Any) -> None:
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            action_item_change(expected_version=None, **change)

    received: dict[tuple[str, str], list[str]] = defaultdict(list)
    emails_per_person_day: dict[tuple[str, str], int] = defaultdict(int)
    digests: dict[str, list[str]] = defaultdict(list)
    day = QUARTER_START
    while day <= QUARTER_END:
        if day == QUARTER_START:
            act(at(day, 7) + datetime.timedelta(minutes=30), item=item_a, actor=world.manager,
                assignee=world.alice)  # fmt: skip
        with (
            time_machine.travel(at(day, 8), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            planning.reminders_scan()
        if day == datetime.date(2026, 4, 9):
            item_c.refresh_from_db()
            # Reported done, and verified by the coordinator the same morning.
            with (
                time_machine.travel(at(day, 10), tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                submission_create(
                    item=item_c,
                    actor=world.bob,
                    expected_version=None,
                    note="Delivered.",
                    links=["https://example.gc.ca/report"],
                )
                item_c.refresh_from_db()
                verification_decide(
                    item=item_c, actor=world.coordinator, expected_version=None, decision=ACCEPT
                )
        if day == datetime.date(2026, 5, 6):
            item_a.refresh_from_db()
            act(at(day, 10), item=item_a, actor=world.alice, note="Draft sent for review.")
        sent_today = Notification.objects.filter(
            state=Notification.State.SENT, sent_at__date=day
        ).select_related("recipient")
        for notification in sent_today:
            if notification.kind == Notification.Kind.DIGEST:
                digests[notification.recipient.username].append(day.isoformat())
            else:
                assert notification.action_item_id is not None
                received[(day.isoformat(), notification.recipient.username)].append(
                    f"{notification.kind} {labels[notification.action_item_id]}"
                )
        for message in mail.outbox:
            emails_per_person_day[(day.isoformat(), message.to[0].split("@")[0])] += 1
        mail.outbox.clear()
        day += datetime.timedelta(days=1)

    assert {key: sorted(value) for key, value in received.items()} == EXPECTED
    assert digests == {"manager": DIGEST_DAYS, "coordinator": DIGEST_DAYS}
    # Many reminders to one person in one run are one email.
    assert emails_per_person_day[("2026-05-01", "alice")] == 1
    # The escalation and the digest of the same Monday are two emails.
    assert emails_per_person_day[("2026-05-04", "manager")] == 2
    # Immediate emails are one per change: on 9 April bob's verification decision comes beside
    # his reminder, and the manager hears of the submission and of the verification.
    assert emails_per_person_day[("2026-04-09", "bob")] == 2
    assert emails_per_person_day[("2026-04-09", "manager")] == 2
    assert sum(emails_per_person_day.values()) == len(EXPECTED) + 2 * len(DIGEST_DAYS) + 2
    # The coordinator's "please verify" was overtaken by their own decision before it went out:
    # dropped, not sent.
    assert list(
        Notification.objects.exclude(state=Notification.State.SENT).values_list("kind", "state")
    ) == [("submitted", "cancelled")]
