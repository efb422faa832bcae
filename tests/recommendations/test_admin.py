"""The admin reads everything but cannot bypass the rules the services enforce."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import RoleMatrix
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_pages_list_and_show_items(admin_client: Client, roles: RoleMatrix) -> None:
    for name in ("actionitem", "recommendation", "progressupdate"):
        assert (
            admin_client.get(reverse(f"admin:recommendations_{name}_changelist")).status_code == 200
        )
    page = admin_client.get(
        reverse("admin:recommendations_actionitem_change", args=[roles.item.pk])
    )
    assert page.status_code == 200
    recommendation = roles.item.recommendation
    page = admin_client.get(
        reverse("admin:recommendations_recommendation_change", args=[recommendation.pk])
    )
    assert page.status_code == 200


def test_admin_cannot_change_an_items_owner_or_status(
    admin_client: Client, roles: RoleMatrix
) -> None:
    other = AgencyFactory.create(acronym="OTHER")
    item = roles.item
    url = reverse("admin:recommendations_actionitem_change", args=[item.pk])
    response = admin_client.post(
        url,
        {
            "recommendation": item.recommendation_id,
            "sequence": item.sequence,
            "title_en": "Renamed",
            "title_fr": "Renommée",
            "owner_agency": other.pk,
            "status": "completed",
            "due_date": "2030-01-01",
            "updates-TOTAL_FORMS": 0,
            "updates-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    due_date = item.due_date
    item.refresh_from_db()
    assert item.title_en == "Renamed"
    assert item.owner_agency == roles.owner
    assert item.status == "not_started"
    # A date compared with a date (a str would never be equal, and prove nothing).
    assert item.due_date == due_date != datetime.date(2030, 1, 1)
