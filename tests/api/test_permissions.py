"""The permission matrix: every write of the API, by every role, with what it may and may not do.

The rules are the web UI's (``recommendations.policies``); a refusal writes nothing.
"""

import datetime

import pytest

from agencies.models import Membership, User
from recommendations.models import ActionItem, ProgressUpdate
from tests.api.conftest import ClientFor, item_url, updates_url
from tests.conftest import RoleMatrix
from tests.factories import MembershipFactory, RecommendationFactory, UserFactory

pytestmark = pytest.mark.django_db

EVERYONE = ["coordinator", "manager", "staff", "supporting_staff", "unrelated_staff", "outsider"]


def expected(allowed: set[str], name: str) -> int:
    return 200 if name in allowed else 403


def person(roles: RoleMatrix, name: str) -> User | None:
    return None if name == "anonymous" else roles.by_name(name)


def assert_nothing_written(item: ActionItem) -> None:
    item.refresh_from_db()
    assert item.version == 1
    assert not ProgressUpdate.objects.filter(action_item=item).exists()


WRITES = {
    # name: (body, who may send it)
    "patch status": ({"status": "in_progress"}, {"coordinator", "manager", "staff"}),
    "patch percent": ({"percent_complete": 30}, {"coordinator", "manager", "staff"}),
    "patch due date": ({"due_date": "2031-01-31", "note": "Moved"}, {"coordinator"}),
    "patch assignee": ({"assignee": "staff"}, {"coordinator", "manager"}),
    "patch note": ({"note": "Why not."}, {"coordinator", "manager", "staff"}),
}


@pytest.mark.parametrize("name", [*EVERYONE, "anonymous"])
@pytest.mark.parametrize("write", list(WRITES))
def test_patch_is_allowed_exactly_by_the_policy(
    roles: RoleMatrix, client_for: ClientFor, name: str, write: str
) -> None:
    body, allowed = WRITES[write]
    client = client_for(person(roles, name))
    response = client.patch(
        item_url(roles.item.pk), body, format="json", HTTP_IF_MATCH=roles.item.etag
    )
    if name == "anonymous":
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Token"
    else:
        assert response.status_code == expected(allowed, name), response.json()
    if response.status_code != 200:
        assert response.json()["detail"]
        assert_nothing_written(roles.item)


UPDATES = {
    "note": ({"note": "We can share seizure data."}, {*EVERYONE} - {"unrelated_staff", "outsider"}),
    "status": ({"status": "blocked", "note": "Waiting"}, {"coordinator", "manager", "staff"}),
    "percent": ({"percent_complete": 50}, {"coordinator", "manager", "staff"}),
}


@pytest.mark.parametrize("name", [*EVERYONE, "anonymous"])
@pytest.mark.parametrize("update", list(UPDATES))
def test_progress_update_is_allowed_exactly_by_the_policy(
    roles: RoleMatrix, client_for: ClientFor, name: str, update: str
) -> None:
    body, allowed = UPDATES[update]
    client = client_for(person(roles, name))
    response = client.post(
        updates_url(roles.item.pk), body, format="json", HTTP_IF_MATCH=roles.item.etag
    )
    if name == "anonymous":
        assert response.status_code == 401
    elif name in allowed:
        assert response.status_code == 201, response.json()
        author = ProgressUpdate.objects.get(action_item=roles.item).author
        assert author is not None
        assert author.username == roles.by_name(name).username
    else:
        assert response.status_code == 403, response.json()
    if response.status_code != 201:
        assert_nothing_written(roles.item)


@pytest.mark.parametrize("name", [*EVERYONE, "anonymous"])
def test_only_coordinators_create_action_items(
    roles: RoleMatrix, client_for: ClientFor, name: str
) -> None:
    body = {
        "recommendation": roles.item.recommendation.code,
        "title_en": "Share precursor data",
        "title_fr": "Partager les données sur les précurseurs",
        "owner_agency": "RCMP",
        "due_date": "2030-06-30",
    }
    response = client_for(person(roles, name)).post("/api/v1/action-items/", body, format="json")
    if name == "anonymous":
        assert response.status_code == 401
    elif name == "coordinator":
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 403
        assert ActionItem.objects.count() == 1


