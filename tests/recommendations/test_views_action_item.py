import pytest
from django.test import Client
from django.urls import reverse

from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.conftest import RoleMatrix
from tests.factories import MembershipFactory, UserFactory
from tests.ui.helpers import days_from_today, record, signed_in, text

pytestmark = pytest.mark.django_db


def item_url(item: ActionItem) -> str:
    return reverse("recommendations:item", args=[item.pk])


def progress_url(item: ActionItem) -> str:
    return reverse("recommendations:item_progress", args=[item.pk])


def assign_url(item: ActionItem) -> str:
    return reverse("recommendations:item_assign", args=[item.pk])


def progress_data(item: ActionItem, **values: object) -> dict[str, object]:
    data = {
        "progress-version": item.version,
        "progress-status": item.status,
        "progress-percent_complete": item.percent_complete,
        "progress-note": "",
    }
    data.update({f"progress-{name}": value for name, value in values.items()})
    return data


def assign_data(item: ActionItem, **values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "assign-version": item.version,
        "assign-assignee": item.assignee_id or "",
        "assign-due_date": item.due_date.isoformat(),
        "assign-reason": "",
    }
    data.update({f"assign-{name}": value for name, value in values.items()})
    return data


# What the page offers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "progress", "note_only", "assign", "edit"),
    [
        ("coordinator", True, False, True, True),
        ("manager", True, False, True, False),
        ("staff", True, False, False, False),
        ("supporting_staff", False, True, False, False),
        ("unrelated_staff", False, False, False, False),
    ],
)
def test_the_page_offers_only_what_the_policies_allow(
    client: Client,
    roles: RoleMatrix,
    who: str,
    progress: bool,
    note_only: bool,
    assign: bool,
    edit: bool,
) -> None:
    response = signed_in(client, roles.by_name(who)).get(item_url(roles.item))
    assert response.status_code == 200
    html = response.content.decode()
    assert ('name="progress-status"' in html) is progress
    assert ('name="note-note"' in html) is note_only
    assert ('name="assign-assignee"' in html) is assign
    assert (reverse("recommendations:item_edit", args=[roles.item.pk]) in html) is edit


def test_outsider_is_refused_the_item_page(client: Client, roles: RoleMatrix) -> None:
    assert signed_in(client, roles.outsider).get(item_url(roles.item)).status_code == 403


def test_unknown_item_is_a_translated_404_page(client: Client, roles: RoleMatrix) -> None:
    response = signed_in(client, roles.staff).get(reverse("recommendations:item", args=[999999]))
    assert response.status_code == 404
    assert "Page not found" in text(response)


def test_item_page_shows_everything_about_the_item_and_its_timeline(
    client: Client, roles: RoleMatrix
) -> None:
    item = record(
        roles.item,
        roles.staff,
        status=Status.IN_PROGRESS,
        percent_complete=30,
        note="Kick-off held.",
    )
    response = signed_in(client, roles.supporting_staff).get(item_url(item))
    page = text(response)
    assert item.title_en in page
    assert item.reference in page
    assert "Royal Canadian Mounted Police (RCMP)" in page
    assert "Status changed from Not started to In progress" in page
    assert "Progress changed from 0% to 30%" in page
    assert "Kick-off held." in page
    assert roles.staff.display_name in page
    assert 'datetime="' in response.content.decode()


# Recording progress --------------------------------------------------------------------------


