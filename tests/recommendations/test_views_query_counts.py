"""Each page costs the same number of queries whatever the number of rows it shows."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import User
from recommendations.models import Status
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, MembershipFactory, RecommendationFactory
from tests.ui.helpers import make_overdue, record

pytestmark = pytest.mark.django_db

# Session, user, roles, then the page's own reads; measured once and pinned so that a change shows.
# The item page: 8 of its own, plus 1 for the Watch panel that notifications adds beside it.
# My work and the recommendations list read their counts through the exact cache: its keys cost
# the data version (each cached read); a repeated request then skips the counting
# (CACHED_SAVES fewer queries), though My work's counts, which count stale items, are caught
# up with one small count of the items that turned stale since (``versioned_caught_up``). My
# work's filter menus (themes, recommendations) are rendered once per data version (one more read
# of the version, two queries fewer when cached). The recommendation list is rendered once per
# data version (a repeated request reads only the version). The item page
# includes the accountability panel: submissions, extension requests and assessments (three
# queries, whatever their number).
EXPECTED = {"my_work": 11, "recommendation_list": 8, "recommendation_detail": 6, "item": 12}
CACHED_SAVES = {"my_work": 3, "recommendation_list": 4}
# A coordinator's navigation counts the verification queue and the extension requests.
COORDINATOR_NAVIGATION = 2


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def at_two_sizes(
    client: Client, user: User, url: Callable[[], str], grow: Callable[[int], None]
) -> tuple[int, int]:
    client.force_login(user)
    grow(2)
    small = queries_for(client, url())
    grow(15)
    large = queries_for(client, url())
    return small, large


def test_my_work_queries_do_not_grow_with_the_items_shown(
    client: Client, roles: RoleMatrix
) -> None:
    recommendation = roles.item.recommendation
    extra_member = MembershipFactory.create(agency=roles.owner).user

    def grow(count: int) -> None:
        for index in range(count):
            item = ActionItemFactory.create(
                recommendation=RecommendationFactory.create(lead_agency=roles.owner)
                if index % 2
                else recommendation,
                assignee=roles.staff
                if index % 3 == 0
                else extra_member
                if index % 3 == 1
                else None,
            )
            if index % 4 == 0:
                make_overdue(item)
            if index % 5 == 0:
                record(item, roles.staff, status=Status.BLOCKED)

    small, large = at_two_sizes(client, roles.staff, lambda: "/?status=", grow)
    assert small == large == EXPECTED["my_work"]
    assert queries_for(client, "/?status=") == EXPECTED["my_work"] - CACHED_SAVES["my_work"]


def test_a_coordinators_my_work_costs_the_same_whatever_the_page_straddles(
    client: Client, roles: RoleMatrix
) -> None:
    # The default page (every agency's open items) is read relation by relation (assigned to
    # me, my agency's, the others'): one query for the page however many relations it spans.
    secretariat = roles.coordinator.memberships.get().agency

    def grow(count: int) -> None:
        for index in range(count):
            ActionItemFactory.create(
                recommendation=roles.item.recommendation,
                owner_agency=secretariat if index % 3 == 1 else roles.owner,
                assignee=roles.coordinator if index % 3 == 0 else None,
            )

    small, large = at_two_sizes(client, roles.coordinator, lambda: "/", grow)
    page = client.get("/").context["page"]
    assert {item.relation for item in page.object_list} == {0, 1, 2}
    assert small == large == EXPECTED["my_work"] + COORDINATOR_NAVIGATION


def test_recommendation_list_queries_do_not_grow_with_recommendations(
    client: Client, roles: RoleMatrix
) -> None:
    def grow(count: int) -> None:
        for _ in range(count):
            recommendation = RecommendationFactory.create(lead_agency=roles.owner)
            recommendation.supporting_agencies.add(roles.supporting)
            ActionItemFactory.create(recommendation=recommendation)

    small, large = at_two_sizes(client, roles.staff, lambda: "/recommendations/", grow)
    assert small == large == EXPECTED["recommendation_list"]
    cached = EXPECTED["recommendation_list"] - CACHED_SAVES["recommendation_list"]
    assert queries_for(client, "/recommendations/") == cached


def test_recommendation_detail_queries_do_not_grow_with_action_items(
    client: Client, roles: RoleMatrix
) -> None:
    recommendation = roles.item.recommendation

    def grow(count: int) -> None:
        for index in range(count):
            ActionItemFactory.create(
                recommendation=recommendation, assignee=roles.staff if index % 2 else None
            )

    url = reverse("recommendations:detail", args=[recommendation.pk])
    small, large = at_two_sizes(client, roles.staff, lambda: url, grow)
    assert small == large == EXPECTED["recommendation_detail"]


@pytest.mark.parametrize("who", ["manager", "supporting_staff"])
def test_action_item_queries_do_not_grow_with_the_timeline(
    client: Client, roles: RoleMatrix, who: str
) -> None:
    item = roles.item

    def grow(count: int) -> None:
        nonlocal item
        for index in range(count):
            item = record(
                item,
                roles.manager,
                percent_complete=(item.percent_complete + 1) % 100,
                assignee=roles.staff if index % 2 else roles.manager,
                note=f"Step {index}",
            )

    url = reverse("recommendations:item", args=[item.pk])
    small, large = at_two_sizes(client, roles.by_name(who), lambda: url, grow)
    assert small == large
    # The manager's page also lists the agency's members to assign to.
    assert large == EXPECTED["item"] - (0 if who == "manager" else 1)
