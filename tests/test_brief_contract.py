"""The fixed interfaces of the product brief ("Interfaces that people and scripts rely on"), checked
as an operator or an integration would use them, and the `make run` path on a fresh database."""

import datetime
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Agency, User
from notifications.models import Notification
from recommendations.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from recommendations.models import ActionItem, ProgressUpdate
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

BRIEF_ACTION_ITEM_FIELDS = {
    "id",
    "recommendation",
    "title",
    "owner_agency",
    "assignee",
    "status",
    "due_date",
    "percent_complete",
    "is_overdue",
    "updated_at",
}
FACTORY_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
BRIEF_ACRONYMS = {"PSC", "RCMP", "CBSA", "HC", "FINTRAC", "CPC", "PPSC"}


def token_client(username: str, password: str = FACTORY_PASSWORD) -> APIClient:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


# The API's action items -------------------------------------------------------------------------


def test_action_items_carry_the_brief_fields_with_acronym_and_username(roles: RoleMatrix) -> None:
    roles.item.assignee = roles.staff
    roles.item.save(update_fields=["assignee"])
    unassigned = ActionItemFactory.create(recommendation=roles.item.recommendation)
    client = token_client("staff")

    listed = {row["id"]: row for row in client.get("/api/v1/action-items/").json()["results"]}
    detail = client.get(f"/api/v1/action-items/{roles.item.pk}/")

    assert set(listed[roles.item.pk]) >= BRIEF_ACTION_ITEM_FIELDS
    body = detail.json()
    assert set(body) >= BRIEF_ACTION_ITEM_FIELDS
    assert body["id"] == roles.item.pk
    assert body["owner_agency"] == "RCMP"
    assert body["assignee"] == "staff"
    assert listed[unassigned.pk]["assignee"] is None
    assert body["status"] == "not_started"
    assert body["due_date"] == roles.item.due_date.isoformat()
    assert isinstance(body["percent_complete"], int)
    assert body["is_overdue"] is False
    assert detail["ETag"] == roles.item.etag


def test_the_etag_of_a_write_is_the_if_match_of_the_next(roles: RoleMatrix) -> None:
    client = token_client("staff")
    url = f"/api/v1/action-items/{roles.item.pk}/"
    etag = client.get(url)["ETag"]
    first = client.patch(url, {"status": "in_progress"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    assert client.patch(url, {"percent_complete": 5}, format="json").status_code == 428
    assert (
        client.patch(url, {"percent_complete": 5}, format="json", HTTP_IF_MATCH=etag).status_code
        == 412
    )
    second = client.patch(url, {"percent_complete": 5}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert second.status_code == 200


def test_filtering_by_the_field_name_owner_agency_filters(roles: RoleMatrix) -> None:
    """A script reading ``owner_agency`` in the items filters by that name; it must not get
    every item back as if it had been filtered."""
    ActionItemFactory.create(owner_agency=roles.supporting)
    client = token_client("coordinator")
    by_field = client.get("/api/v1/action-items/", {"owner_agency": "RCMP"})
    assert by_field.status_code == 200
    assert {row["owner_agency"] for row in by_field.json()["results"]} == {"RCMP"}
    assert client.get("/api/v1/action-items/", {"owner_agency": "NOPE"}).json()["count"] == 0


def test_the_report_summary_gives_numbers_by_status_agency_and_theme(roles: RoleMatrix) -> None:
    body = token_client("coordinator").get("/api/v1/reports/summary/").json()
    by_status = {row["status"]: row["count"] for row in body["totals"]["by_status"]}
    assert by_status["not_started"] == 1
    assert sum(by_status.values()) == ActionItem.objects.count()
    assert [row["acronym"] for row in body["by_agency"]] == ["RCMP"]
    assert len(body["by_theme"]) == 1


def test_the_schema_and_its_viewer_are_at_the_fixed_addresses(client: Client) -> None:
    assert client.get("/api/schema/").status_code == 200
    assert b"openapi" in client.get("/api/schema/").content
    assert client.get("/api/docs/").status_code == 200


# Operators' commands ----------------------------------------------------------------------------


def test_make_run_path_loads_the_demo_and_previews_reminders_on_a_fresh_database() -> None:
    """`make run` = migrate, load_roundtable, load_demo; an operator then previews the reminders."""
    call_command("load_roundtable", stdout=io.StringIO())
    assert set(Agency.objects.values_list("acronym", flat=True)) >= BRIEF_ACRONYMS
    call_command("load_demo", stdout=io.StringIO())
    updates = ProgressUpdate.objects.count()

    out = io.StringIO()
    call_command("run_reminders", "--dry-run", stdout=out)
    assert "would be sent" in out.getvalue()
    assert not Notification.objects.exists()
    assert mail.outbox == []

    out = io.StringIO()
    call_command("run_reminders", "--at", "2021-06-01T08:00", "--dry-run", stdout=out)
    assert "Reminder day 2021-06-01" in out.getvalue()

    # Loading again (make run is run again) changes nothing.
    call_command("load_roundtable", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    assert ProgressUpdate.objects.count() == updates
    assert not Notification.objects.exists()

    account = DEMO_ACCOUNTS[0].username
    assert User.objects.get(username=account).check_password(DEMO_PASSWORD)
    token_client(account, DEMO_PASSWORD)


@pytest.mark.parametrize("moment", ["tomorrow", "2026-02-30T08:00", "2026-13-01T08:00"])
def test_run_reminders_refuses_a_bad_moment_with_a_clear_error(moment: str) -> None:
    with pytest.raises(CommandError, match="--at"):
        call_command("run_reminders", "--at", moment, "--dry-run", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["bad name", "--agency", "RCMP", "--role", "staff"], "username"),
        (["", "--agency", "RCMP", "--role", "staff"], "username"),
        (["jdoe", "--agency", "RCMP", "--role", "staff", "--email", "not-an-address"], "email"),
        (["jdoe", "--agency", "RCMP", "--role", "boss"], "role"),
        (["jdoe", "--agency", "RCMP", "--role", "staff", "--language", "de"], "language"),
    ],
)
def test_add_member_refuses_bad_values_and_creates_nobody(
    roles: RoleMatrix, arguments: list[Any], message: str
) -> None:
    before = User.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("add_member", *arguments, stdout=io.StringIO())
    assert User.objects.count() == before


def test_a_dry_run_names_each_recipient_by_username(roles: RoleMatrix) -> None:
    roles.item.due_date = datetime.date(2021, 6, 8)
    roles.item.assignee = roles.staff
    roles.item.save(update_fields=["due_date", "assignee"])
    out = io.StringIO()
    call_command("run_reminders", "--at", "2021-06-01T08:00", "--dry-run", stdout=out)
    assert "  staff " in out.getvalue()
    assert "due_soon" in out.getvalue()


def test_assignee_is_written_as_a_username_and_null_unassigns(roles: RoleMatrix) -> None:
    client = token_client("manager")
    url = f"/api/v1/action-items/{roles.item.pk}/"
    assigned = client.patch(
        url, {"assignee": "staff"}, format="json", HTTP_IF_MATCH=client.get(url)["ETag"]
    )
    assert assigned.status_code == 200
    assert assigned.json()["assignee"] == "staff"
    unassigned = client.patch(
        url, {"assignee": None}, format="json", HTTP_IF_MATCH=assigned["ETag"]
    )
    assert unassigned.status_code == 200
    assert unassigned.json()["assignee"] is None
    assert [u["assignee_after"] for u in client.get(url + "updates/").json()["results"]] in (
        [None, "staff"],
        ["staff", None],
    )