def test_staff_records_an_update_and_sees_it_on_the_timeline(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.staff)
    response = client.post(
        progress_url(roles.item),
        progress_data(
            roles.item, status=Status.IN_PROGRESS, percent_complete=40, note="Draft sent."
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == item_url(roles.item) + "#timeline"
    update = ProgressUpdate.objects.get(action_item=roles.item)
    assert (update.status_after, update.percent_after, update.note) == (
        Status.IN_PROGRESS,
        40,
        "Draft sent.",
    )
    page = text(client.get(item_url(roles.item)))
    assert "Your update was recorded." in page
    assert "Draft sent." in page


def test_the_progress_form_offers_only_the_allowed_statuses_and_never_completed(
    client: Client, roles: RoleMatrix
) -> None:
    response = signed_in(client, roles.staff).get(item_url(roles.item))
    options = response.context["progress_form"].fields["status"].choices
    assert [value for value, _label in options] == [
        Status.NOT_STARTED,
        Status.IN_PROGRESS,
        Status.BLOCKED,
    ]
    refused = client.post(
        progress_url(roles.item), progress_data(roles.item, status=Status.COMPLETED)
    )
    assert refused.status_code == 400
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.version) == (Status.NOT_STARTED, 1)


def test_invalid_percent_is_refused_with_an_error_linked_to_its_field(
    client: Client, roles: RoleMatrix
) -> None:
    response = signed_in(client, roles.staff).post(
        progress_url(roles.item), progress_data(roles.item, percent_complete=150)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_progress-percent_complete"' in html  # the error summary links to the field
    assert 'id="id_progress-percent_complete_error"' in html
    assert 'aria-invalid="true"' in html
    assert (
        'aria-describedby="id_progress-percent_complete_helptext id_progress-percent_complete_error"'
        in html
    )
    assert not ProgressUpdate.objects.exists()


def test_submitting_nothing_new_is_explained(client: Client, roles: RoleMatrix) -> None:
    response = signed_in(client, roles.staff).post(
        progress_url(roles.item), progress_data(roles.item)
    )
    assert response.status_code == 400
    assert "Nothing to record" in text(response)


def test_supporting_agency_adds_a_note_only(client: Client, roles: RoleMatrix) -> None:
    response = signed_in(client, roles.supporting_staff).post(
        progress_url(roles.item), {"note-version": roles.item.version, "note-note": "We can help."}
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.note, update.status_after) == ("We can help.", Status.NOT_STARTED)


def test_supporting_agency_posting_a_status_change_is_refused(
    client: Client, roles: RoleMatrix
) -> None:
    response = signed_in(client, roles.supporting_staff).post(
        progress_url(roles.item), progress_data(roles.item, status=Status.COMPLETED)
    )
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_unrelated_staff_posting_anything_is_refused(client: Client, roles: RoleMatrix) -> None:
    client = signed_in(client, roles.unrelated_staff)
    assert (
        client.post(progress_url(roles.item), {"note-note": "Hi", "note-version": 1}).status_code
        == 403
    )
    assert (
        client.post(
            progress_url(roles.item), progress_data(roles.item, status="blocked")
        ).status_code
        == 403
    )
    assert not ProgressUpdate.objects.exists()


def test_get_on_a_write_url_is_not_allowed(client: Client, roles: RoleMatrix) -> None:
    assert signed_in(client, roles.staff).get(progress_url(roles.item)).status_code == 405


# Assigning and re-dating ---------------------------------------------------------------------


def test_manager_assigns_the_item_to_a_member_of_their_agency(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.manager)
    response = client.post(assign_url(roles.item), assign_data(roles.item, assignee=roles.staff.pk))
    assert response.status_code == 302
    roles.item.refresh_from_db()
    assert roles.item.assignee == roles.staff
    assert f"Assigned to {roles.staff.display_name}" in text(client.get(item_url(roles.item)))


def test_assignee_choices_are_the_owner_agencys_members_only(
    client: Client, roles: RoleMatrix
) -> None:
    response = signed_in(client, roles.manager).get(item_url(roles.item))
    choices = {user.pk for user in response.context["assign_form"].fields["assignee"].queryset}
    assert choices == {roles.manager.pk, roles.staff.pk}
    response = client.post(
        assign_url(roles.item), assign_data(roles.item, assignee=roles.supporting_staff.pk)
    )
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    roles.item.refresh_from_db()
    assert roles.item.assignee is None


def test_changing_the_due_date_needs_a_reason_which_goes_on_the_timeline(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.coordinator)
    new_date = days_from_today(90)
    refused = client.post(
        assign_url(roles.item), assign_data(roles.item, due_date=new_date.isoformat())
    )
    assert refused.status_code == 400
    assert "Give the reason for the new due date." in text(refused)
    assert 'href="#id_assign-reason"' in refused.content.decode()
    accepted = client.post(
        assign_url(roles.item),
        assign_data(
            roles.item, due_date=new_date.isoformat(), reason="Waiting for the regulation."
        ),
    )
    assert accepted.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.due_date_after, update.note) == (new_date, "Waiting for the regulation.")
    assert "Due date changed from" in text(client.get(item_url(roles.item)))


@pytest.mark.parametrize("who", ["staff", "supporting_staff", "unrelated_staff"])
def test_only_managers_and_coordinators_may_assign(
    client: Client, roles: RoleMatrix, who: str
) -> None:
    response = signed_in(client, roles.by_name(who)).post(
        assign_url(roles.item), assign_data(roles.item, assignee=roles.staff.pk)
    )
    assert response.status_code == 403
    roles.item.refresh_from_db()
    assert roles.item.assignee is None


def test_a_manager_of_another_agency_may_not_assign(client: Client, roles: RoleMatrix) -> None:
    other_manager = MembershipFactory.create(
        user=UserFactory.create(username="cbsa-manager"), agency=roles.supporting, role="manager"
    ).user
    response = signed_in(client, other_manager).post(
        assign_url(roles.item), assign_data(roles.item, assignee=roles.staff.pk)
    )
    assert response.status_code == 403


# No lost updates -----------------------------------------------------------------------------


def test_a_stale_progress_form_is_refused_and_shows_what_changed(
    client: Client, roles: RoleMatrix
) -> None:
    opened = roles.item  # version 1, as the page was opened
    record(
        ActionItem.objects.get(pk=opened.pk),
        roles.manager,
        percent_complete=60,
        note="Manager's change",
    )
    response = signed_in(client, roles.staff).post(
        progress_url(opened),
        progress_data(opened, status=Status.IN_PROGRESS, percent_complete=20, note="Mine"),
    )
    assert response.status_code == 409
    page = text(response)
    assert "This item was changed by someone else since you opened it" in page
    assert "Nothing was saved" in page
    assert "Percent complete 60 20 different" in page  # now vs what you entered
    assert "Manager's change" in page  # the change they missed
    current = ActionItem.objects.get(pk=opened.pk)
    assert (current.percent_complete, current.version) == (60, 2)
    assert ProgressUpdate.objects.count() == 1
    # Their entries are kept, now based on the current version: saving again is deliberate.
    form = response.context["progress_form"]
    assert form["version"].value() == "2"
    assert form["percent_complete"].value() == "20"
    assert form["note"].value() == "Mine"


def test_resubmitting_after_a_conflict_saves(client: Client, roles: RoleMatrix) -> None:
    record(ActionItem.objects.get(pk=roles.item.pk), roles.manager, percent_complete=60)
    client = signed_in(client, roles.staff)
    refused = client.post(progress_url(roles.item), progress_data(roles.item, percent_complete=70))
    assert refused.status_code == 409
    data = {
        name: refused.context["progress_form"][name].value()
        for name in ("version", "status", "percent_complete", "note")
    }
    accepted = client.post(progress_url(roles.item), {f"progress-{k}": v for k, v in data.items()})
    assert accepted.status_code == 302
    roles.item.refresh_from_db()
    assert roles.item.percent_complete == 70


def test_a_stale_assignment_form_is_refused(client: Client, roles: RoleMatrix) -> None:
    record(ActionItem.objects.get(pk=roles.item.pk), roles.coordinator, assignee=roles.manager)
    response = signed_in(client, roles.manager).post(
        assign_url(roles.item), assign_data(roles.item, assignee=roles.staff.pk)
    )
    assert response.status_code == 409
    page = text(response)
    assert f"Assigned to {roles.manager.display_name} {roles.staff.display_name} different" in page
    roles.item.refresh_from_db()
    assert roles.item.assignee == roles.manager


def test_a_note_from_a_supporting_agency_is_never_stale(client: Client, roles: RoleMatrix) -> None:
    record(ActionItem.objects.get(pk=roles.item.pk), roles.staff, percent_complete=10)
    response = signed_in(client, roles.supporting_staff).post(
        progress_url(roles.item), {"note-version": 1, "note-note": "Still relevant."}
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.filter(note="Still relevant.").exists()


def test_the_timeline_shows_only_the_fields_an_entry_changed(
    client: Client, roles: RoleMatrix
) -> None:
    import datetime as dt

    from recommendations.services import action_item_change

    item = action_item_change(
        item=roles.item, actor=roles.staff, expected_version=roles.item.version, status="blocked"
    ).item
    action_item_change(
        item=item,
        actor=roles.coordinator,
        expected_version=item.version,
        due_date=item.due_date + dt.timedelta(days=10),
        note="Later",
    )
    page = text(signed_in(client, roles.manager).get(item_url(roles.item)))
    assert page.count("Status changed from") == 1
    assert "Status: " not in page
    assert "Progress: " not in page
    assert "Due date changed from" in page
