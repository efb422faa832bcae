"""Every API list refuses a query parameter it does not know (a typo must not return the
unfiltered list), and names the ones it accepts; the ones it accepts still work."""

import pytest

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/agencies/",
    "/api/v1/users/",
    "/api/v1/recommendations/",
    "/api/v1/action-items/",
    "/api/v1/progress-updates/",
    "/api/v1/action-items/{item}/updates/",
]


@pytest.mark.parametrize("url", LISTS)
def test_a_list_refuses_an_unknown_query_parameter_and_names_the_allowed_ones(
    roles, client_for, url
):
    response = client_for(roles.staff).get(url.format(item=roles.item.pk), {"agnecy": "RCMP"})
    assert response.status_code == 400
    message = response.json()["agnecy"][0]
    assert message.startswith("Unknown query parameter. Parameters you may send: ")
    assert "page" in message
    assert "format" in message


@pytest.mark.parametrize("url", LISTS)
def test_a_list_accepts_pagination_and_format(roles, client_for, url):
    response = client_for(roles.staff).get(
        url.format(item=roles.item.pk), {"page": "1", "page_size": "5", "format": "json"}
    )
    assert response.status_code == 200, response.content


def test_the_action_item_list_accepts_its_filters_search_and_ordering(roles, client_for):
    response = client_for(roles.staff).get(
        "/api/v1/action-items/",
        {"agency": roles.owner.acronym, "search": "Action", "ordering": "due_date"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1


def test_an_item_detail_is_not_refused_for_a_format_parameter(roles, client_for):
    response = client_for(roles.staff).get(
        f"/api/v1/action-items/{roles.item.pk}/", {"format": "json"}
    )
    assert response.status_code == 200
