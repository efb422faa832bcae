"""A change through the API leaves the same trace and sends the same signal as the same change
made through the service the web pages call."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from recommendations.models import ActionItem, ProgressUpdate
from recommendations.services import action_item_change
from recommendations.signals import action_item_changed
from tests.api.conftest import ClientFor, item_url, updates_url
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

TRACE = [
    "author_id",
    "status_before",
    "status_after",
    "percent_before",
    "percent_after",
    "due_date_before",
    "due_date_after",
    "assignee_before_id",
    "assignee_after_id",
    "note",
]


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    signals: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        signals.append(kwargs)

    action_item_changed.connect(receiver)
    yield signals
    action_item_changed.disconnect(receiver)


def twin(item: ActionItem) -> ActionItem:
    return ActionItemFactory.create(
        recommendation=item.recommendation, owner_agency=item.owner_agency, due_date=item.due_date
    )


def comparable(signal: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in signal.items()
        if k not in {"action_item_id", "progress_update_id", "signal"}
    }


def test_a_patch_leaves_the_same_update_and_signal_as_the_service(
    roles: RoleMatrix,
    client_for: ClientFor,
    received: list[dict[str, Any]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    by_api, by_ui = roles.item, twin(roles.item)
    new_due = by_api.due_date + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(roles.coordinator).patch(
            item_url(by_api.pk),
            {
                "status": "in_progress",
                "percent_complete": 25,
                "due_date": new_due.isoformat(),
                "assignee": "staff",
                "note": "Kick-off",
            },
            format="json",
            HTTP_IF_MATCH=by_api.etag,
        )
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        action_item_change(
            item=by_ui,
            actor=roles.coordinator,
            expected_version=by_ui.version,
            status="in_progress",
            percent_complete=25,
            due_date=new_due,
            assignee=roles.staff,
            note="Kick-off",
        )
    api_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_api)
    ui_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_ui)
    assert api_update == ui_update
    assert len(received) == 2
    assert received[0]["action_item_id"] == by_api.pk
    assert comparable(received[0]) == comparable(received[1])
    assert received[0]["changed_fields"] == {
        "status",
        "percent_complete",
        "due_date",
        "assignee",
        "note",
    }


def test_a_note_from_a_supporting_agency_is_signalled_like_the_ui(
    roles: RoleMatrix,
    client_for: ClientFor,
    received: list[dict[str, Any]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(roles.supporting_staff).post(
            updates_url(roles.item.pk), {"note": "Seizure data shared."}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["note"] == "Seizure data shared."
    assert [signal["changed_fields"] for signal in received] == [{"note"}]
    assert received[0]["actor_id"] == roles.supporting_staff.pk


def test_a_refused_write_sends_nothing(
    roles: RoleMatrix,
    client_for: ClientFor,
    received: list[dict[str, Any]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(roles.unrelated_staff).patch(
            item_url(roles.item.pk),
            {"status": "blocked"},
            format="json",
            HTTP_IF_MATCH=roles.item.etag,
        )
        client_for(roles.staff).patch(
            item_url(roles.item.pk), {"status": "blocked"}, format="json", HTTP_IF_MATCH='"0-0"'
        )
    assert received == []
