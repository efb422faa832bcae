"""Every filter a user would reach for, search, ordering and pagination."""

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from recommendations.models import ActionItem, Priority, Status
from recommendations.services import action_item_change
from tests.api.conftest import ClientFor
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, AgencyFactory, RecommendationFactory, ThemeFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 16)


@pytest.fixture
def items(roles: RoleMatrix) -> dict[str, ActionItem]:
    """Four items besides the matrix's own, each different in one respect."""
    cbsa_theme = ThemeFactory.create(key="postal-interdiction")
    cbsa_rec = RecommendationFactory.create(
        code="GAP-07", theme=cbsa_theme, lead_agency=roles.supporting, priority=Priority.HIGH
    )
    cbsa_rec.supporting_agencies.add(roles.owner)
    return {
        "own": roles.item,
        "overdue": ActionItemFactory.create(
            recommendation=roles.item.recommendation,
            owner_agency=roles.owner,
            title_en="Pill press registry",
            due_date=TODAY - datetime.timedelta(days=3),
            assignee=roles.staff,
            status=Status.IN_PROGRESS,
        ),
        "done late": ActionItemFactory.create(
            recommendation=roles.item.recommendation,
            owner_agency=roles.owner,
            due_date=TODAY - datetime.timedelta(days=3),
            status=Status.COMPLETED,
            percent_complete=100,
        ),
        "cbsa": ActionItemFactory.create(
            recommendation=cbsa_rec,
            owner_agency=roles.supporting,
            title_en="Courier manifests",
            due_date=TODAY + datetime.timedelta(days=60),
            last_progress_at=timezone.now() - datetime.timedelta(days=400),
        ),
        "blocked": ActionItemFactory.create(
            recommendation=cbsa_rec,
            owner_agency=roles.supporting,
            status=Status.BLOCKED,
            due_date=TODAY + datetime.timedelta(days=10),
        ),
    }


def ids(client: APIClient, **query: str | int) -> list[int]:
    response = client.get("/api/v1/action-items/", {"page_size": 200, **query})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def names(items: dict[str, ActionItem], *keys: str) -> set[int]:
    return {items[key].pk for key in keys}


@pytest.fixture
def client(roles: RoleMatrix, client_for: ClientFor) -> APIClient:
    return client_for(roles.staff)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2026, 3, 16, 12, tzinfo=datetime.UTC), tick=False):
        yield


def test_filter_by_owner_agency(items: dict[str, ActionItem], client: APIClient) -> None:
    assert set(ids(client, agency="CBSA")) == names(items, "cbsa", "blocked")
    assert set(ids(client, agency="CBSA,RCMP")) == set(names(items, *items))
    assert ids(client, agency="NOPE") == []


def test_filter_by_status(items: dict[str, ActionItem], client: APIClient) -> None:
    assert set(ids(client, status="blocked")) == names(items, "blocked")
    assert set(ids(client, status="blocked,completed")) == names(items, "blocked", "done late")


def test_filter_by_theme_and_recommendation(
    items: dict[str, ActionItem], client: APIClient
) -> None:
    assert set(ids(client, theme="postal-interdiction")) == names(items, "cbsa", "blocked")
    assert set(ids(client, recommendation="GAP-07")) == names(items, "cbsa", "blocked")
    assert set(ids(client, priority="high")) == names(items, "cbsa", "blocked")


def test_filter_by_assignee(items: dict[str, ActionItem], client: APIClient) -> None:
    assert ids(client, assignee="staff") == [items["overdue"].pk]
    assert items["overdue"].pk not in ids(client, unassigned="true")
    assert ids(client, unassigned="false") == [items["overdue"].pk]


def test_filter_by_due_date_inclusive(items: dict[str, ActionItem], client: APIClient) -> None:
    due = items["blocked"].due_date.isoformat()
    assert set(ids(client, due_after=due)) == names(items, "blocked", "cbsa", "own")
    assert set(ids(client, due_before=due)) == names(items, "blocked", "overdue", "done late")
    assert ids(client, due_after=due, due_before=due) == [items["blocked"].pk]


def test_filter_overdue_and_stale_match_the_derived_flags(
    items: dict[str, ActionItem], client: APIClient
) -> None:
    assert ids(client, overdue="true") == [items["overdue"].pk]
    assert items["overdue"].pk not in ids(client, overdue="false")
    assert ids(client, stale="true") == [items["cbsa"].pk]
    rows = client.get("/api/v1/action-items/", {"page_size": 200}).json()["results"]
    flagged = {row["id"]: (row["is_overdue"], row["is_stale"]) for row in rows}
    assert flagged[items["overdue"].pk] == (True, False)
    assert flagged[items["done late"].pk] == (False, False)
    assert flagged[items["cbsa"].pk] == (False, True)


