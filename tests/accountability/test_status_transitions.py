"""The transition table (recommendations.policies.STATUS_TRANSITIONS) holds on every path."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from recommendations.models import ActionItem, ProgressUpdate, Status
from recommendations.policies import STATUS_TRANSITIONS, Via
from recommendations.services import action_item_change
from tests.api.conftest import ClientFor, item_url
from tests.conftest import RoleMatrix

ALL_PAIRS = [pair for pair in itertools.permutations(Status.values, 2)]
FORBIDDEN_BY_A_CHANGE = [
    pair
    for pair in ALL_PAIRS
    if pair not in STATUS_TRANSITIONS or STATUS_TRANSITIONS[pair].via != Via.CHANGE
]


def _at(item: ActionItem, status: str) -> ActionItem:
    percent = 100 if status == Status.COMPLETED else 40
    ActionItem.objects.filter(pk=item.pk).update(status=status, percent_complete=percent)
    item.refresh_from_db()
    return item


@pytest.mark.parametrize(("before", "after"), FORBIDDEN_BY_A_CHANGE)
def test_a_progress_update_cannot_make_a_forbidden_transition(
    roles: RoleMatrix, before: str, after: str
) -> None:
    item = _at(roles.item, before)
    with pytest.raises(ValidationError) as raised:
        action_item_change(
            item=item,
            actor=roles.coordinator,
            expected_version=item.version,
            status=after,
            note="Because.",
        )
    assert "status" in raised.value.message_dict
    item.refresh_from_db()
    assert (item.status, item.version) == (before, 1)
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(("before", "after"), FORBIDDEN_BY_A_CHANGE)
def test_the_api_refuses_a_forbidden_transition_with_400_and_writes_nothing(
    roles: RoleMatrix, client_for: ClientFor, before: str, after: str
) -> None:
    item = _at(roles.item, before)
    response = client_for(roles.coordinator).patch(
        item_url(item.pk),
        {"status": after, "note": "Because."},
        format="json",
        HTTP_IF_MATCH=item.etag,
    )
    assert response.status_code == 400
    assert response.json()["status"]
    item.refresh_from_db()
    assert (item.status, item.version) == (before, 1)


@pytest.mark.parametrize("before", [Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED])
def test_staff_cannot_cancel_but_their_manager_can_with_a_reason(
    roles: RoleMatrix, before: str
) -> None:
    item = _at(roles.item, before)
    with pytest.raises(PermissionDenied, match="cancel or reopen"):
        action_item_change(
            item=item, actor=roles.staff, expected_version=1, status=Status.CANCELLED, note="x"
        )
    with pytest.raises(ValidationError, match="needs a reason"):
        action_item_change(
            item=item, actor=roles.manager, expected_version=1, status=Status.CANCELLED
        )
    change = action_item_change(
        item=item,
        actor=roles.manager,
        expected_version=1,
        status=Status.CANCELLED,
        note="Superseded by the 2024 plan.",
    )
    assert change.item.status == Status.CANCELLED
    assert change.update.note == "Superseded by the 2024 plan."


def test_reopening_a_completed_item_is_a_managers_decision_with_a_reason(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    item = _at(roles.item, Status.COMPLETED)
    staff = client_for(roles.staff).patch(
        item_url(item.pk),
        {"status": "in_progress", "note": "Again"},
        format="json",
        HTTP_IF_MATCH=item.etag,
    )
    assert staff.status_code == 403
    without_reason = client_for(roles.manager).patch(
        item_url(item.pk), {"status": "in_progress"}, format="json", HTTP_IF_MATCH=item.etag
    )
    assert without_reason.status_code == 400
    assert "note" in without_reason.json()
    reopened = client_for(roles.manager).patch(
        item_url(item.pk),
        {"status": "in_progress", "note": "The audit found a gap."},
        format="json",
        HTTP_IF_MATCH=item.etag,
    )
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "in_progress"
    assert reopened.json()["percent_complete"] == 100


def test_every_transition_in_the_table_names_a_rule_and_a_path() -> None:
    for (before, after), rule in STATUS_TRANSITIONS.items():
        assert before in Status.values
        assert after in Status.values
        assert before != after
        assert rule.via in {Via.CHANGE, Via.SUBMISSION, Via.VERIFICATION}
    # Nothing leads to completed but a verifier's decision.
    assert {
        rule.via for (_b, after), rule in STATUS_TRANSITIONS.items() if after == "completed"
    } == {Via.VERIFICATION}
