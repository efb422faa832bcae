"""The admin is no back door around the timeline: the action items shown under a recommendation
cannot be re-assigned, re-dated or added there without a progress update (or crash doing so), and
the item admin saves through the services: a timeline entry, a version bump, the same rules."""

import datetime

import pytest
from django.test import Client
from rest_framework.test import APIClient

from recommendations.models import ActionItem, ProgressUpdate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def form_values(response) -> dict[str, object]:
    """What a browser would post back from an admin change form, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, object] = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, (list, tuple)):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif value is True:
                data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(getattr(value, "pk", value))
    return data


def test_items_under_a_recommendation_cannot_be_reassigned_or_redated_in_the_admin(
    admin_client_, roles
):
    url = f"/admin/recommendations/recommendation/{roles.item.recommendation_id}/change/"
    page = admin_client_.get(url)
    assert page.status_code == 200
    data = form_values(page)
    data["action_items-0-assignee"] = str(roles.staff.pk)
    data["action_items-0-due_date"] = "2030-01-01"
    response = admin_client_.post(url, data)
    assert response.status_code in {200, 302}
    item = ActionItem.objects.get(pk=roles.item.pk)
    assert (item.assignee_id, item.due_date) == (roles.item.assignee_id, roles.item.due_date)
    assert not ProgressUpdate.objects.exists()


def test_adding_an_item_under_a_recommendation_in_the_admin_does_not_crash(admin_client_, roles):
    url = f"/admin/recommendations/recommendation/{roles.item.recommendation_id}/change/"
    data = form_values(admin_client_.get(url))
    data.update(
        {
            "action_items-TOTAL_FORMS": "2",
            "action_items-1-sequence": "9",
            "action_items-1-title_en": "New",
            "action_items-1-owner_agency": str(roles.owner.pk),
            "action_items-1-due_date": datetime.date(2030, 1, 1).isoformat(),
        }
    )
    response = admin_client_.post(url, data)  # the test client re-raises a crash
    assert response.status_code in {200, 302}
    for item in ActionItem.objects.all():
        assert item.original_due_date is not None


def test_the_item_admin_cannot_move_an_assigned_item_to_another_agency_behind_the_timeline(
    admin_client_, roles
):
    roles.item.assignee = roles.staff
    roles.item.save(update_fields=["assignee"])
    url = f"/admin/recommendations/actionitem/{roles.item.pk}/change/"
    data = form_values(admin_client_.get(url))
    data["owner_agency"] = str(roles.unrelated.pk)
    data["title_en"] = "Renamed in the admin"
    response = admin_client_.post(url, data)
    assert response.status_code == 302
    assert ActionItem.objects.get(pk=roles.item.pk).title_en == "Renamed in the admin"
    item = ActionItem.objects.get(pk=roles.item.pk)
    # The owner stays with the assignee's agency; the coordinators' page moves items properly.
    assert (item.owner_agency_id, item.assignee_id) == (roles.owner.pk, roles.staff.pk)


def test_renaming_an_item_in_the_admin_leaves_a_timeline_entry_and_a_new_etag(admin_client_, roles):
    before = ActionItem.objects.get(pk=roles.item.pk)
    url = f"/admin/recommendations/actionitem/{before.pk}/change/"
    data = form_values(admin_client_.get(url))
    data["title_en"] = "Renamed in the admin"
    assert admin_client_.post(url, data).status_code == 302

    after = ActionItem.objects.get(pk=before.pk)
    assert after.title_en == "Renamed in the admin"
    assert after.version == before.version + 1
    entry = ProgressUpdate.objects.get(action_item=after)
    assert entry.author.username == "root"
    assert "title (English)" in entry.note
    # An API client holding the old ETag is now refused instead of overwriting the rename.
    api = APIClient()
    api.force_authenticate(roles.manager)
    response = api.get(f"/api/v1/action-items/{after.pk}/", HTTP_IF_NONE_MATCH=before.etag)
    assert response.status_code == 200
    assert response.headers["ETag"] == after.etag != before.etag
    stale = api.patch(
        f"/api/v1/action-items/{after.pk}/",
        {"percent_complete": 10},
        format="json",
        HTTP_IF_MATCH=before.etag,
    )
    assert stale.status_code == 412


def test_an_admin_form_opened_before_another_change_does_not_overwrite_it(admin_client_, roles):
    url = f"/admin/recommendations/actionitem/{roles.item.pk}/change/"
    data = form_values(admin_client_.get(url))
    ActionItem.objects.filter(pk=roles.item.pk).update(version=roles.item.version + 1)
    data["title_en"] = "Stale rename"
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert ActionItem.objects.get(pk=roles.item.pk).title_en != "Stale rename"


def add_form(client: Client, roles, **overrides: str) -> dict[str, object]:
    return {
        **form_values(client.get("/admin/recommendations/actionitem/add/")),
        "recommendation": str(roles.item.recommendation_id),
        "sequence": "42",
        "title_en": "Added in the admin",
        "title_fr": "Ajoutée dans l administration",
        "owner_agency": str(roles.owner.pk),
        "due_date": "2031-03-31",
        **overrides,
    }


def test_an_item_added_in_the_admin_goes_through_the_service(admin_client_, roles):
    response = admin_client_.post(
        "/admin/recommendations/actionitem/add/", add_form(admin_client_, roles)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    item = ActionItem.objects.get(sequence=42, recommendation=roles.item.recommendation)
    assert item.original_due_date == item.due_date == datetime.date(2031, 3, 31)


def test_the_admin_refuses_an_assignee_outside_the_owner_agency(admin_client_, roles):
    data = add_form(admin_client_, roles, assignee=str(roles.unrelated_staff.pk))
    response = admin_client_.post("/admin/recommendations/actionitem/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["assignee"] == [
        f"{roles.unrelated_staff.username} is not an active member of {roles.owner.acronym}."
    ]
    assert not ActionItem.objects.filter(sequence=42).exists()


def test_the_admin_refuses_a_due_date_out_of_range(admin_client_, roles):
    data = add_form(admin_client_, roles, due_date="9999-12-31")
    response = admin_client_.post("/admin/recommendations/actionitem/add/", data)
    assert response.status_code == 200
    assert "Enter a due date between" in response.context["adminform"].form.errors["due_date"][0]
    assert not ActionItem.objects.filter(sequence=42).exists()
