"""The scan: what it creates, that it is idempotent, that its cost does not grow with the items."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django import Settings as DjangoSettings

from agencies.models import Membership
from notifications import planning
from notifications.models import Notification, NotificationPreference
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.conftest import World, at


def scan(moment: datetime.datetime, capture: DjangoCaptureOnCommitCallbacks) -> planning.ScanResult:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return planning.reminders_scan()


def test_running_the_scan_twice_sends_each_email_once(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    world.item(due="2026-04-20", assignee=world.alice)
    first = scan(at("2026-04-13", 8), django_capture_on_commit_callbacks)
    second = scan(at("2026-04-13", 8, ) + datetime.timedelta(minutes=15),
                  django_capture_on_commit_callbacks)  # fmt: skip
    assert first.created == 3  # alice's due-soon, the manager's and the coordinator's digests
    assert second.created == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.gc.ca",
        "coordinator@example.gc.ca",
        "manager@example.gc.ca",
    ]
    assert Notification.objects.count() == 3


def test_a_scan_before_the_send_hour_waits_for_the_morning(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    world.item(due="2026-04-20", assignee=world.alice)
    # Before 7:00 on Monday the reminder day is still Sunday: only last week's digests.
    assert scan(at("2026-04-13", 6), django_capture_on_commit_callbacks).created == 2
    assert not Notification.objects.filter(kind=Notification.Kind.DUE_SOON).exists()
    scan(at("2026-04-13", 7), django_capture_on_commit_callbacks)
    assert Notification.objects.filter(kind=Notification.Kind.DUE_SOON).count() == 1


def test_a_scheduler_stopped_for_days_catches_up_on_its_next_run(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    item.last_progress_at = at("2026-04-01")
    item.save()
    # Nothing ran from the 10th to the 22nd: the next run sends the latest reminder due.
    scan(at("2026-04-22", 9), django_capture_on_commit_callbacks)
    kinds = set(Notification.objects.filter(recipient=world.alice).values_list("kind", "period"))
    assert kinds == {("overdue", "2026-04-20:w0")}


def test_unassigned_items_remind_the_owner_agencys_staff_and_escalate_to_its_managers(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    item = world.item(due="2026-04-01")
    item.last_progress_at = at("2026-03-20")
    item.save()
    scan(at("2026-04-15", 8), django_capture_on_commit_callbacks)
    rows = set(
        Notification.objects.exclude(kind=Notification.Kind.DIGEST).values_list(
            "recipient__username", "kind"
        )
    )
    assert rows == {("alice", "overdue"), ("bob", "overdue"), ("manager", "escalation")}


def test_an_agency_without_managers_escalates_to_the_coordinators(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    Membership.objects.filter(user=world.manager).delete()
    world.item(due="2026-04-01", assignee=world.alice)
    scan(at("2026-04-15", 8), django_capture_on_commit_callbacks)
    assert list(
        Notification.objects.filter(kind="escalation").values_list("recipient__username", flat=True)
    ) == ["coordinator"]


def test_optional_kinds_turned_off_are_not_sent_but_escalations_are(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    NotificationPreference.objects.create(user=world.alice, overdue=False)
    NotificationPreference.objects.create(user=world.manager, digest=False)
    world.item(due="2026-04-01", assignee=world.alice)
    scan(at("2026-04-15", 8), django_capture_on_commit_callbacks)
    rows = set(Notification.objects.values_list("recipient__username", "kind"))
    assert rows == {("manager", "escalation"), ("coordinator", "digest")}


def test_people_without_an_address_or_no_longer_active_get_nothing(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    world.alice.email = ""
    world.alice.save()
    world.bob.is_active = False
    world.bob.save()
    world.item(due="2026-04-20")
    scan(at("2026-04-13", 8), django_capture_on_commit_callbacks)
    # Nobody among the staff can receive it, so the item's reminder goes to the manager.
    assert set(
        Notification.objects.filter(kind="due_soon").values_list("recipient__username", flat=True)
    ) == {"manager"}


def test_closed_items_get_no_reminders(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    world.item(due="2026-04-01", assignee=world.alice, status="completed", percent_complete=100)
    world.item(due="2026-04-20", assignee=world.alice, status="cancelled")
    scan(at("2026-04-15", 8), django_capture_on_commit_callbacks)
    assert not Notification.objects.exclude(kind="digest").exists()


def test_business_days_hold_the_reminders_of_a_weekend_until_monday(
    world: World,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    settings: DjangoSettings,
) -> None:
    settings.REMINDER_BUSINESS_DAYS = True
    world.item(due="2026-07-03", assignee=world.alice)  # Friday; Canada Day on Wednesday
    scan(at("2026-06-22", 8), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind="due_soon").exists()
    scan(at("2026-06-23", 8), django_capture_on_commit_callbacks)  # 7 business days before
    assert Notification.objects.filter(kind="due_soon").get().period == "2026-07-03:-7"
    scan(at("2026-07-04", 8), django_capture_on_commit_callbacks)  # Saturday: nothing
    assert not Notification.objects.filter(kind="overdue").exists()
    scan(at("2026-07-06", 8), django_capture_on_commit_callbacks)
    assert Notification.objects.filter(kind="overdue").get().period_start == datetime.date(
        2026, 7, 6
    )


def _populate(world: World, count: int) -> None:
    """``count`` items of each rule, half assigned, with their own assignees."""
    for index in range(count):
        assignee = MembershipFactory.create(
            user=UserFactory.create(), agency=world.agency, role=Membership.Role.STAFF
        ).user
        who = assignee if index % 2 else None
        world.item(due="2026-04-20", assignee=who)  # due soon
        overdue = world.item(due="2026-04-05", assignee=who)  # overdue and escalated
        overdue.last_progress_at = at("2026-03-01")  # and stale
        overdue.save()


@pytest.mark.parametrize("count", [2, 12])
def test_the_scan_runs_the_same_number_of_queries_whatever_the_number_of_items(
    world: World, count: int
) -> None:
    from recommendations.accountability.models import ExtensionRequest, Submission

    _populate(world, count)
    # Decisions waiting for more than ten days: a submission and an extension request each.
    for _index in range(count):
        submitted = world.item(due="2026-06-01", status="awaiting_verification")
        Submission.objects.create(
            action_item=submitted,
            submitted_by=world.alice,
            note="Done",
            submitted_at=at("2026-03-20"),
        )
        asked = world.item(due="2026-06-01")
        ExtensionRequest.objects.create(
            action_item=asked,
            requested_by=world.bob,
            requested_at=at("2026-03-20"),
            current_due_date=asked.due_date,
            proposed_due_date=datetime.date(2026, 7, 1),
            reason="Later",
        )
        # Overdue with their reminders paused: submitted on time and still waiting for a
        # verifier, or with an extension request waiting (each one notice to its worker).
        late_submitted = world.item(
            due="2026-04-05", status="awaiting_verification", assignee=world.alice
        )
        Submission.objects.create(
            action_item=late_submitted,
            submitted_by=world.alice,
            note="Done",
            submitted_at=at("2026-03-30"),
        )
        late_asked = world.item(due="2026-04-05", assignee=world.alice)
        ExtensionRequest.objects.create(
            action_item=late_asked,
            requested_by=world.bob,
            requested_at=at("2026-04-06"),
            current_due_date=late_asked.due_date,
            proposed_due_date=datetime.date(2026, 7, 1),
            reason="Later",
        )
    with time_machine.travel(at("2026-04-13", 8), tick=False):
        with CaptureQueriesContext(connection) as queries:
            result = planning.reminders_scan()
        assert result.created > 6 * count
    assert Notification.objects.filter(kind="verify_waiting").count() == 2 * count
    assert Notification.objects.filter(kind="ext_waiting").count() == count
    assert Notification.objects.filter(kind="overdue_paused").count() == 2 * count
    # audience (2), due soon, overdue, overdue paused, escalation, stale, waiting submissions,
    # waiting extension requests, one insert, pending recipients, and the savepoint pair of the
    # transaction.
    assert len(queries) == 13, [q["sql"][:80] for q in queries]


def test_dry_run_lists_what_would_be_sent_and_changes_nothing(world: World) -> None:
    world.item(due="2026-04-20", assignee=world.alice)
    out = io.StringIO()
    with time_machine.travel(at("2026-04-20", 12), tick=False):
        call_command("run_reminders", "--at", "2026-04-13T08:00", "--dry-run", stdout=out)
    assert "3 notification(s) would be sent" in out.getvalue()
    assert "due_soon" in out.getvalue()
    assert not Notification.objects.exists()
    assert not mail.outbox


def test_run_reminders_runs_the_same_scan_as_the_scheduler(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    world.item(due="2026-04-20", assignee=world.alice)
    out = io.StringIO()
    with (
        time_machine.travel(at("2026-04-20", 12), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("run_reminders", "--at", "2026-04-13T08:00-04:00", stdout=out)
    assert "3 new notification(s)" in out.getvalue()
    assert Notification.objects.filter(kind="due_soon", period="2026-04-20:-7").exists()
    assert len(mail.outbox) == 3


def test_run_reminders_refuses_to_send_the_future_early(world: World) -> None:
    with pytest.raises(CommandError, match="future"):
        call_command("run_reminders", "--at", "2999-01-01T08:00")
    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("run_reminders", "--at", "next tuesday")


def test_the_beat_task_runs_the_scan(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    from notifications.tasks import reminders_scan

    world.item(due="2026-04-20", assignee=world.alice)
    with (
        time_machine.travel(at("2026-04-13", 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert reminders_scan.delay().get() == 3
    assert len(mail.outbox) == 3


def test_the_schedules_name_the_tasks_that_exist() -> None:
    from celery import current_app
    from django.conf import settings

    import notifications.tasks  # noqa: F401 - registers the tasks

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks
