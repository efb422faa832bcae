"""Publishing: coordinators only, through one service, from the page, the API and the admin; the
public cache follows every change of what it shows."""

import json

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from agencies.models import Membership, User
from recommendations import services
from recommendations.models import PublicationChange, Status
from tests.factories import MembershipFactory, UserFactory
from tests.transparency.conftest import PublicWorld

pytestmark = pytest.mark.django_db


def _public_codes(client: Client) -> set[str]:
    document = json.loads(client.get("/public/data/action-items.json").content)
    return {row["recommendation"] for row in document["action_items"]}


def _api(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_coordinator_publishes_through_the_api_and_the_reason_is_kept(world: PublicWorld) -> None:
    response = _api(world.coordinator).patch(
        f"/api/v1/recommendations/{world.unpublished.code}/",
        {"published": True, "reason": "Cleared by the deputy"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["published"] is True
    change = PublicationChange.objects.filter(recommendation=world.unpublished).get()
    assert (change.published, change.reason, change.actor) == (
        True,
        "Cleared by the deputy",
        world.coordinator,
    )


@pytest.mark.parametrize("role", [Membership.Role.STAFF, Membership.Role.MANAGER])
def test_only_coordinators_may_publish(world: PublicWorld, role: str) -> None:
    user = MembershipFactory.create(
        user=UserFactory.create(), agency=world.item.owner_agency, role=role
    ).user
    response = _api(user).patch(
        f"/api/v1/recommendations/{world.unpublished.code}/", {"published": True}, format="json"
    )
    assert response.status_code == 403
    assert "coordinators" in response.json()["detail"]
    world.unpublished.refresh_from_db()
    assert not world.unpublished.published


def test_unpublishing_needs_a_reason(world: PublicWorld) -> None:
    api = _api(world.coordinator)
    url = f"/api/v1/recommendations/{world.published.code}/"
    response = api.patch(url, {"published": False}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert api.patch(url, {"published": "maybe"}, format="json").status_code == 400
    assert api.patch(url, {"publish": True}, format="json").status_code == 400
    world.published.refresh_from_db()
    assert world.published.published


def test_unpublishing_removes_it_from_pages_open_data_and_feed_at_once(
    client: Client,
    world: PublicWorld,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    code = world.published.code
    assert _public_codes(client) == {code}  # now cached
    assert b"PUB-1.1" in client.get("/public/feed.atom").content
    with django_capture_on_commit_callbacks(execute=True):
        response = _api(world.coordinator).patch(
            f"/api/v1/recommendations/{code}/",
            {"published": False, "reason": "Under review"},
            format="json",
        )
    assert response.status_code == 200
    assert _public_codes(client) == set()
    assert world.published.title_en.encode() not in client.get("/public/").content
    assert world.published.title_fr.encode() not in client.get("/public/fr/").content
    assert b"PUB-1.1" not in client.get("/public/feed.atom").content
    assert b"PUB-1" not in client.get("/public/data/action-items.csv").content
    assert client.get(f"/public/recommendations/{code}/").status_code == 404


def test_publishing_appears_at_once(
    client: Client,
    world: PublicWorld,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    assert world.unpublished.code not in _public_codes(client)
    with django_capture_on_commit_callbacks(execute=True):
        services.recommendation_set_published(
            recommendation=world.unpublished, actor=world.coordinator, published=True
        )
    assert world.unpublished.code in _public_codes(client)


def test_a_change_to_a_published_item_shows_at_once(
    client: Client,
    world: PublicWorld,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    before = client.get("/public/recommendations/PUB-1/")
    with django_capture_on_commit_callbacks(execute=True):
        services.action_item_change(
            item=world.other_item,
            actor=world.coordinator,
            expected_version=world.other_item.version,
            status=Status.BLOCKED,
        )
    after = client.get("/public/recommendations/PUB-1/")
    assert after["ETag"] != before["ETag"]
    assert "Blocked" in after.content.decode().split('id="history-title"')[1]


def test_a_change_of_a_published_definition_shows_at_once(
    client: Client,
    world: PublicWorld,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.get("/public/")
    item = world.other_item
    with django_capture_on_commit_callbacks(execute=True):
        services.action_item_update_definition(
            item=item,
            actor=world.coordinator,
            expected_version=item.version,
            title_en="Train every border officer",
            title_fr=item.title_fr,
            owner_agency=item.owner_agency,
        )
    assert b"Train every border officer" in client.get("/public/recommendations/PUB-1/").content


def test_a_change_of_an_unpublished_item_keeps_the_cache(
    client: Client,
    world: PublicWorld,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    etag = client.get("/public/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        services.action_item_change(
            item=world.hidden_item,
            actor=world.coordinator,
            expected_version=world.hidden_item.version,
            percent_complete=10,
        )
    assert client.get("/public/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_coordinator_publishes_from_the_recommendation_page(
    client: Client, world: PublicWorld
) -> None:
    client.force_login(world.coordinator)
    page = client.get(f"/recommendations/{world.unpublished.pk}/").content.decode()
    assert "Publish on the public page" in page
    refused = client.post(
        f"/recommendations/{world.published.pk}/publish/", {"published": "0", "reason": ""}
    )
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    response = client.post(f"/recommendations/{world.unpublished.pk}/publish/", {"published": "1"})
    assert response.status_code == 302
    world.unpublished.refresh_from_db()
    assert world.unpublished.published
    page = client.get(f"/recommendations/{world.unpublished.pk}/").content.decode()
    assert "Unpublish" in page
    assert "is now on the public progress page" in page


def test_staff_see_no_publish_form_and_are_refused(client: Client, world: PublicWorld) -> None:
    client.force_login(world.staff)
    assert (
        b"Publish on the public page"
        not in client.get(f"/recommendations/{world.unpublished.pk}/").content
    )
    response = client.post(f"/recommendations/{world.unpublished.pk}/publish/", {"published": "1"})
    assert response.status_code == 403
    world.unpublished.refresh_from_db()
    assert not world.unpublished.published


def test_the_admin_publishes_through_the_service(client: Client, world: PublicWorld) -> None:
    world.coordinator.is_staff = True
    world.coordinator.is_superuser = True
    world.coordinator.save()
    client.force_login(world.coordinator)
    response = client.post(
        "/admin/recommendations/recommendation/",
        {"action": "publish", "_selected_action": [world.unpublished.pk]},
    )
    assert response.status_code == 302
    world.unpublished.refresh_from_db()
    assert world.unpublished.published
    assert PublicationChange.objects.filter(
        recommendation=world.unpublished, published=True
    ).exists()
    client.post(
        "/admin/recommendations/recommendation/",
        {"action": "unpublish", "_selected_action": [world.unpublished.pk]},
    )
    world.unpublished.refresh_from_db()
    assert not world.unpublished.published
    assert (
        PublicationChange.objects.filter(recommendation=world.unpublished, published=False)
        .get()
        .reason
    )
    assert admin_site.is_registered(PublicationChange) is False  # read through the inline only
