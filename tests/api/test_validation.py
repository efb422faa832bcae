"""Bad input gets 400 with a message for the field at fault, and writes nothing; never a 500."""

import datetime
from typing import TYPE_CHECKING, Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Language
from recommendations.models import ActionItem, ProgressUpdate
from tests.api.conftest import ClientFor, item_url, updates_url
from tests.conftest import RoleMatrix
from tests.factories import MembershipFactory, UserFactory

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db


def patch(
    client: APIClient, item: ActionItem, body: object, **extra: Any
) -> "_MonkeyPatchedResponse":
    return client.patch(item_url(item.pk), body, format="json", HTTP_IF_MATCH=item.etag, **extra)


def assert_nothing_written(item: ActionItem) -> None:
    item.refresh_from_db()
    assert item.version == 1
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "done"),
        ("status", None),
        ("status", ["in_progress"]),
        ("percent_complete", 101),
        ("percent_complete", -1),
        ("percent_complete", 50.5),
        ("percent_complete", "half"),
        ("percent_complete", True),
        ("percent_complete", 10**40),
        ("percent_complete", "50"),
        ("due_date", "not-a-date"),
        ("due_date", "2027-02-30"),
        ("due_date", 20270101),
        ("due_date", None),
        ("assignee", "nobody-by-this-name"),
        ("assignee", 42),
        ("assignee", {"username": "staff"}),
        ("assignee", "sta\x00ff"),
        ("note", "x" * 4001),
        ("note", "nul\x00byte"),
        ("note", {"text": "hi"}),
        ("note", 12345),
    ],
)
def test_an_invalid_value_gets_400_with_a_message_for_its_field(
    roles: RoleMatrix, client_for: ClientFor, field: str, value: object
) -> None:
    response = patch(client_for(roles.coordinator), roles.item, {field: value})
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert messages
    assert all(isinstance(message, str) and message for message in messages)
    assert_nothing_written(roles.item)


def test_every_invalid_field_is_reported_at_once(roles: RoleMatrix, client_for: ClientFor) -> None:
    response = patch(
        client_for(roles.coordinator),
        roles.item,
        {"status": "done", "percent_complete": 120, "due_date": "soon", "note": "x" * 5000},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "percent_complete", "due_date", "note"}


