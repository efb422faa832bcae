"""Overdue reminders pause while an item awaits verification or has an open extension request,
and whoever would have received them is told so, once per pause."""

import datetime

import time_machine
from pytest_django import DjangoCaptureOnCommitCallbacks

from agencies.models import User
from notifications import planning
from notifications import planning as services
from notifications.models import Notification, NotificationKind, NotificationPreference
from recommendations.accountability import services as accountability
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


# The notice to the workers that their overdue reminders are paused ---------------------------

PAUSED = NotificationKind.OVERDUE_PAUSED


def scan_on(day: str) -> None:
    with time_machine.travel(at(day, 8), tick=False):
        planning.reminders_scan()


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_related("recommendation", "owner_agency").get(pk=item.pk)


def submit(item: ActionItem, who: User, day: str) -> Submission:
    return accountability.submission_create(
        item=fresh(item),
        actor=who,
        expected_version=fresh(item).version,
        note="Done.",
        links=["https://example.ca/report"],
        at=at(day, 9),
        notify=False,
    )


def request_extension(item: ActionItem, who: User, day: str, days: int = 30) -> ExtensionRequest:
    current = fresh(item)
    return accountability.extension_request_create(
        item=current,
        actor=who,
        proposed_due_date=current.due_date + datetime.timedelta(days=days),
        reason="Partners are late.",
        at=at(day, 9),
        notify=False,
    )


def return_submission(item: ActionItem, who: User, day: str | None = None) -> Submission:
    return accountability.verification_decide(
        item=fresh(item),
        actor=who,
        expected_version=fresh(item).version,
        decision=accountability.RETURN,
        reason="The annex is missing.",
        at=at(day, 9) if day else None,
        notify=False,
    )


def paused_notices(item: ActionItem) -> list[tuple[int, str]]:
    return sorted(
        Notification.objects.filter(action_item=item, kind=PAUSED).values_list(
            "recipient_id", "period"
        )
    )


def test_the_assignee_is_told_once_that_overdue_reminders_pause_while_the_item_awaits_verification(
    world: World,
) -> None:
    item = world.item(due="2026-04-01", assignee=world.alice)
    submission = submit(item, world.alice, "2026-03-30")  # on time; the verifier is slow
    scan_on("2026-04-01")  # due today: not overdue yet, nothing is paused
    assert paused_notices(item) == []
    scan_on("2026-04-02")  # the day the first overdue reminder would have gone
    assert paused_notices(item) == [(world.alice.pk, f"submission:{submission.pk}")]
    for day in ("2026-04-03", "2026-04-09", "2026-04-16"):  # not again: one notice per pause
        scan_on(day)
    assert paused_notices(item) == [(world.alice.pk, f"submission:{submission.pk}")]
    assert not _kinds_for(item) & {"overdue", "escalation"}


def test_an_unassigned_items_notice_goes_to_whoever_would_get_its_overdue_reminder(
    world: World,
) -> None:
    paused = world.item(due="2026-04-01")
    request_extension(paused, world.manager, "2026-03-25")
    control = world.item(due="2026-04-01")
    scan_on("2026-04-02")
    overdue_audience = set(
        Notification.objects.filter(action_item=control, kind="overdue").values_list(
            "recipient_id", flat=True
        )
    )
    assert overdue_audience == {world.alice.pk, world.bob.pk}
    assert {recipient for recipient, _period in paused_notices(paused)} == overdue_audience


def test_someone_who_turned_overdue_reminders_off_is_not_told_they_are_paused(
    world: World,
) -> None:
    NotificationPreference.objects.create(user=world.alice, overdue=False)
    item = world.item(due="2026-04-01", assignee=world.alice)
    request_extension(item, world.alice, "2026-03-25")
    scan_on("2026-04-02")
    assert paused_notices(item) == []


def test_no_notice_for_an_item_that_is_not_overdue_or_not_paused(world: World) -> None:
    not_due_yet = world.item(due="2026-04-30", assignee=world.alice)
    request_extension(not_due_yet, world.alice, "2026-03-25")
    submitted_early = world.item(due="2026-04-30", assignee=world.bob)
    submit(submitted_early, world.bob, "2026-03-25")
    overdue_not_paused = world.item(due="2026-04-01", assignee=world.alice)
    scan_on("2026-04-02")
    assert Notification.objects.filter(kind=PAUSED).count() == 0
    assert _kinds_for(overdue_not_paused) == {"overdue"}


def test_a_submission_made_after_the_due_date_is_itself_an_update_so_nothing_is_paused(
    world: World,
) -> None:
    # An update recorded after the due date stops the overdue reminders (rules.overdue_occurrence),
    # and a submission is one: there is no reminder to hold back, so no notice either.
    item = world.item(due="2026-04-01", assignee=world.alice)
    submit(item, world.alice, "2026-04-03")
    scan_on("2026-04-04")
    assert paused_notices(item) == []


def test_a_new_pause_after_a_return_or_a_rejection_gets_a_new_notice(world: World) -> None:
    item = world.item(due="2026-04-01", assignee=world.alice)
    submission = submit(item, world.alice, "2026-03-30")
    scan_on("2026-04-02")
    return_submission(item, world.coordinator, "2026-04-03")
    scan_on("2026-04-03")  # returned: the overdue reminders resume
    assert "overdue" in _kinds_for(item)
    first_request = request_extension(item, world.alice, "2026-04-04")
    scan_on("2026-04-05")
    accountability.extension_request_decide(
        request=first_request,
        actor=world.coordinator,
        decision=accountability.REJECT,
        reason="The minister wants it now.",
        at=at("2026-04-06", 9),
        notify=False,
    )
    second_request = request_extension(item, world.alice, "2026-04-07", days=10)
    scan_on("2026-04-08")
    scan_on("2026-04-09")
    assert paused_notices(item) == [
        (world.alice.pk, f"extension:{first_request.pk}"),
        (world.alice.pk, f"extension:{second_request.pk}"),
        (world.alice.pk, f"submission:{submission.pk}"),
    ]


def test_a_dry_run_lists_the_notice_and_writes_nothing(world: World) -> None:
    item = world.item(due="2026-04-01", assignee=world.alice)
    request_extension(item, world.alice, "2026-03-25")
    with time_machine.travel(at("2026-04-02", 8), tick=False):
        result = planning.reminders_scan(dry_run=True)
    assert [(p.recipient_id, p.kind) for p in result.planned if p.action_item_id == item.pk] == [
        (world.alice.pk, PAUSED)
    ]
    assert paused_notices(item) == []
