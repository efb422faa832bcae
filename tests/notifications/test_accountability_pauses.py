"""Overdue reminders pause while an item awaits verification or has an open extension request."""

import datetime

import time_machine
from pytest_django import DjangoCaptureOnCommitCallbacks

from notifications import planning as services
from notifications.models import Notification
from recommendations.accountability.models import ExtensionRequest, Submission
from recommendations.models import ActionItem, Status
from tests.notifications.conftest import World, at

AGENCY_KINDS = {"overdue", "escalation", "stale", "due_soon"}


def _kinds_for(item: ActionItem) -> set[str]:
    return set(Notification.objects.filter(action_item=item).values_list("kind", flat=True))


def test_no_reminder_for_an_item_awaiting_verification(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    item = world.item(due="2026-04-01", assignee=world.alice)
    ActionItem.objects.filter(pk=item.pk).update(status=Status.AWAITING_VERIFICATION)
    Submission.objects.create(action_item=item, submitted_by=world.alice, note="Done")
    with (
        time_machine.travel(at("2026-04-20", 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.reminders_scan()
    assert not _kinds_for(item) & AGENCY_KINDS


def test_no_overdue_reminder_or_escalation_while_an_extension_request_waits(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    waiting = world.item(due="2026-04-01", assignee=world.alice)
    ExtensionRequest.objects.create(
        action_item=waiting,
        requested_by=world.alice,
        current_due_date=waiting.due_date,
        proposed_due_date=waiting.due_date + datetime.timedelta(days=30),
        reason="Partners late.",
    )
    control = world.item(due="2026-04-01", assignee=world.alice)
    with (
        time_machine.travel(at("2026-04-20", 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.reminders_scan()
    assert not _kinds_for(waiting) & {"overdue", "escalation"}
    assert {"overdue", "escalation"} <= _kinds_for(control)
