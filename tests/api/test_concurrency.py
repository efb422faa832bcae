"""ETags, If-Match, 412 and 428: two people changing one item never overwrite each other."""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.request import Request
from rest_framework.test import APIClient

from recommendations import services
from recommendations.api import views
from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.api.conftest import ClientFor, item_url, updates_url
from tests.conftest import RoleMatrix, require_server


@pytest.mark.django_db
def test_every_action_item_response_carries_its_etag(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    client = client_for(roles.staff)
    detail = client.get(item_url(roles.item.pk))
    assert detail.headers["ETag"] == f'"{roles.item.pk}-1"' == detail.json()["etag"]
    listed = client.get("/api/v1/action-items/").json()["results"][0]
    assert listed["etag"] == detail.headers["ETag"]
    changed = client.patch(
        item_url(roles.item.pk),
        {"percent_complete": 5},
        format="json",
        HTTP_IF_MATCH=listed["etag"],
    )
    assert changed.headers["ETag"] == f'"{roles.item.pk}-2"' == changed.json()["etag"]
    noted = client.post(updates_url(roles.item.pk), {"note": "ok"}, format="json")
    assert noted.headers["ETag"] == f'"{roles.item.pk}-3"'


@pytest.mark.django_db
def test_a_write_without_if_match_gets_428_and_writes_nothing(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk), {"status": "in_progress"}, format="json"
    )
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.version) == (Status.NOT_STARTED, 1)
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
def test_a_status_update_without_if_match_gets_428_but_a_note_does_not(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    client = client_for(roles.staff)
    refused = client.post(updates_url(roles.item.pk), {"percent_complete": 20}, format="json")
    assert refused.status_code == 428
    noted = client.post(updates_url(roles.item.pk), {"note": "Met with CBSA."}, format="json")
    assert noted.status_code == 201


@pytest.mark.django_db
def test_if_match_star_is_not_accepted(roles: RoleMatrix, client_for: ClientFor) -> None:
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk), {"status": "blocked"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 428


@pytest.mark.django_db
@pytest.mark.parametrize("header", ['W/"{pk}-1"', '"{pk}-0"', '"999-1"', "garbage"])
def test_an_if_match_that_is_not_the_current_etag_gets_412(
    roles: RoleMatrix, client_for: ClientFor, header: str
) -> None:
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk),
        {"status": "blocked"},
        format="json",
        HTTP_IF_MATCH=header.format(pk=roles.item.pk),
    )
    assert response.status_code == 412
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
def test_unquoted_or_listed_etags_match(roles: RoleMatrix, client_for: ClientFor) -> None:
    client = client_for(roles.staff)
    first = client.patch(
        item_url(roles.item.pk),
        {"percent_complete": 10},
        format="json",
        HTTP_IF_MATCH=f"{roles.item.pk}-1",
    )
    assert first.status_code == 200
    second = client.patch(
        item_url(roles.item.pk),
        {"percent_complete": 20},
        format="json",
        HTTP_IF_MATCH=f'"{roles.item.pk}-1", "{roles.item.pk}-2"',
    )
    assert second.status_code == 200


