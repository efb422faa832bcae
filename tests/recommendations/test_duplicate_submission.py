"""Back after saving a progress update, then "Record update" again, records nothing the second
time: every rendering of the form carries a one-time token (a hidden field) that the service
accepts once; after a save the page is shown again by a redirect, with an empty form."""

from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.conftest import RoleMatrix
from tests.ui.helpers import signed_in, text

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

ALREADY = "This update was already recorded; it was not recorded a second time."


def item_url(item: ActionItem) -> str:
    return reverse("recommendations:item", args=[item.pk])


def rendered_form(client: Client, item: ActionItem, name: str) -> dict[str, object]:
    """What the browser would post from the form as the page rendered it (hidden fields too)."""
    form = client.get(item_url(item)).context[name]
    return {
        form.add_prefix(field): form[field].value()
        for field in form.fields
        if form[field].value() is not None
    }


def post(client: Client, item: ActionItem, data: dict[str, object]) -> "_MonkeyPatchedWSGIResponse":
    return client.post(reverse("recommendations:item_progress", args=[item.pk]), data)


def test_a_progress_form_sent_twice_records_one_update(client: Client, roles: RoleMatrix) -> None:
    client = signed_in(client, roles.staff)
    data = rendered_form(client, roles.item, "progress_form")
    data.update({"progress-status": Status.IN_PROGRESS, "progress-note": "Draft sent."})
    first = post(client, roles.item, data)
    assert first.status_code == 302
    again = post(client, roles.item, data)  # Back, then "Record update" again
    assert again.status_code == 302
    assert again["Location"] == item_url(roles.item) + "#timeline"
    assert ProgressUpdate.objects.filter(action_item=roles.item).count() == 1
    roles.item.refresh_from_db()
    assert roles.item.version == 2
    page = text(client.get(item_url(roles.item)))
    assert ALREADY in page
    assert page.count("Draft sent.") == 1


def test_a_note_form_sent_twice_records_one_note(client: Client, roles: RoleMatrix) -> None:
    # A supporting agency's note is not version-checked, so only the token stops the repeat.
    client = signed_in(client, roles.supporting_staff)
    data = rendered_form(client, roles.item, "note_form")
    data["note-note"] = "We can help with the courier data."
    assert post(client, roles.item, data).status_code == 302
    assert post(client, roles.item, data).status_code == 302
    assert ProgressUpdate.objects.filter(action_item=roles.item).count() == 1
    assert ALREADY in text(client.get(item_url(roles.item)))


def test_after_a_save_the_page_offers_an_empty_form_with_a_new_token(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.staff)
    data = rendered_form(client, roles.item, "progress_form")
    data["progress-note"] = "First."
    post(client, roles.item, data)
    fresh = rendered_form(client, roles.item, "progress_form")
    assert fresh["progress-submission"] != data["progress-submission"]
    assert not fresh.get("progress-note")
    fresh["progress-note"] = "Second."
    assert post(client, roles.item, fresh).status_code == 302
    notes = set(ProgressUpdate.objects.values_list("note", flat=True))
    assert notes == {"First.", "Second."}


def test_a_refused_form_keeps_its_token_usable(client: Client, roles: RoleMatrix) -> None:
    # Nothing was recorded, so correcting the form and sending it again must work.
    client = signed_in(client, roles.staff)
    data = rendered_form(client, roles.item, "progress_form")
    data.update({"progress-percent_complete": "150", "progress-note": "Oops."})
    assert post(client, roles.item, data).status_code == 400
    data["progress-percent_complete"] = "50"
    assert post(client, roles.item, data).status_code == 302
    assert ProgressUpdate.objects.get().percent_after == 50


def test_an_assignment_form_sent_twice_is_recorded_once(client: Client, roles: RoleMatrix) -> None:
    client = signed_in(client, roles.manager)
    data = rendered_form(client, roles.item, "assign_form")
    data["assign-assignee"] = roles.staff.pk
    url = reverse("recommendations:item_assign", args=[roles.item.pk])
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 302
    assert ProgressUpdate.objects.filter(action_item=roles.item).count() == 1
    assert ALREADY in text(client.get(item_url(roles.item)))
