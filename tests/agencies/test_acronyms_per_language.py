"""Each agency has an acronym per language: French readers see GRC, ASFC, CANAFE on pages,
emails, charts and exports; the English acronym stays the identifier of the API and commands."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from agencies.models import Agency
from recommendations.services import action_item_change
from tests.conftest import RoleMatrix
from tests.ui.helpers import signed_in, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def french(roles: RoleMatrix) -> RoleMatrix:
    Agency.objects.filter(pk=roles.owner.pk).update(acronym_fr="GRC")
    roles.owner.refresh_from_db()
    for user in (roles.manager, roles.staff):
        user.language = "fr"
        user.save(update_fields=["language"])
    return roles


def test_french_pages_show_the_french_acronym_and_english_pages_the_english_one(
    client: Client, french: RoleMatrix
) -> None:
    item_page = text(signed_in(client, french.staff).get(f"/items/{french.item.pk}/"))
    assert "(GRC)" in item_page
    assert "(RCMP)" not in item_page
    french.staff.language = "en"
    french.staff.save(update_fields=["language"])
    assert "(RCMP)" in text(client.get(f"/items/{french.item.pk}/"))


def test_french_report_its_chart_and_exports_show_the_french_acronym(
    client: Client, french: RoleMatrix
) -> None:
    client = signed_in(client, french.manager)
    page = client.get("/reports/").content.decode()
    assert ">GRC<" in page
    assert ">RCMP<" not in page
    csv = client.get("/reports/export.csv").content.decode("utf-8-sig")
    assert "GRC" in csv
    assert ",RCMP," not in csv


def test_a_french_email_names_the_agency_by_its_french_acronym(
    french: RoleMatrix, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        action_item_change(
            item=french.item,
            actor=french.manager,
            expected_version=french.item.version,
            assignee=french.staff,
            note="Nouveau plan",
        )
    (message,) = mail.outbox
    assert "GRC" in message.body
    assert "RCMP" not in message.body


def test_the_api_and_commands_keep_the_english_acronym_as_identifier(french: RoleMatrix) -> None:
    api = APIClient()
    api.force_authenticate(french.staff)
    body = api.get(f"/api/v1/action-items/{french.item.pk}/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert body["owner_agency"] == "RCMP"
    assert [a["acronym"] for a in api.get("/api/v1/agencies/?page_size=200").json()["results"]]
    call_command("add_member", "newcomer", "--agency", "RCMP", "--role", "staff")
    assert french.owner.memberships.filter(user__username="newcomer").exists()


def test_the_roundtable_gives_the_french_acronyms_and_loading_twice_changes_nothing() -> None:
    call_command("load_roundtable", verbosity=0)
    french = dict(Agency.objects.values_list("acronym", "acronym_fr"))
    assert french["RCMP"] == "GRC"
    assert french["CBSA"] == "ASFC"
    assert french["FINTRAC"] == "CANAFE"
    assert french["HC"] == "SC"
    assert french["PSC"] == "SP"
    assert french["CPC"] == "SCP"
    assert french["PPSC"] == "SPPC"
    before = list(Agency.objects.order_by("pk").values())
    call_command("load_roundtable", verbosity=0)
    assert list(Agency.objects.order_by("pk").values()) == before
