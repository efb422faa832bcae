import datetime
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recommendations.models import ActionItem, Status
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, RecommendationFactory, ThemeFactory
from tests.ui.helpers import days_from_today, make_overdue, record, signed_in, text

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

HOME = "/"


def titles_in_order(response: "_MonkeyPatchedWSGIResponse") -> list[str]:
    return [item.title for item in response.context["page"].object_list]


def test_home_is_my_work_and_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    assert reverse("home") == HOME
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/")


def test_outsider_without_agency_gets_a_clear_403_page(client: Client, roles: RoleMatrix) -> None:
    response = signed_in(client, roles.outsider).get(HOME)
    assert response.status_code == 403
    assert "not a member of any agency" in text(response)
    assert "Ask your coordinator" in text(response)


def test_items_assigned_to_me_come_before_my_agencys_items(
    client: Client, roles: RoleMatrix
) -> None:
    roles.item.delete()
    recommendation = RecommendationFactory.create(lead_agency=roles.owner)
    agency_item = ActionItemFactory.create(
        recommendation=recommendation, title_en="Agency item", due_date=days_from_today(3)
    )
    mine = ActionItemFactory.create(
        recommendation=recommendation,
        title_en="My item",
        due_date=days_from_today(40),
        assignee=roles.staff,
    )
    response = signed_in(client, roles.staff).get(HOME)
    assert response.status_code == 200
    assert titles_in_order(response) == [mine.title_en, agency_item.title_en]
    results = text(response).split("2 action items", 1)[1]
    assert results.index("Assigned to me") < results.index("My item")
    assert results.index("My item") < results.index("Owned by my agency")
    assert results.index("Owned by my agency") < results.index("Agency item")


def test_my_work_shows_open_items_by_default_and_every_status_on_request(
    client: Client, roles: RoleMatrix
) -> None:
    ActionItemFactory.create(
        recommendation=roles.item.recommendation,
        title_en="Done already",
        status=Status.COMPLETED,
        percent_complete=100,
    )
    client = signed_in(client, roles.staff)
    assert titles_in_order(client.get(HOME)) == [roles.item.title_en]
    assert "Done already" in titles_in_order(client.get(HOME, {"status": ""}))
    assert titles_in_order(client.get(HOME, {"status": Status.COMPLETED})) == ["Done already"]


def test_filters_by_theme_recommendation_and_search(client: Client, roles: RoleMatrix) -> None:
    other_theme = ThemeFactory.create(title_en="Postal interdiction")
    other_rec = RecommendationFactory.create(
        theme=other_theme, lead_agency=roles.owner, code="POST-1"
    )
    postal = ActionItemFactory.create(
        recommendation=other_rec, title_en="Screen parcels for fentanyl"
    )
    client = signed_in(client, roles.staff)
    assert titles_in_order(client.get(HOME, {"theme": other_theme.pk})) == [postal.title_en]
    assert titles_in_order(client.get(HOME, {"recommendation": other_rec.pk})) == [postal.title_en]
    assert titles_in_order(client.get(HOME, {"q": "fentanyl"})) == [postal.title_en]
    assert titles_in_order(client.get(HOME, {"q": "post-1"})) == [postal.title_en]
    assert titles_in_order(client.get(HOME, {"q": f"POST-1.{postal.sequence}"})) == [
        postal.title_en
    ]


def test_filters_by_due_window_overdue_and_stale(client: Client, roles: RoleMatrix) -> None:
    recommendation = roles.item.recommendation
    soon = ActionItemFactory.create(
        recommendation=recommendation, title_en="Soon", due_date=days_from_today(5)
    )
    late = make_overdue(ActionItemFactory.create(recommendation=recommendation, title_en="Late"))
    quiet = ActionItemFactory.create(recommendation=recommendation, title_en="Quiet")
    ActionItem.objects.filter(pk=quiet.pk).update(
        last_progress_at=timezone.now() - datetime.timedelta(days=90)
    )
    client = signed_in(client, roles.staff)
    assert titles_in_order(client.get(HOME, {"due": "7"})) == [soon.title_en]
    assert titles_in_order(client.get(HOME, {"overdue": "on"})) == [late.title_en]
    assert titles_in_order(client.get(HOME, {"stale": "on"})) == [quiet.title_en]


