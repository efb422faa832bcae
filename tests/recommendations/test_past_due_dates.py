"""A due date in the past is refused on a new item or a re-date, on every path (web forms, API,
admin), unless a coordinator confirms it explicitly; the loaders confirm it for the history they
load. Only coordinators are offered the confirmation, and only they may send it."""

from typing import TYPE_CHECKING

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import User
from agencies.services import api_token_create
from recommendations import services
from recommendations.models import ActionItem, ProgressUpdate
from tests.conftest import RoleMatrix
from tests.factories import UserFactory
from tests.recommendations.test_admin_keeps_the_timeline import add_form
from tests.ui.helpers import days_from_today, signed_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db

PAST_MESSAGE = "is in the past: choose today or a later date"


def assign(client: Client, item: ActionItem, **values: object) -> "_MonkeyPatchedWSGIResponse":
    data: dict[str, object] = {
        "assign-version": item.version,
        "assign-assignee": item.assignee_id or "",
        "assign-due_date": item.due_date.isoformat(),
        "assign-reason": "",
    }
    data.update({f"assign-{name}": value for name, value in values.items()})
    return client.post(reverse("recommendations:item_assign", args=[item.pk]), data)


def new_item(client: Client, roles: RoleMatrix, **values: object) -> "_MonkeyPatchedWSGIResponse":
    data = {
        "title_en": "Back-dated",
        "title_fr": "Antidatée",
        "description_en": "",
        "description_fr": "",
        "owner_agency": roles.owner.pk,
        "due_date": days_from_today(-30).isoformat(),
        **values,
    }
    url = reverse("recommendations:item_create", args=[roles.item.recommendation_id])
    return client.post(url, data)


def api(user: User) -> APIClient:
    client = APIClient()
    _row, key = api_token_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def api_patch(user: User, item: ActionItem, body: dict[str, object]) -> "_MonkeyPatchedResponse":
    return api(user).patch(
        f"/api/v1/action-items/{item.pk}/", body, format="json", HTTP_IF_MATCH=item.etag
    )


def api_create(user: User, roles: RoleMatrix, **body: object) -> "_MonkeyPatchedResponse":
    return api(user).post(
        "/api/v1/action-items/",
        {
            "recommendation": roles.item.recommendation.code,
            "title_en": "Back-dated",
            "title_fr": "Antidatée",
            "owner_agency": roles.owner.acronym,
            "due_date": days_from_today(-30).isoformat(),
            **body,
        },
        format="json",
    )


def unchanged(item: ActionItem) -> bool:
    before = item.due_date
    item.refresh_from_db()
    return item.due_date == before and not ProgressUpdate.objects.filter(action_item=item).exists()


# Web forms -------------------------------------------------------------------------------------


def test_a_past_re_date_is_refused_on_the_web_form_without_confirmation(
    client: Client, roles: RoleMatrix
) -> None:
    # Only coordinators re-date directly (managers request an extension).
    yesterday = days_from_today(-1)
    response = assign(
        signed_in(client, roles.coordinator),
        roles.item,
        due_date=yesterday.isoformat(),
        reason="Slipped",
    )
    assert response.status_code == 400
    assert response.context["assign_form"].errors["due_date"] == [
        f"{yesterday.isoformat()} is in the past: choose today or a later date. Only a "
        "coordinator may set a past due date, by confirming it explicitly."
    ]
    assert unchanged(roles.item)


def test_today_and_later_need_no_confirmation(client: Client, roles: RoleMatrix) -> None:
    response = assign(
        signed_in(client, roles.coordinator),
        roles.item,
        due_date=days_from_today(0).isoformat(),
        reason="Due now",
    )
    assert response.status_code == 302
    roles.item.refresh_from_db()
    assert roles.item.due_date == days_from_today(0)


def test_a_coordinator_confirms_a_past_re_date_on_the_web_form(
    client: Client, roles: RoleMatrix
) -> None:
    past = days_from_today(-10)
    response = assign(
        signed_in(client, roles.coordinator),
        roles.item,
        due_date=past.isoformat(),
        reason="The agreed date, recorded late",
        confirm_past_due_date="on",
    )
    assert response.status_code == 302
    roles.item.refresh_from_db()
    assert roles.item.due_date == past
    assert ProgressUpdate.objects.get(action_item=roles.item).due_date_after == past


@pytest.mark.parametrize(("who", "offered"), [("coordinator", True), ("manager", False)])
def test_only_coordinators_see_the_confirmation_checkbox(
    client: Client, roles: RoleMatrix, who: str, offered: bool
) -> None:
    html = signed_in(client, roles.by_name(who)).get(
        reverse("recommendations:item", args=[roles.item.pk])
    )
    assert ('name="assign-confirm_past_due_date"' in html.content.decode()) is offered


