import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from pytest_django import DjangoCaptureOnCommitCallbacks

from recommendations.models import ActionItem, ProgressUpdate, Status
from recommendations.services import ActionItemConflict, action_item_change
from recommendations.signals import action_item_changed
from tests.conftest import RoleMatrix

pytestmark = pytest.mark.django_db


def test_status_change_writes_state_and_one_progress_update(roles: RoleMatrix) -> None:
    item = roles.item
    change = action_item_change(
        item=item,
        actor=roles.staff,
        expected_version=item.version,
        status=Status.IN_PROGRESS,
        percent_complete=40,
        note="Started",
    )
    item.refresh_from_db()
    assert (item.status, item.percent_complete, item.version) == (Status.IN_PROGRESS, 40, 2)
    update = ProgressUpdate.objects.get(action_item=item)
    assert update == change.update
    assert (update.status_before, update.status_after) == (Status.NOT_STARTED, Status.IN_PROGRESS)
    assert (update.percent_before, update.percent_after, update.note) == (0, 40, "Started")
    assert update.author == roles.staff
    assert change.changed_fields == {"status", "percent_complete", "note"}


@pytest.mark.parametrize("actor", ["staff", "manager", "coordinator"])
def test_nobody_completes_an_item_directly_only_by_verification(
    roles: RoleMatrix, actor: str
) -> None:
    # In English whatever language a test before this one left active.
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        action_item_change(
            item=roles.item,
            actor=roles.by_name(actor),
            expected_version=1,
            status=Status.COMPLETED,
        )
    assert "submit it for verification" in str(raised.value)
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.version) == (Status.NOT_STARTED, 1)


def test_stale_version_is_refused_and_nothing_is_written(roles: RoleMatrix) -> None:
    item = roles.item
    action_item_change(item=item, actor=roles.staff, expected_version=1, percent_complete=10)
    stale_copy = ActionItem.objects.get(pk=item.pk)
    stale_copy.version = 1  # what the second person opened
    with pytest.raises(ActionItemConflict) as raised:
        action_item_change(
            item=stale_copy, actor=roles.manager, expected_version=1, percent_complete=90
        )
    assert raised.value.current.percent_complete == 10
    item.refresh_from_db()
    assert (item.percent_complete, item.version) == (10, 2)
    assert ProgressUpdate.objects.filter(action_item=item).count() == 1


def test_staff_cannot_update_another_agencys_item(roles: RoleMatrix) -> None:
    with pytest.raises(PermissionDenied):
        action_item_change(
            item=roles.item,
            actor=roles.unrelated_staff,
            expected_version=1,
            status=Status.IN_PROGRESS,
        )
    assert not ProgressUpdate.objects.exists()


def test_supporting_agency_may_add_a_note_but_not_change_status(roles: RoleMatrix) -> None:
    change = action_item_change(
        item=roles.item,
        actor=roles.supporting_staff,
        expected_version=None,
        note="We can share our seizure data.",
    )
    assert change.changed_fields == {"note"}
    with pytest.raises(PermissionDenied):
        action_item_change(
            item=change.item,
            actor=roles.supporting_staff,
            expected_version=change.item.version,
            status=Status.BLOCKED,
        )


def test_staff_cannot_reassign_or_redate_managers_assign_and_coordinators_redate(
    roles: RoleMatrix,
) -> None:
    with pytest.raises(PermissionDenied):
        action_item_change(
            item=roles.item, actor=roles.staff, expected_version=1, assignee=roles.staff
        )
    old_due = roles.item.due_date
    new_due = old_due + datetime.timedelta(days=30)
    with translation.override("en"), pytest.raises(PermissionDenied, match="request an extension"):
        action_item_change(
            item=roles.item, actor=roles.manager, expected_version=1, due_date=new_due, note="x"
        )
    action_item_change(
        item=roles.item, actor=roles.manager, expected_version=1, assignee=roles.staff
    )
    change = action_item_change(
        item=roles.item,
        actor=roles.coordinator,
        expected_version=2,
        due_date=new_due,
        note="Consultation",
    )
    assert change.item.assignee == roles.staff
    assert change.item.due_date == new_due
    assert change.item.original_due_date == old_due
    assert change.update.due_date_before == old_due
    assert change.update.assignee_after == roles.staff


def test_assignee_must_belong_to_owner_agency(roles: RoleMatrix) -> None:
    with pytest.raises(ValidationError) as raised:
        action_item_change(
            item=roles.item, actor=roles.manager, expected_version=1, assignee=roles.unrelated_staff
        )
    assert "assignee" in raised.value.message_dict


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "done"),
        ("percent_complete", 101),
        ("percent_complete", -1),
        ("percent_complete", "50"),
        ("due_date", "2027-01-01"),
        ("note", "x" * 4001),
    ],
)
def test_invalid_values_get_a_message_for_their_field(
    roles: RoleMatrix,
    field: str,
    value: Any,  # of the wrong type too: what an untyped caller may pass
) -> None:
    with pytest.raises(ValidationError) as raised:
        action_item_change(
            item=roles.item, actor=roles.coordinator, expected_version=1, **{field: value}
        )
    assert field in raised.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_a_change_that_changes_nothing_is_refused(roles: RoleMatrix) -> None:
    with pytest.raises(ValidationError):
        action_item_change(
            item=roles.item, actor=roles.staff, expected_version=1, status=roles.item.status
        )


def test_signal_is_sent_after_commit_only(
    roles: RoleMatrix, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    received: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs)

    action_item_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            action_item_change(
                item=roles.item, actor=roles.staff, expected_version=1, status=Status.BLOCKED
            )
            assert received == []
    finally:
        action_item_changed.disconnect(receiver)
    assert received[0]["action_item_id"] == roles.item.pk
    assert received[0]["changed_fields"] == {"status"}


def test_database_refuses_percent_out_of_range_and_unknown_status(roles: RoleMatrix) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=roles.item.pk).update(percent_complete=150)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=roles.item.pk).update(status="done")


def test_progress_updates_are_immutable(roles: RoleMatrix) -> None:
    change = action_item_change(
        item=roles.item, actor=roles.staff, expected_version=1, note="first"
    )
    change.update.note = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        change.update.save()