def test_sorting_by_latest_due_date(client: Client, roles: RoleMatrix) -> None:
    recommendation = roles.item.recommendation
    ActionItemFactory.create(
        recommendation=recommendation, title_en="Later", due_date=days_from_today(300)
    )
    response = signed_in(client, roles.staff).get(HOME, {"sort": "-due"})
    assert titles_in_order(response) == ["Later", roles.item.title_en]


def test_pagination_keeps_the_filters(client: Client, roles: RoleMatrix) -> None:
    ActionItemFactory.create_batch(30, recommendation=roles.item.recommendation)
    client = signed_in(client, roles.staff)
    first = client.get(HOME, {"sort": "reference"})
    assert len(first.context["page"].object_list) == 25
    assert "sort=reference&amp;page=2" in first.content.decode()
    query: dict[str, str | int] = {"sort": "reference", "page": 2}
    second = client.get(HOME, query)
    assert len(second.context["page"].object_list) == 6
    assert "Page 2 of 2" in text(second)


def test_counts_at_the_top(client: Client, roles: RoleMatrix) -> None:
    recommendation = roles.item.recommendation
    make_overdue(ActionItemFactory.create(recommendation=recommendation, assignee=roles.staff))
    blocked = ActionItemFactory.create(recommendation=recommendation)
    record(blocked, roles.staff, status=Status.BLOCKED)
    ActionItemFactory.create(recommendation=recommendation, due_date=days_from_today(2))
    response = signed_in(client, roles.staff).get(HOME)
    counts = response.context["counts"]
    assert counts["open"] == 4
    assert counts["assigned_to_me"] == 1
    assert counts["overdue"] == 1
    assert counts["blocked"] == 1
    assert counts["due_soon"] == 1
    assert "4 open items" in text(response)


def test_overdue_and_blocked_items_are_marked_in_words_not_only_colour(
    client: Client, roles: RoleMatrix
) -> None:
    make_overdue(roles.item)
    blocked = ActionItemFactory.create(recommendation=roles.item.recommendation, title_en="Stuck")
    record(blocked, roles.staff, status=Status.BLOCKED)
    response = signed_in(client, roles.staff).get(HOME)
    html = response.content.decode()
    assert 'class="flag flag--overdue"' in html
    assert ">Overdue</span>" in html
    assert 'class="status status--blocked"' in html
    assert "Blocked</span>" in html
    assert "item-row--overdue" in html
    assert "item-row--blocked" in html


def test_an_invalid_filter_value_is_reported_and_ignored(client: Client, roles: RoleMatrix) -> None:
    response = signed_in(client, roles.staff).get(HOME, {"theme": "999999", "sort": "nonsense"})
    assert response.status_code == 200
    assert titles_in_order(response) == [roles.item.title_en]
    assert "There is a problem" in text(response)
    assert 'href="#id_theme"' in response.content.decode()


def test_other_agencies_items_appear_only_when_asking_for_all_agencies(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.unrelated_staff)
    assert titles_in_order(client.get(HOME)) == []
    assert "See all agencies" in text(client.get(HOME))
    assert titles_in_order(client.get(HOME, {"scope": "all"})) == [roles.item.title_en]


def test_coordinators_start_from_all_agencies(client: Client, roles: RoleMatrix) -> None:
    response = signed_in(client, roles.coordinator).get(HOME)
    assert titles_in_order(response) == [roles.item.title_en]
    assert response.context["filters"].scope == "all"


def test_every_filter_has_a_label(client: Client, roles: RoleMatrix) -> None:
    html = signed_in(client, roles.staff).get(HOME).content.decode()
    for name in (
        "q",
        "scope",
        "status",
        "theme",
        "recommendation",
        "due",
        "overdue",
        "stale",
        "sort",
    ):
        assert f'for="id_{name}"' in html
