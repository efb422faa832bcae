"""The accountability workflow in chromium: submit with a file, verify, return; request, approve,
reject; assess and see the discrepancy badge; a refused form's errors beside their fields, in
English and French; axe on the new pages."""

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from recommendations.accountability.models import ExtensionRequest, Submission
from recommendations.models import ActionItem, Status
from tests.accountability.conftest import PDF_BYTES
from tests.accountability.test_form_errors import submitted as submit_as_staff
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory
from tests.ui.test_browser import axe_violations, browser, item_path, new_page, page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["browser", "page"]  # fixtures shared with the other browser tests


@pytest.fixture
def two_pages(browser: Browser, live_server: LiveServer) -> Iterator[list[Page]]:
    pages = [new_page(browser, live_server), new_page(browser, live_server)]
    yield pages
    for opened in pages:
        opened.context.close()


def submit_with_a_file(page: Page, item: ActionItem, tmp_path: Path) -> None:
    report = tmp_path / "final-report.pdf"
    report.write_bytes(PDF_BYTES)
    page.goto(item_path(item))
    page.get_by_label("Closing note").fill("The report is published.")
    page.get_by_label("Evidence files").set_input_files(str(report))
    page.get_by_role("button", name="Submit for verification").click()
    assert "The item was submitted for verification." in page.content()


def test_staff_submit_with_a_file_and_a_coordinator_verifies_one_and_returns_another(
    two_pages: list[Page], roles: RoleMatrix, tmp_path: Path
) -> None:
    staff_page, coordinator_page = two_pages
    other = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    sign_in(staff_page, roles.staff)
    submit_with_a_file(staff_page, roles.item, tmp_path)
    submit_with_a_file(staff_page, other, tmp_path)
    assert staff_page.get_by_role("link", name="final-report.pdf").is_visible()

    sign_in(coordinator_page, roles.coordinator)
    coordinator_page.goto(reverse("recommendations:verification_queue"))
    assert "Verification queue (2)" in coordinator_page.get_by_role("navigation").inner_text()
    assert axe_violations(coordinator_page) == ""
    coordinator_page.get_by_role("link", name=roles.item.title_en).click()
    assert axe_violations(coordinator_page) == ""
    coordinator_page.get_by_label("Accept: verified complete").check()
    coordinator_page.get_by_role("button", name="Record the decision").click()
    assert "The item is verified complete." in coordinator_page.content()

    coordinator_page.goto(item_path(other))
    coordinator_page.get_by_label("Return to the agency").check()
    coordinator_page.get_by_role("button", name="Record the decision").click()
    assert "Say why the submission is returned." in coordinator_page.content()
    coordinator_page.get_by_label("Return to the agency").check()
    coordinator_page.get_by_label("Reason (required to return)").fill("Add the other regions.")
    coordinator_page.get_by_role("button", name="Record the decision").click()
    assert "The submission was returned to the agency." in coordinator_page.content()

    assert ActionItem.objects.get(pk=roles.item.pk).status == Status.COMPLETED
    assert ActionItem.objects.get(pk=other.pk).status == Status.IN_PROGRESS
    assert sorted(Submission.objects.values_list("decision", flat=True)) == [
        "accepted",
        "returned",
    ]


def test_a_manager_requests_extensions_and_a_coordinator_approves_one_and_rejects_another(
    two_pages: list[Page], roles: RoleMatrix
) -> None:
    manager_page, coordinator_page = two_pages
    other = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    sign_in(manager_page, roles.manager)
    for item in (roles.item, other):
        manager_page.goto(item_path(item))
        proposed = item.due_date + datetime.timedelta(days=30)
        manager_page.get_by_label("Proposed due date").fill(proposed.isoformat())
        manager_page.get_by_label("Reason", exact=True).fill("Partners' data is late.")
        manager_page.get_by_role("button", name="Request the extension").click()
        assert "Your extension request was sent for a decision." in manager_page.content()

    sign_in(coordinator_page, roles.coordinator)
    coordinator_page.goto(reverse("recommendations:extension_requests"))
    assert axe_violations(coordinator_page) == ""
    for item, decision in ((roles.item, "Approve"), (other, "Reject")):
        coordinator_page.goto(item_path(item))
        coordinator_page.get_by_label(decision, exact=True).check()
        coordinator_page.locator("#id_decide-reason").fill("Decided at the secretariat meeting.")
        coordinator_page.get_by_role("button", name="Record the decision").click()
        assert "The extension request was decided." in coordinator_page.content()

    statuses = dict(ExtensionRequest.objects.values_list("action_item_id", "status"))
    assert statuses == {roles.item.pk: "approved", other.pk: "rejected"}
    approved = ActionItem.objects.get(pk=roles.item.pk)
    assert approved.due_date == roles.item.due_date + datetime.timedelta(days=30)
    assert approved.original_due_date == roles.item.original_due_date


def test_a_coordinator_assesses_and_sees_the_discrepancy_badge(
    page: Page, roles: RoleMatrix
) -> None:
    ActionItem.objects.filter(pk=roles.item.pk).update(status=Status.IN_PROGRESS)
    sign_in(page, roles.coordinator)
    page.goto(item_path(roles.item))
    page.get_by_label("Rating").select_option("off_track")
    page.get_by_label("Rationale").fill("Nothing delivered since the kick-off.")
    page.get_by_role("button", name="Record the assessment").click()
    assert "Your assessment was recorded." in page.content()
    assert page.locator(".flag--discrepancy").inner_text() == "Discrepancy"
    assert axe_violations(page) == ""