@pytest.mark.django_db
def test_second_writer_with_a_stale_etag_gets_412_with_the_current_item(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    alice, bob = client_for(roles.staff), client_for(roles.manager)
    etag = alice.get(item_url(roles.item.pk)).headers["ETag"]
    assert bob.get(item_url(roles.item.pk)).headers["ETag"] == etag

    won = alice.patch(
        item_url(roles.item.pk),
        {"status": "in_progress", "percent_complete": 40},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    lost = bob.patch(
        item_url(roles.item.pk),
        {"status": "blocked", "note": "Stuck"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert won.status_code == 200
    assert lost.status_code == 412
    body = lost.json()
    assert "changed" in body["detail"]
    assert body["current"]["status"] == "in_progress"
    assert body["current"]["percent_complete"] == 40
    assert body["current"]["etag"] == lost.headers["ETag"] == won.headers["ETag"]
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.version) == (Status.IN_PROGRESS, 2)
    assert ProgressUpdate.objects.count() == 1

    retried = bob.patch(
        item_url(roles.item.pk),
        {"status": "blocked"},
        format="json",
        HTTP_IF_MATCH=lost.headers["ETag"],
    )
    assert retried.status_code == 200


@pytest.mark.django_db
def test_a_write_that_lands_between_the_check_and_the_update_still_gets_412(
    roles: RoleMatrix, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early If-Match check is a courtesy; the conditional UPDATE is what holds."""
    real_check = views.if_match_version

    def check_then_someone_else_writes(
        request: Request, item: ActionItem, *, required: bool
    ) -> int | None:
        version = real_check(request, item, required=required)
        other = ActionItem.objects.get(pk=item.pk)
        services.action_item_change(
            item=other, actor=roles.manager, expected_version=version, percent_complete=75
        )
        return version

    monkeypatch.setattr(views, "if_match_version", check_then_someone_else_writes)
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk),
        {"percent_complete": 10},
        format="json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 412
    assert response.json()["current"]["percent_complete"] == 75
    roles.item.refresh_from_db()
    assert (roles.item.percent_complete, roles.item.version) == (75, 2)
    assert ProgressUpdate.objects.count() == 1


@pytest.mark.django_db
def test_a_write_updates_only_the_fields_it_changes(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client_for(roles.staff).patch(
            item_url(roles.item.pk),
            {"percent_complete": 15},
            format="json",
            HTTP_IF_MATCH=roles.item.etag,
        )
    assert response.status_code == 200
    updates = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "recommendations_actionitem"')
    ]
    assert len(updates) == 1
    set_clause = updates[0].split(" SET ")[1].split(" WHERE ")[0]
    assigned = {part.split(" = ")[0].strip().strip('"') for part in set_clause.split(", ")}
    assert assigned == {"percent_complete", "version", "updated_at", "last_progress_at"}
    assert '"version" = ' in updates[0].split(" WHERE ")[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_racing_on_postgresql_only_one_wins(
    roles: RoleMatrix, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writers pass the early If-Match check with the same version, then reach the
    conditional UPDATE together: PostgreSQL lets exactly one of them change the row."""
    require_server("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL=postgres://...")
    from agencies.services import api_token_create

    tokens = {
        user.username: api_token_create(user=user)[1] for user in (roles.staff, roles.manager)
    }
    etag = roles.item.etag
    both_checked = threading.Barrier(2, timeout=10)
    real_change = services.action_item_change

    def change_after_both_checked(**kwargs: Any) -> services.ActionItemChange:
        both_checked.wait()
        return real_change(**kwargs)

    monkeypatch.setattr(services, "action_item_change", change_after_both_checked)
    results: dict[str, int] = {}

    def write(username: str, percent: int) -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[username]}")
            response = client.patch(
                item_url(roles.item.pk),
                {"percent_complete": percent},
                format="json",
                HTTP_IF_MATCH=etag,
            )
            results[username] = response.status_code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=write, args=("staff", 30)),
        threading.Thread(target=write, args=("manager", 60)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values()) == [200, 412]
    winner = next(name for name, code in results.items() if code == 200)
    item = ActionItem.objects.get(pk=roles.item.pk)
    assert item.version == 2
    assert item.percent_complete == {"staff": 30, "manager": 60}[winner]
    assert ProgressUpdate.objects.filter(action_item=item).count() == 1


def test_a_patch_equal_to_the_current_values_answers_200_unchanged_and_writes_nothing(
    roles: RoleMatrix,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    item = roles.item
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(roles.coordinator).patch(
            f"/api/v1/action-items/{item.pk}/",
            {"status": item.status, "due_date": item.due_date.isoformat()},
            format="json",
            HTTP_IF_MATCH=item.etag,
        )
    assert response.status_code == 200, response.content
    assert response.headers["ETag"] == item.etag
    assert response.json()["status"] == item.status
    assert ActionItem.objects.get(pk=item.pk).version == item.version
    assert not ProgressUpdate.objects.filter(action_item=item).exists()
    assert callbacks == []


def test_a_patch_equal_to_the_current_values_still_needs_a_current_etag(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    item = roles.item
    body = {"status": item.status}
    url = f"/api/v1/action-items/{item.pk}/"
    assert client_for(roles.manager).patch(url, body, format="json").status_code == 428
    stale = client_for(roles.manager).patch(url, body, format="json", HTTP_IF_MATCH='"v0"')
    assert stale.status_code == 412


def test_a_get_with_the_current_etag_in_if_none_match_answers_304(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    item = roles.item
    client = client_for(roles.staff)
    url = f"/api/v1/action-items/{item.pk}/"
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=item.etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == item.etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    client_for(roles.manager).patch(
        url, {"percent_complete": 55}, format="json", HTTP_IF_MATCH=item.etag
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=item.etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != item.etag
