"""The batch progress update (``action_items_change_many``, the bulk upload's) is one change
at a time, only cheaper: the same timeline rows, the same item rows, the same refusals, the same
conflicts, even against a concurrent writer on PostgreSQL."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction

from agencies.models import User
from recommendations import services
from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.conftest import RoleMatrix, require_server
from tests.factories import ActionItemFactory

# What a timeline entry and an item say, beyond their ids.
UPDATE_FIELDS = (
    "author_id", "created_at", "status_before", "status_after", "percent_before",
    "percent_after", "due_date_before", "due_date_after", "assignee_before_id",
    "assignee_after_id", "note", "submission_token",
)  # fmt: skip
ITEM_FIELDS = (
    "status", "percent_complete", "due_date", "assignee_id", "version", "last_progress_at",
    "completed_at", "updated_at", "born_at",
)  # fmt: skip


def _twins(roles: RoleMatrix, count: int, **kwargs: Any) -> list[ActionItem]:
    return [
        ActionItemFactory.create(
            recommendation=roles.item.recommendation, owner_agency=roles.owner, **kwargs
        )
        for _ in range(count)
    ]


def _one_at_a_time(item: ActionItem, actor: User, **change: Any) -> None:
    services.action_item_change(
        item=item, actor=actor, expected_version=item.version, notify=False, **change
    )


def _in_a_batch(
    items: list[ActionItem], actor: User, changes: list[dict[str, Any]]
) -> services.ActionItemsChange:
    return services.action_items_change_many(
        requests=[
            services.ActionItemChangeRequest(
                item_id=item.pk, expected_version=item.version, **change
            )
            for item, change in zip(items, changes, strict=True)
        ],
        actor=actor,
        notify=False,
    )


def _trace(item: ActionItem) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    row = ActionItem.objects.values_list(*ITEM_FIELDS).get(pk=item.pk)
    updates = list(
        ProgressUpdate.objects.filter(action_item=item).order_by("id").values_list(*UPDATE_FIELDS)
    )
    return row, updates


CHANGES: list[dict[str, Any]] = [
    {"percent_complete": 40, "note": "Survey under way"},
    {"status": Status.IN_PROGRESS},
    {"status": Status.BLOCKED, "percent_complete": 10, "note": "  Waiting on legal  "},
    {"note": "A note alone"},
    {"status": Status.CANCELLED, "note": "Superseded by the new plan"},
]


@time_machine.travel("2026-06-01 14:00 -0400", tick=False)
def test_the_batch_writes_the_same_items_and_timeline_as_one_change_at_a_time(
    roles: RoleMatrix,
) -> None:
    singles = _twins(roles, len(CHANGES))
    batched = _twins(roles, len(CHANGES))
    for item, change in zip(singles, CHANGES, strict=True):
        _one_at_a_time(item, roles.manager, **change)

    result = _in_a_batch(batched, roles.manager, CHANGES)

    assert set(result.applied) == {item.pk for item in batched}
    assert (result.conflicts, result.refused, result.missing) == ({}, {}, set())
    for single, twin in zip(singles, batched, strict=True):
        assert _trace(single) == _trace(twin)
        # The returned item is the row as written, without reading it again.
        applied = result.applied[twin.pk].item
        assert tuple(getattr(applied, name) for name in ITEM_FIELDS) == _trace(twin)[0]
    assert [result.applied[item.pk].changed_fields for item in batched] == [
        frozenset({"percent_complete", "note"}),
        frozenset({"status"}),
        frozenset({"status", "percent_complete", "note"}),
        frozenset({"note"}),
        frozenset({"status", "note"}),
    ]


def _refusal(error: ValidationError | PermissionDenied) -> tuple[str, Any]:
    if isinstance(error, ValidationError):
        return ("invalid", error.message_dict if hasattr(error, "error_dict") else error.messages)
    return ("forbidden", str(error))


def _closed(roles: RoleMatrix) -> ActionItem:
    [item] = _twins(roles, 1)
    services.action_item_change(
        item=item,
        actor=roles.manager,
        expected_version=item.version,
        status=Status.CANCELLED,
        note="Dropped",
    )
    item.refresh_from_db()
    return item


REFUSALS: list[tuple[str, str, dict[str, Any], Callable[[RoleMatrix], ActionItem] | None]] = [
    ("a percent out of range", "staff", {"percent_complete": 150}, None),
    ("no such status", "staff", {"status": "done-ish"}, None),
    ("completing is a submission", "staff", {"status": Status.COMPLETED, "note": "Done"}, None),
    ("staff may not cancel", "staff", {"status": Status.CANCELLED, "note": "No"}, None),
    ("cancelling needs a reason", "manager", {"status": Status.CANCELLED}, None),
    ("a supporter changes no percent", "supporting_staff", {"percent_complete": 5}, None),
    ("an outsider writes no note", "outsider", {"note": "Hello"}, None),
    ("nothing to record", "staff", {"percent_complete": 0}, None),
    ("a closed item's percent", "manager", {"percent_complete": 30}, _closed),
]


@pytest.mark.parametrize(
    ("actor", "change", "make_item"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_the_batch_refuses_what_one_change_refuses_with_the_same_reason(
    roles: RoleMatrix,
    actor: str,
    change: dict[str, Any],
    make_item: Callable[[RoleMatrix], ActionItem] | None,
) -> None:
    item = make_item(roles) if make_item else roles.item
    before = _trace(item)
    with pytest.raises((ValidationError, PermissionDenied)) as single:
        _one_at_a_time(item, roles.by_name(actor), **change)

    result = _in_a_batch([item], roles.by_name(actor), [change])

    assert list(result.refused) == [item.pk]
    assert isinstance(single.value, (ValidationError, PermissionDenied))
    assert _refusal(result.refused[item.pk]) == _refusal(single.value)
    assert _trace(item) == before  # neither wrote anything


def test_a_refused_or_stale_row_does_not_stop_the_others(roles: RoleMatrix) -> None:
    fine, stale, refused = _twins(roles, 3)
    services.action_item_change(
        item=stale, actor=roles.manager, expected_version=stale.version, percent_complete=20
    )
    result = services.action_items_change_many(
        requests=[
            services.ActionItemChangeRequest(
                item_id=fine.pk, expected_version=fine.version, percent_complete=50
            ),
            services.ActionItemChangeRequest(
                item_id=stale.pk, expected_version=stale.version - 1, percent_complete=70
            ),
            services.ActionItemChangeRequest(
                item_id=refused.pk, expected_version=refused.version, percent_complete=101
            ),
            services.ActionItemChangeRequest(item_id=0, expected_version=1, note="Gone"),
        ],
        actor=roles.staff,
    )
    assert list(result.applied) == [fine.pk]
    assert result.conflicts[stale.pk].percent_complete == 20  # the item as it is now
    assert list(result.refused) == [refused.pk]
    assert result.missing == {0}
    assert ActionItem.objects.get(pk=stale.pk).percent_complete == 20
    assert ActionItem.objects.get(pk=refused.pk).version == refused.version


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_committed_while_the_batch_waits_is_a_conflict_on_postgresql(
    roles: RoleMatrix,
) -> None:
    """A web edit holds the item's row (its transaction is open) when the batch starts: the
    batch waits for it, then finds the new version and reports a conflict; it overwrites
    nothing, and applies the other rows."""
    require_server("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL=postgres://...")
    [other] = _twins(roles, 1)
    item = roles.item
    edited, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def web_edit() -> None:
        try:
            with transaction.atomic():
                services.action_item_change(
                    item=ActionItem.objects.get(pk=item.pk),
                    actor=roles.manager,
                    expected_version=item.version,
                    percent_complete=20,
                    note="Saved on the item's page",
                )
                edited.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def batch() -> None:
        try:
            outcome["result"] = _in_a_batch(
                [item, other], roles.staff, [{"percent_complete": 70}, {"percent_complete": 70}]
            )
        finally:
            connections.close_all()

    writer = threading.Thread(target=web_edit)
    writer.start()
    assert edited.wait(timeout=30)
    importer = threading.Thread(target=batch)
    importer.start()
    # The batch is waiting for the web edit's row lock (asked of PostgreSQL, not timed).
    with connection.cursor() as cursor:
        for _attempt in range(3000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                ['SELECT "recommendations_actionitem"."id"%'],
            )
            row = cursor.fetchone()
            if row and row[0]:
                break
            threading.Event().wait(0.01)
        else:
            raise AssertionError("the batch never waited for the row")
    release.set()
    writer.join(timeout=30)
    importer.join(timeout=30)

    result = outcome["result"]
    assert list(result.conflicts) == [item.pk]
    assert result.conflicts[item.pk].percent_complete == 20
    assert list(result.applied) == [other.pk]
    item.refresh_from_db()
    assert (item.percent_complete, item.version) == (20, 2)
    assert list(item.updates.values_list("note", flat=True)) == ["Saved on the item's page"]
    assert ActionItem.objects.get(pk=other.pk).percent_complete == 70