def test_in_french_staff_submit_with_a_file_and_a_coordinator_verifies(
    two_pages: list[Page], roles: RoleMatrix, tmp_path: Path
) -> None:
    staff_page, coordinator_page = two_pages
    for person in (roles.staff, roles.coordinator):
        person.language = "fr"
        person.save()
    report = tmp_path / "rapport-final.pdf"
    report.write_bytes(PDF_BYTES)
    sign_in(staff_page, roles.staff)
    staff_page.goto(item_path(roles.item))
    assert staff_page.get_attribute("html", "lang") == "fr"
    staff_page.get_by_label("Note de clôture").fill("Le rapport est publié.")
    staff_page.get_by_label("Pièces justificatives").set_input_files(str(report))
    staff_page.get_by_role("button", name="Soumettre à la vérification").click()
    assert "La mesure a été soumise à la vérification." in staff_page.content()
    assert axe_violations(staff_page) == ""

    sign_in(coordinator_page, roles.coordinator)
    coordinator_page.goto(reverse("recommendations:verification_queue"))
    assert coordinator_page.get_attribute("html", "lang") == "fr"
    assert axe_violations(coordinator_page) == ""
    coordinator_page.goto(item_path(roles.item))
    coordinator_page.get_by_label("Accepter").check()
    coordinator_page.get_by_role("button", name="Consigner la décision").click()
    assert "L\u2019achèvement de la mesure est vérifié." in coordinator_page.content()
    assert axe_violations(coordinator_page) == ""
    assert ActionItem.objects.get(pk=roles.item.pk).status == Status.COMPLETED


REFUSED_FORM_WORDS = {
    "en": {
        "return": "Return to the agency",
        "decide": "Record the decision",
        "return_error": "Say why the submission is returned.",
        "proposed": "Proposed due date",
        "reason": "Reason",
        "request": "Request the extension",
        "date_error": "Propose a date after the current due date",
        "problem": "There is a problem",
    },
    "fr": {
        "return": "Renvoyer à l\u2019organisme",
        "decide": "Consigner la décision",
        "return_error": "Indiquez pourquoi la soumission est renvoyée.",
        "proposed": "Échéance proposée",
        "reason": "Motif",
        "request": "Demander la prolongation",
        "date_error": "Proposez une date postérieure à l\u2019échéance actuelle",
        "problem": "Il y a un problème",
    },
}


def assert_error_beside(page: Page, field_id: str, message: str, problem: str) -> None:
    """The error is in the field's own error list, the field is marked invalid and described by
    it, and the form's error summary (which links to the field) has the focus."""
    expect(page.locator(f"#{field_id}_error")).to_contain_text(message)
    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert f"{field_id}_error" in (field.get_attribute("aria-describedby") or "")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_count(1)
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(problem)
    expect(summary.locator(f'a[href="#{field_id}"]')).to_contain_text(message)
    assert field.evaluate(
        "(node, summary) => summary.closest('form') === node.form", summary.element_handle()
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_empty_return_reason_and_a_too_early_date_are_shown_beside_their_fields(
    two_pages: list[Page], roles: RoleMatrix, language: str
) -> None:
    words = REFUSED_FORM_WORDS[language]
    coordinator_page, manager_page = two_pages
    for person in (roles.coordinator, roles.manager):
        person.language = language
        person.save()
    submitted = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    submit_as_staff(roles, submitted)

    sign_in(coordinator_page, roles.coordinator)
    coordinator_page.goto(item_path(submitted))
    coordinator_page.get_by_label(words["return"]).check()
    coordinator_page.get_by_role("button", name=words["decide"]).click()
    assert_error_beside(
        coordinator_page, "id_verify-reason", words["return_error"], words["problem"]
    )
    # The choice made is kept; the assessment form beside it is untouched.
    expect(coordinator_page.get_by_label(words["return"])).to_be_checked()
    expect(coordinator_page.locator("#id_assess-rationale")).to_have_value("")
    assert axe_violations(coordinator_page) == ""
    assert Submission.objects.get(action_item=submitted).is_pending

    sign_in(manager_page, roles.manager)
    manager_page.goto(item_path(roles.item))
    too_early = (roles.item.due_date - datetime.timedelta(days=1)).isoformat()
    manager_page.get_by_label(words["proposed"]).fill(too_early)
    manager_page.get_by_label(words["reason"], exact=True).fill("Partners' data is late.")
    manager_page.get_by_role("button", name=words["request"]).click()
    assert_error_beside(
        manager_page, "id_extension-proposed_due_date", words["date_error"], words["problem"]
    )
    expect(manager_page.get_by_label(words["proposed"])).to_have_value(too_early)
    expect(manager_page.get_by_label(words["reason"], exact=True)).to_have_value(
        "Partners' data is late."
    )
    assert manager_page.get_attribute("html", "lang") == language
    assert axe_violations(manager_page) == ""
    assert not ExtensionRequest.objects.exists()