def test_a_manager_ticking_a_forged_checkbox_is_still_refused(
    client: Client, roles: RoleMatrix
) -> None:
    response = assign(
        signed_in(client, roles.manager),
        roles.item,
        due_date=days_from_today(-10).isoformat(),
        reason="Forged",
        confirm_past_due_date="on",
    )
    # Neither the due date nor the confirmation is on a manager's form (managers request an
    # extension): the forged values are ignored and nothing is recorded.
    assert response.status_code == 400
    assert "due_date" not in response.context["assign_form"].fields
    assert unchanged(roles.item)


def test_a_new_item_with_a_past_due_date_needs_the_coordinators_confirmation(
    client: Client, roles: RoleMatrix
) -> None:
    coordinator = signed_in(client, roles.coordinator)
    page = coordinator.get(
        reverse("recommendations:item_create", args=[roles.item.recommendation_id])
    )
    assert 'name="confirm_past_due_date"' in page.content.decode()
    refused = new_item(coordinator, roles)
    assert refused.status_code == 400
    assert PAST_MESSAGE in refused.context["form"].errors["due_date"][0]
    assert not ActionItem.objects.filter(title_en="Back-dated").exists()
    confirmed = new_item(coordinator, roles, confirm_past_due_date="on")
    assert confirmed.status_code == 302
    assert ActionItem.objects.get(title_en="Back-dated").due_date == days_from_today(-30)


# API -------------------------------------------------------------------------------------------


def test_a_past_re_date_is_refused_by_the_api_without_confirmation(roles: RoleMatrix) -> None:
    response = api_patch(
        roles.coordinator, roles.item, {"due_date": days_from_today(-3).isoformat(), "note": "x"}
    )
    assert response.status_code == 400
    assert PAST_MESSAGE in response.json()["due_date"][0]
    assert unchanged(roles.item)


def test_a_coordinator_confirms_a_past_re_date_through_the_api(roles: RoleMatrix) -> None:
    past = days_from_today(-3)
    response = api_patch(
        roles.coordinator,
        roles.item,
        {"due_date": past.isoformat(), "note": "Recorded late", "confirm_past_due_date": True},
    )
    assert response.status_code == 200, response.content
    assert response.json()["due_date"] == past.isoformat()


def test_a_manager_may_not_send_the_confirmation(roles: RoleMatrix) -> None:
    response = api_patch(roles.manager, roles.item, {"note": "x", "confirm_past_due_date": True})
    assert response.status_code == 403
    assert response.json()["detail"] == "Only coordinators may set a due date in the past."
    # With a date, the first refusal is the re-date itself (managers request an extension).
    response = api_patch(
        roles.manager,
        roles.item,
        {"due_date": days_from_today(-3).isoformat(), "note": "x", "confirm_past_due_date": True},
    )
    assert response.status_code == 403
    assert "request an extension" in response.json()["detail"]
    assert unchanged(roles.item)


def test_the_confirmation_must_be_a_json_boolean(roles: RoleMatrix) -> None:
    response = api_patch(
        roles.coordinator,
        roles.item,
        {"due_date": days_from_today(-3).isoformat(), "note": "x", "confirm_past_due_date": "yes"},
    )
    assert response.status_code == 400
    assert response.json()["confirm_past_due_date"]
    assert unchanged(roles.item)


def test_creating_a_past_item_through_the_api_needs_the_confirmation(roles: RoleMatrix) -> None:
    refused = api_create(roles.coordinator, roles)
    assert refused.status_code == 400
    assert PAST_MESSAGE in refused.json()["due_date"][0]
    assert not ActionItem.objects.filter(title_en="Back-dated").exists()
    created = api_create(roles.coordinator, roles, confirm_past_due_date=True)
    assert created.status_code == 201, created.content
    assert created.json()["due_date"] == days_from_today(-30).isoformat()


# Admin -----------------------------------------------------------------------------------------


def test_the_admin_refuses_a_past_due_date_unless_confirmed(roles: RoleMatrix) -> None:
    client = Client()
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    url = "/admin/recommendations/actionitem/add/"
    assert 'name="confirm_past_due_date"' in client.get(url).content.decode()
    back_dated = days_from_today(-30).isoformat()
    refused = client.post(url, add_form(client, roles, due_date=back_dated))
    assert refused.status_code == 200
    assert PAST_MESSAGE in refused.context["adminform"].form.errors["due_date"][0]
    assert not ActionItem.objects.filter(sequence=42).exists()
    data = add_form(client, roles, due_date=back_dated, confirm_past_due_date="on")
    confirmed = client.post(url, data)
    assert confirmed.status_code == 302, confirmed.context["adminform"].form.errors
    assert ActionItem.objects.get(sequence=42).due_date == days_from_today(-30)


# The loaders pass the flag; the service itself refuses without it -----------------------------


def test_the_service_refuses_a_past_date_to_anyone_without_the_flag(roles: RoleMatrix) -> None:
    with pytest.raises(ValidationError) as refused:
        services.action_item_create(
            recommendation=roles.item.recommendation,
            actor=None,
            title_en="Loaded",
            title_fr="Chargée",
            owner_agency_id=roles.owner.pk,
            due_date=days_from_today(-1),
        )
    assert PAST_MESSAGE in refused.value.message_dict["due_date"][0]
