"""Who reads which quarterly report: an agency's report is for its managers and the coordinators
(403 for anyone else); the report on all agencies is for the coordinators."""

import pytest
from django.core.management import call_command
from django.http import FileResponse
from django.test import Client

from agencies.models import Membership
from quarterly.models import QuarterlyReport
from tests.factories import MembershipFactory, UserFactory
from tests.quarterly.conftest import QuarterWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(quarter_world: QuarterWorld) -> dict[str, QuarterlyReport]:
    call_command("quarterly_report", "--quarter", "2026Q3")
    return {
        (r.agency.acronym if r.agency else "all"): r
        for r in QuarterlyReport.objects.select_related("agency")
    }


def _url(report: QuarterlyReport, kind: str = "html", language: str = "en") -> str:
    return f"/reports/quarterly/{report.pk}/{kind}/{language}/"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("coordinator", {"all", "RCMP", "CBSA"}),
        ("rcmp_manager", {"RCMP"}),
        ("cbsa_manager", {"CBSA"}),
        ("rcmp_staff", set()),
    ],
)
def test_each_reader_gets_exactly_the_reports_they_may_read(
    client: Client,
    quarter_world: QuarterWorld,
    archived: dict[str, QuarterlyReport],
    who: str,
    allowed: set[str],
) -> None:
    client.force_login(getattr(quarter_world, who))
    page = client.get("/reports/quarterly/")
    assert page.status_code == 200
    for scope, report in archived.items():
        response = client.get(_url(report))
        assert response.status_code == (200 if scope in allowed else 403), (who, scope)
        assert (_url(report) in page.content.decode()) == (scope in allowed)


def test_a_refusal_says_why_and_is_not_a_crash(
    client: Client, quarter_world: QuarterWorld, archived: dict[str, QuarterlyReport]
) -> None:
    client.force_login(quarter_world.rcmp_manager)
    response = client.get(_url(archived["CBSA"], "docx", "fr"))
    assert response.status_code == 403
    assert b"managers" in response.content


def test_a_reader_downloads_the_word_document(
    client: Client, quarter_world: QuarterWorld, archived: dict[str, QuarterlyReport]
) -> None:
    client.force_login(quarter_world.cbsa_manager)
    response = client.get(_url(archived["CBSA"], "docx", "fr"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert isinstance(response, FileResponse)
    assert b"".join(response.streaming_content).startswith(b"PK")  # a zip: .docx


def test_outsiders_and_anonymous_readers_are_kept_out(
    client: Client, quarter_world: QuarterWorld, archived: dict[str, QuarterlyReport]
) -> None:
    assert client.get("/reports/quarterly/").status_code == 302  # to sign in
    client.force_login(UserFactory.create(username="outsider"))
    assert client.get("/reports/quarterly/").status_code == 403
    assert client.get(_url(archived["all"])).status_code == 403


def test_unknown_documents_are_not_found(
    client: Client, quarter_world: QuarterWorld, archived: dict[str, QuarterlyReport]
) -> None:
    client.force_login(quarter_world.coordinator)
    assert client.get(_url(archived["all"], "pdf")).status_code == 404
    assert client.get(_url(archived["all"], "html", "de")).status_code == 404
    assert client.get("/reports/quarterly/999999/html/en/").status_code == 404


def test_a_manager_of_two_agencies_reads_both(
    client: Client, quarter_world: QuarterWorld, archived: dict[str, QuarterlyReport]
) -> None:
    MembershipFactory.create(
        user=quarter_world.rcmp_manager, agency=quarter_world.cbsa, role=Membership.Role.MANAGER
    )
    client.force_login(quarter_world.rcmp_manager)
    assert client.get(_url(archived["CBSA"])).status_code == 200
