"""The number of queries a list costs does not depend on the page size or the amount of data.

Each list is read at two data sizes and two page sizes; an N+1 (a query per row) fails here.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from agencies.models import Membership
from recommendations.models import ActionItem
from recommendations.services import action_item_change
from tests.api.conftest import ClientFor
from tests.conftest import RoleMatrix
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    MembershipFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db


def add_data(roles: RoleMatrix, count: int) -> None:
    """``count`` recommendations, each with two supporting agencies, an assigned item with a
    progress update, and a new member in a new agency."""
    for _ in range(count):
        agency = AgencyFactory.create()
        member = MembershipFactory.create(agency=agency, role=Membership.Role.MANAGER).user
        MembershipFactory.create(user=member, agency=roles.owner)
        recommendation = RecommendationFactory.create(lead_agency=agency)
        recommendation.supporting_agencies.add(roles.supporting, roles.unrelated)
        item = ActionItemFactory.create(
            recommendation=recommendation, owner_agency=agency, assignee=member
        )
        action_item_change(
            item=item, actor=member, expected_version=None, percent_complete=10, note="n"
        )


def token_known(client: APIClient) -> None:
    """A first request, so that this process knows the client's token (``add_data`` adds
    memberships, which make every known token be read again)."""
    assert client.get("/api/v1/me/").status_code == 200


def queries_for(client: APIClient, path: str) -> tuple[int, int]:
    token_known(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = len(body["results"]) if isinstance(body, dict) and "results" in body else 1
    return len(queries), rows


LISTS = {
    # path: queries, the token known (the two versions, then the count and the rows of an action
    # item list whose answer is not cached yet; the count, the rows and one per prefetched
    # relation for the others)
    "/api/v1/action-items/": 3,
    # A list filtered on staleness is not cached (it changes whenever an item turns stale).
    "/api/v1/action-items/?overdue=false&stale=false&status=not_started,in_progress&ordering=-recommendation": 3,
    "/api/v1/action-items/?search=Action": 3,
    "/api/v1/recommendations/": 4,
    "/api/v1/recommendations/?agency=CBSA&ordering=-progress": 4,
    "/api/v1/agencies/": 3,
    "/api/v1/users/": 4,
    "/api/v1/users/?agency=RCMP&role=staff": 4,
    "/api/v1/progress-updates/": 3,
    "/api/v1/action-items/{item}/updates/": 4,
}


@pytest.mark.parametrize(("path", "expected"), list(LISTS.items()))
def test_a_list_costs_the_same_number_of_queries_at_any_size(
    roles: RoleMatrix, client_for: ClientFor, path: str, expected: int
) -> None:
    client = client_for(roles.coordinator)
    path = path.format(item=roles.item.pk)
    separator = "&" if "?" in path else "?"
    add_data(roles, 2)
    action_item_change(item=roles.item, actor=roles.staff, expected_version=None, note="one")
    small, small_rows = queries_for(client, f"{path}{separator}page_size=200")
    add_data(roles, 25)
    for n in range(25):
        action_item_change(
            item=ActionItem.objects.get(pk=roles.item.pk),
            actor=roles.staff,
            expected_version=None,
            note=f"{n}",
        )
    large, large_rows = queries_for(client, f"{path}{separator}page_size=200")
    paged, paged_rows = queries_for(client, f"{path}{separator}page_size=2")
    assert large_rows > small_rows
    assert paged_rows <= 2
    assert small == large == paged == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # the two versions (the token known), the item with its relations (not cached yet)
        ("/api/v1/action-items/{item}/", 2),
        ("/api/v1/recommendations/{code}/", 3),
        ("/api/v1/users/staff/", 3),
        ("/api/v1/me/", 2),
    ],
)
def test_a_detail_costs_a_fixed_number_of_queries(
    roles: RoleMatrix,
    client_for: ClientFor,
    django_assert_num_queries: DjangoAssertNumQueries,
    path: str,
    expected: int,
) -> None:
    add_data(roles, 3)
    path = path.format(item=roles.item.pk, code=roles.item.recommendation.code)
    client = client_for(roles.coordinator)
    token_known(client)
    with django_assert_num_queries(expected):
        assert client.get(path).status_code == 200