def test_filter_updated_after(
    roles: RoleMatrix, items: dict[str, ActionItem], client: APIClient
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=datetime.UTC), tick=False):
        action_item_change(
            item=items["cbsa"], actor=roles.coordinator, expected_version=None, note="x"
        )
    assert ids(client, updated_after="2026-03-19T00:00:00Z") == [items["cbsa"].pk]


def test_search_in_titles_and_codes(items: dict[str, ActionItem], client: APIClient) -> None:
    assert ids(client, search="pill press") == [items["overdue"].pk]
    assert set(ids(client, search="gap-07")) == names(items, "cbsa", "blocked")


def test_ordering_with_a_stable_tie_break(items: dict[str, ActionItem], client: APIClient) -> None:
    by_due = ids(client, ordering="due_date")
    assert by_due[0] in names(items, "overdue", "done late")
    assert by_due[-1] == items["cbsa"].pk
    by_agency_then_due = ids(client, ordering="agency,-due_date")
    assert by_agency_then_due[:2] == [items["cbsa"].pk, items["blocked"].pk]
    assert client.get("/api/v1/action-items/", {"ordering": "title_en"}).status_code == 400


def test_pagination_has_a_default_and_a_maximum(roles: RoleMatrix, client: APIClient) -> None:
    recommendation = RecommendationFactory.create(lead_agency=roles.owner)
    ActionItemFactory.create_batch(230, recommendation=recommendation, owner_agency=roles.owner)
    default = client.get("/api/v1/action-items/").json()
    assert default["count"] == 231
    assert len(default["results"]) == 50
    assert default["next"].endswith("page=2")
    assert len(client.get("/api/v1/action-items/", {"page_size": 10}).json()["results"]) == 10
    assert len(client.get("/api/v1/action-items/", {"page_size": 5000}).json()["results"]) == 200
    assert client.get("/api/v1/action-items/", {"page": 99}).status_code == 404


def test_recommendation_filters(
    roles: RoleMatrix, items: dict[str, ActionItem], client: APIClient
) -> None:
    def codes(**query: str | int) -> list[str]:
        rows = client.get("/api/v1/recommendations/", query).json()["results"]
        return [row["code"] for row in rows]

    own_code = roles.item.recommendation.code
    assert codes(lead_agency="CBSA") == ["GAP-07"]
    assert set(codes(agency="RCMP")) == {own_code, "GAP-07"}  # leads one, supports the other
    assert codes(agency="CPC") == []
    assert codes(theme="postal-interdiction", priority="high") == ["GAP-07"]
    assert codes(ordering="-code") == sorted([own_code, "GAP-07"], reverse=True)
    progress = {
        row["code"]: row for row in client.get("/api/v1/recommendations/").json()["results"]
    }
    assert progress[own_code]["item_count"] == 3
    assert progress[own_code]["completed_count"] == 1


def test_progress_update_filters(
    roles: RoleMatrix, items: dict[str, ActionItem], client: APIClient
) -> None:
    action_item_change(
        item=items["cbsa"], actor=roles.supporting_staff, expected_version=None, note="a"
    )
    action_item_change(
        item=roles.item, actor=roles.staff, expected_version=None, status=Status.BLOCKED
    )
    rows = client.get("/api/v1/progress-updates/", {"agency": "CBSA"}).json()["results"]
    assert [row["action_item"] for row in rows] == [items["cbsa"].pk]
    rows = client.get("/api/v1/progress-updates/", {"status_after": "blocked"}).json()["results"]
    assert [row["author"] for row in rows] == ["staff"]
    assert (
        client.get("/api/v1/progress-updates/", {"author": "staff,supporter"}).json()["count"] == 2
    )


def test_people_filters_apply_to_one_membership(roles: RoleMatrix, client: APIClient) -> None:
    AgencyFactory.create(acronym="HC")

    def usernames(**query: str | int) -> list[str]:
        return [row["username"] for row in client.get("/api/v1/users/", query).json()["results"]]

    assert usernames(agency="RCMP") == ["manager", "staff"]
    assert usernames(agency="RCMP", role="manager") == ["manager"]
    assert usernames(agency="CBSA", role="manager") == []
    assert usernames(role="coordinator") == ["coordinator"]
    assert usernames(search="suppo") == ["supporter"]


def test_agency_filters(roles: RoleMatrix, client: APIClient) -> None:
    AgencyFactory.create(acronym="DEA", level="international", kind="police")
    rows = client.get("/api/v1/agencies/", {"level": "international"}).json()["results"]
    assert [row["acronym"] for row in rows] == ["DEA"]
    assert (
        client.get("/api/v1/agencies/", {"search": "border"}).json()["results"][0]["acronym"]
        == "CBSA"
    )