def test_an_unknown_or_read_only_field_is_refused_not_ignored(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = patch(client_for(roles.coordinator), roles.item, {"percent": 50, "title_en": "New"})
    assert response.status_code == 400
    assert set(response.json()) == {"percent", "title_en"}
    assert "percent_complete" in response.json()["percent"][0]
    assert_nothing_written(roles.item)


def test_an_inactive_person_cannot_be_assigned(roles: RoleMatrix, client_for: ClientFor) -> None:
    retired = MembershipFactory.create(
        user=UserFactory.create(is_active=False), agency=roles.owner
    ).user
    response = patch(client_for(roles.manager), roles.item, {"assignee": retired.username})
    assert response.status_code == 400
    assert "assignee" in response.json()


def test_a_patch_that_names_no_field_gets_400_but_one_equal_to_the_current_values_gets_200(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    empty = patch(client_for(roles.staff), roles.item, {})
    assert empty.status_code == 400
    assert empty.json()["non_field_errors"] == [
        "Nothing to record: change a value or write a note."
    ]
    same = patch(client_for(roles.staff), roles.item, {"status": roles.item.status})
    assert same.status_code == 200
    assert_nothing_written(roles.item)


def test_completing_directly_is_refused_with_the_way_to_do_it(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = patch(client_for(roles.staff), roles.item, {"status": "completed"})
    assert response.status_code == 400
    assert "submit it for verification" in response.json()["status"][0]
    roles.item.refresh_from_db()
    assert roles.item.version == 1


def test_the_percent_of_a_completed_item_cannot_change(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    ActionItem.objects.filter(pk=roles.item.pk).update(status="completed", percent_complete=100)
    roles.item.refresh_from_db()
    response = patch(client_for(roles.staff), roles.item, {"percent_complete": 60})
    assert response.status_code == 400
    assert "percent_complete" in response.json()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"status": "blocked"', "application/json"),
        ("{'status': 'blocked'}", "application/json"),
        ('{"percent_complete": NaN}', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        ("", "application/json"),
        ("[1, 2]", "application/json"),
        ('"blocked"', "application/json"),
        ("null", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_gets_400(
    roles: RoleMatrix, client_for: ClientFor, body: str | bytes, content_type: str
) -> None:
    response = client_for(roles.staff).generic(
        "PATCH",
        item_url(roles.item.pk),
        body,  # type: ignore[arg-type]  # Django's generic() takes bytes too; the stub says str
        content_type=content_type,
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 400, response.content
    assert response.json()
    assert_nothing_written(roles.item)


def test_a_body_that_is_not_json_at_all_gets_415(roles: RoleMatrix, client_for: ClientFor) -> None:
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk),
        "status=blocked",
        content_type="application/x-www-form-urlencoded",
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 415
    assert_nothing_written(roles.item)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"percent_complete": 200}, "percent_complete"),
        ({"note": "x" * 4001}, "note"),
        ({"due_date": "2030-01-01"}, "due_date"),
    ],
)
def test_progress_update_validation(
    roles: RoleMatrix, client_for: ClientFor, body: dict[str, Any], field: str
) -> None:
    response = client_for(roles.staff).post(
        updates_url(roles.item.pk), body, format="json", HTTP_IF_MATCH=roles.item.etag
    )
    assert response.status_code == 400
    assert field in response.json()
    assert_nothing_written(roles.item)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"recommendation": "NO-SUCH-CODE"}, "recommendation"),
        ({"owner_agency": "NOPE"}, "owner_agency"),
        ({"title_en": "x" * 301}, "title_en"),
        ({"title_fr": ""}, "title_fr"),
        ({"due_date": "31/12/2030"}, "due_date"),
        ({"due_date": None}, "due_date"),
        ({"assignee": "nobody"}, "assignee"),
        ({"recommendation": "T-\x00"}, "recommendation"),
        ({"owner_agency": 7}, "owner_agency"),
        ({"sequence": 9}, "sequence"),
    ],
)
def test_create_validation(
    roles: RoleMatrix, client_for: ClientFor, change: dict[str, Any], field: str
) -> None:
    body = {
        "recommendation": roles.item.recommendation.code,
        "title_en": "A title",
        "title_fr": "Un titre",
        "owner_agency": "RCMP",
        "due_date": "2030-12-31",
        **change,
    }
    response = client_for(roles.coordinator).post("/api/v1/action-items/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert ActionItem.objects.count() == 1


def test_create_with_missing_fields_names_each(roles: RoleMatrix, client_for: ClientFor) -> None:
    response = client_for(roles.coordinator).post("/api/v1/action-items/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {
        "recommendation",
        "title_en",
        "title_fr",
        "owner_agency",
        "due_date",
    }


@pytest.mark.parametrize(
    "query",
    [
        {"due_before": "yesterday"},
        {"due_after": "2027-13-01"},
        {"updated_after": "noon"},
        {"status": "in_progress,finished"},
        {"priority": "urgent"},
        {"agency": "RC\x00MP"},
        {"search": "pill\x00press"},
        {"due_before": ""},
        {"overdue": "maybe"},
        {"overdue": ""},
        {"status": "blocked,"},
        {"agency": "RCMP,,CBSA"},
        {"updated_after": "2026-01-01T00:00:00+05:00", "due_after": ""},
        {"updated_after": "9999-12-31T23:30:00-05:00"},
        {"page": "abc"},
        {"page": "0"},
        {"page": ""},
        {"page_size": "ten"},
        {"page_size": "-5"},
    ],
)
def test_an_invalid_filter_gets_400_with_a_message_for_it(
    roles: RoleMatrix, client_for: ClientFor, query: dict[str, Any]
) -> None:
    response = client_for(roles.staff).get("/api/v1/action-items/", query)
    assert response.status_code == 400
    assert set(response.json()) == {name for name, value in query.items() if "+05" not in value}


@pytest.mark.parametrize(
    "query",
    [
        {"recorded_before": "2026-10-09T01:18:53-21:54"},  # beyond what PostgreSQL accepts
        {"recorded_after": "0001-01-01T12:00:00+05:00"},
        {"page": "99999999999999999999999999"},
    ],
)
def test_extreme_but_readable_values_get_an_answer_not_a_500(
    roles: RoleMatrix, client_for: ClientFor, query: dict[str, Any]
) -> None:
    response = client_for(roles.staff).get("/api/v1/progress-updates/", query)
    assert response.status_code in {200, 404}, response.content


@pytest.mark.parametrize(
    "query", [{"action_item": "1e300"}, {"action_item": "1.5"}, {"recorded_after": "1 May"}]
)
def test_progress_update_filters_refuse_what_they_cannot_read(
    roles: RoleMatrix, client_for: ClientFor, query: dict[str, Any]
) -> None:
    response = client_for(roles.staff).get("/api/v1/progress-updates/", query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/action-items/?page=0",
        "/api/v1/action-items/?page=abc",
        "/api/v1/action-items/99999999999999999999999/",
        "/api/v1/action-items/-1/",
        "/api/v1/action-items/abc/",
        "/api/v1/action-items/1.5/",
        "/api/v1/action-items/-1/updates/",
        "/api/v1/agencies/A%00B/",
        "/api/v1/agencies/A%2FB/",
        "/api/v1/users/%00/",
        "/api/v1/recommendations/x%2F..%2F/",
        "/api/v1/action-items/%0A/updates/",
        "/api/v1/agencies/RC%0AMP/",
    ],
)
def test_odd_addresses_and_queries_get_a_json_answer_not_a_500(
    roles: RoleMatrix, client_for: ClientFor, path: str
) -> None:
    response = client_for(roles.staff).get(path)
    assert response.status_code in {200, 400, 404}
    assert response["Content-Type"] == "application/json"


