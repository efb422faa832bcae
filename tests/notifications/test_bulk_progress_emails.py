"""The emails of a batch of progress updates (the bulk upload's ``action_items_change_many``),
over a real SMTP server: the same emails as the same changes made one at a time, grouped, so
each person gets one email for the batch, not one per row."""

import email.message
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks

from notifications.models import Notification, Watch
from recommendations import services
from recommendations.models import ActionItem, Status
from tests.notifications.conftest import World
from tests.notifications.test_accountability_emails import subject_of, text_of
from tests.notifications.test_smtp_replies import Server, smtp  # noqa: F401 - the SMTP fixture


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    # Both runs of a comparison happen at the same moment, as the emails say when.
    with time_machine.travel("2026-04-02 10:00 -0400", tick=False):
        yield


def _received(server: Server) -> list[tuple[str, str, str]]:
    messages: list[email.message.Message] = list(server.accepted)
    server.accepted.clear()
    return sorted((str(m["To"]), subject_of(m), text_of(m)) for m in messages)


def _request(item: ActionItem, **change: Any) -> services.ActionItemChangeRequest:
    return services.ActionItemChangeRequest(
        item_id=item.pk, expected_version=item.version, **change
    )


def test_a_batch_of_one_sends_exactly_the_emails_of_one_change(
    world: World,
    smtp: Server,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    Watch.objects.create(user=world.manager, action_item=item)
    change: dict[str, Any] = {"status": Status.BLOCKED, "note": "Waiting on legal."}

    before = transaction.savepoint()
    with django_capture_on_commit_callbacks(execute=True):
        services.action_item_change(
            item=item, actor=world.bob, expected_version=item.version, **change
        )
    one_change = _received(smtp)
    transaction.savepoint_rollback(before)
    item.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.action_items_change_many(requests=[_request(item, **change)], actor=world.bob)
    batch = _received(smtp)

    assert [to for to, _subject, _text in one_change] == [
        "alice@example.gc.ca",
        "manager@example.gc.ca",
    ]
    assert batch == one_change


@pytest.mark.parametrize("rows", [2, 6])
def test_a_batch_sends_each_person_one_email_listing_its_rows_as_the_changes_one_by_one_do(
    world: World,
    smtp: Server,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    rows: int,
) -> None:
    """The single changes of one request (one transaction) are grouped per recipient; the
    batch's, made of the same changes, give the same emails."""
    items = [world.item(due="2026-04-20", assignee=world.alice) for _ in range(rows)]
    for item in items:
        Watch.objects.create(user=world.manager, action_item=item)

    def notifications() -> list[tuple[int, int, str]]:
        return sorted(Notification.objects.values_list("action_item_id", "recipient_id", "kind"))

    before = transaction.savepoint()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for item in items:
            services.action_item_change(
                item=item,
                actor=world.bob,
                expected_version=item.version,
                status=Status.IN_PROGRESS,
            )
    one_by_one, one_by_one_rows = _received(smtp), notifications()
    transaction.savepoint_rollback(before)
    for item in items:
        item.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.action_items_change_many(
            requests=[_request(item, status=Status.IN_PROGRESS) for item in items],
            actor=world.bob,
        )
    batch = _received(smtp)

    assert [to for to, _subject, _text in batch] == ["alice@example.gc.ca", "manager@example.gc.ca"]
    for _to, _subject, text in batch:
        assert all(item.reference in text for item in items)
    assert batch == one_by_one
    assert notifications() == one_by_one_rows
    assert len(one_by_one_rows) == 2 * rows