def test_staff_of_another_agency_get_403_even_with_an_invalid_body(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    # Who may write is decided before what is written: the outsider learns nothing about values.
    response = client_for(roles.unrelated_staff).patch(
        item_url(roles.item.pk), {"percent_complete": 900}, format="json"
    )
    assert response.status_code == 403


def test_staff_may_not_send_a_due_date_or_assignee_even_unchanged(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk),
        {"status": "in_progress", "due_date": roles.item.due_date.isoformat()},
        format="json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 403
    assert "extension" in response.json()["detail"]
    assert_nothing_written(roles.item)


def test_refusal_comes_before_the_missing_if_match(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.supporting_staff).post(
        updates_url(roles.item.pk), {"status": "completed"}, format="json"
    )
    assert response.status_code == 403


def test_a_manager_of_another_agency_cannot_redate(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    other_manager = MembershipFactory.create(
        agency=roles.unrelated, role=Membership.Role.MANAGER
    ).user
    response = client_for(other_manager).patch(
        item_url(roles.item.pk),
        {"due_date": "2031-01-01"},
        format="json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 403
    assert_nothing_written(roles.item)


def test_assigning_to_someone_outside_the_owner_agency_is_refused(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.manager).patch(
        item_url(roles.item.pk),
        {"assignee": roles.supporting_staff.username},
        format="json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 400
    assert "assignee" in response.json()
    assert_nothing_written(roles.item)


def test_creating_an_item_assigned_to_another_agencys_member_is_refused(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.coordinator).post(
        "/api/v1/action-items/",
        {
            "recommendation": roles.item.recommendation.code,
            "title_en": "x",
            "title_fr": "x",
            "owner_agency": "RCMP",
            "due_date": "2030-06-30",
            "assignee": roles.unrelated_staff.username,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "assignee" in response.json()
    assert ActionItem.objects.count() == 1


def test_a_coordinator_creates_a_numbered_item_with_an_etag(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.coordinator).post(
        "/api/v1/action-items/",
        {
            "recommendation": roles.item.recommendation.code,
            "title_en": "Map courier routes",
            "title_fr": "Cartographier les trajets de messagerie",
            "owner_agency": "RCMP",
            "due_date": "2030-06-30",
            "assignee": "staff",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    created = ActionItem.objects.get(pk=body["id"])
    assert created.sequence == roles.item.sequence + 1
    assert (body["assignee"], body["owner_agency"], body["due_date"]) == (
        "staff",
        "RCMP",
        "2030-06-30",
    )
    assert created.original_due_date == datetime.date(2030, 6, 30)
    assert response.headers["ETag"] == created.etag
    assert response.headers["Location"].endswith(item_url(created.pk))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/action-items/",
        "/api/v1/recommendations/",
        "/api/v1/agencies/",
        "/api/v1/users/",
        "/api/v1/progress-updates/",
        "/api/v1/action-items/{item}/",
        "/api/v1/action-items/{item}/updates/",
        "/api/v1/action-items/?agency=RCMP&assignee=staff",
    ],
)
def test_reads_need_an_agency_membership(
    roles: RoleMatrix, client_for: ClientFor, path: str
) -> None:
    path = path.format(item=roles.item.pk)
    assert client_for(None).get(path).status_code == 401
    refused = client_for(roles.outsider).get(path)
    assert refused.status_code == 403
    assert "agency" in refused.json()["detail"]
    assert client_for(roles.unrelated_staff).get(path).status_code == 200


def test_filters_cannot_widen_a_list_beyond_what_the_caller_reads(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    # Every member reads every item (the work is shared); a filter only narrows that.
    RecommendationFactory.create()
    query: dict[str, str | int] = {"agency": "RCMP,CPC", "page_size": 1000}
    response = client_for(roles.unrelated_staff).get("/api/v1/action-items/", query)
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {roles.item.pk}


def test_a_person_signed_in_without_agency_still_reads_their_own_account(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.outsider).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["memberships"] == []


def test_email_is_shown_to_colleagues_and_coordinators_only(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    def email_seen_by(viewer: User, username: str) -> str | None:
        email: str | None = client_for(viewer).get(f"/api/v1/users/{username}/").json()["email"]
        return email

    assert email_seen_by(roles.manager, "staff") == "staff@example.gc.ca"
    assert email_seen_by(roles.coordinator, "staff") == "staff@example.gc.ca"
    assert email_seen_by(roles.staff, "staff") == "staff@example.gc.ca"
    assert email_seen_by(roles.supporting_staff, "staff") is None
    assert email_seen_by(roles.unrelated_staff, "staff") is None


def test_people_list_shows_only_active_members(roles: RoleMatrix, client_for: ClientFor) -> None:
    gone = MembershipFactory.create(
        user=UserFactory.create(username="gone", is_active=False), agency=roles.owner
    )
    assert gone.user.username == "gone"
    usernames = [
        row["username"] for row in client_for(roles.staff).get("/api/v1/users/").json()["results"]
    ]
    assert usernames == ["coordinator", "manager", "staff", "supporter", "unrelated"]
    assert client_for(roles.staff).get("/api/v1/users/outsider/").status_code == 404


def test_the_web_and_the_api_refuse_a_person_without_agency_in_the_same_words(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    from django.test import Client

    from agencies.policies import NOT_A_MEMBER_YET

    api = client_for(roles.outsider).get("/api/v1/action-items/")
    web = Client()
    web.force_login(roles.outsider)
    page = web.get("/")
    assert (api.status_code, page.status_code) == (403, 403)
    assert api.json()["detail"] == str(NOT_A_MEMBER_YET)
    assert str(NOT_A_MEMBER_YET) in " ".join(page.content.decode().split())
    french = client_for(roles.outsider).get("/api/v1/action-items/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["detail"].startswith("Votre compte n\u2019est membre")