def test_messages_follow_accept_language(roles: RoleMatrix, client_for: ClientFor) -> None:
    client = client_for(roles.staff)
    english = client.patch(item_url(roles.item.pk), {"status": "blocked"}, format="json")
    french = client.patch(
        item_url(roles.item.pk), {"status": "blocked"}, format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert english.json()["detail"].startswith("This change needs an If-Match header")
    assert french.json()["detail"].startswith("Cette modification exige un en-tête If-Match")


def test_a_token_user_gets_messages_in_their_language(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    roles.staff.language = Language.FRENCH
    roles.staff.save(update_fields=["language"])
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk),
        {"percent_complete": 500},
        format="json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 400
    assert "100" in response.json()["percent_complete"][0]
    assert "Assurez-vous" in response.json()["percent_complete"][0]


ADDRESSES = [
    "/api/v1/",
    "/api/v1/action-items/",
    "/api/v1/action-items/{item}/",
    "/api/v1/action-items/{item}/updates/",
    "/api/v1/agencies/",
    "/api/v1/agencies/RCMP/",
    "/api/v1/users/",
    "/api/v1/users/staff/",
    "/api/v1/me/",
    "/api/v1/auth/token/",
    "/api/v1/recommendations/",
    "/api/v1/progress-updates/",
    "/api/schema/",
    "/api/docs/",
]


@pytest.mark.parametrize("signed_in", [True, False], ids=["coordinator", "anonymous"])
@pytest.mark.parametrize("method", ["get", "head", "options", "post", "put", "patch", "delete"])
def test_every_method_on_every_address_gets_an_answer_not_a_500(
    roles: RoleMatrix, client_for: ClientFor, method: str, signed_in: bool
) -> None:
    for address in ADDRESSES:
        client = client_for(roles.coordinator if signed_in else None)
        path = address.format(item=roles.item.pk)
        if method in {"post", "put", "patch", "delete"}:
            response = getattr(client, method)(path, {}, format="json")
        else:
            response = getattr(client, method)(path)
        assert response.status_code < 500, (method, path)


def test_a_patch_of_the_due_date_without_a_note_is_refused_and_writes_nothing(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    item = roles.item
    response = client_for(roles.coordinator).patch(
        f"/api/v1/action-items/{item.pk}/",
        {"due_date": (item.due_date + datetime.timedelta(days=7)).isoformat()},
        format="json",
        HTTP_IF_MATCH=item.etag,
    )
    assert response.status_code == 400
    assert response.json() == {"note": ["Give the reason for the new due date."]}
    after = ActionItem.objects.get(pk=item.pk)
    assert (after.due_date, after.version) == (item.due_date, item.version)
    assert not ProgressUpdate.objects.filter(action_item=item).exists()


@pytest.mark.parametrize("due_date", ["9999-12-31", "1999-12-31"])
def test_a_due_date_outside_the_sane_range_is_refused_by_the_api(
    roles: RoleMatrix, client_for: ClientFor, due_date: str
) -> None:
    item = roles.item
    response = client_for(roles.coordinator).patch(
        f"/api/v1/action-items/{item.pk}/",
        {"due_date": due_date, "note": "Typo?"},
        format="json",
        HTTP_IF_MATCH=item.etag,
    )
    assert response.status_code == 400
    assert response.json()["due_date"][0].startswith("Enter a due date between 2000-01-01 and ")
    assert ActionItem.objects.get(pk=item.pk).due_date == item.due_date


def test_creating_an_item_assigned_to_someone_outside_the_owner_agency_is_refused(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    response = client_for(roles.coordinator).post(
        "/api/v1/action-items/",
        {
            "recommendation": roles.item.recommendation.code,
            "title_en": "New",
            "title_fr": "Nouveau",
            "owner_agency": roles.owner.acronym,
            "due_date": "2031-01-31",
            "assignee": roles.unrelated_staff.username,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "assignee": [
            f"{roles.unrelated_staff.username} is not an active member of {roles.owner.acronym}."
        ]
    }
    assert ActionItem.objects.count() == 1
