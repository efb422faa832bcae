"""A refused accountability form comes back on the item page with each error beside its field:
inside that form, the field marked aria-invalid and described by the error, an error summary
linking to it, what was typed kept (files excepted, and the message says so), the other forms of
the panel blank, the status code saying why, and nothing written."""

import datetime
import html as html_lib
import re
from pathlib import Path

import pytest
from django.test import Client

from agencies.models import User
from recommendations.accountability import services
from recommendations.accountability.models import (
    Assessment,
    Evidence,
    ExtensionRequest,
    Submission,
)
from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.accountability.conftest import pdf
from tests.conftest import RoleMatrix

pytestmark = pytest.mark.usefixtures("evidence_storage_in_tmp")


def form_html(page: str, form_id: str) -> str:
    """The HTML of the form with id ``form_id`` (from its opening tag to its end)."""
    start = page.index(f'<form id="{form_id}"')
    return page[start : page.index("</form>", start)]


def field_error(form: str, field_id: str) -> str:
    """The text of the errors shown beside one field, '' when there are none."""
    found = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', form, re.S)
    if not found:
        return ""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def input_tag(form: str, field_id: str) -> str:
    found = re.search(rf'<(?:input|textarea|select)[^>]*id="{field_id}"[^>]*>', form)
    assert found, field_id
    return found.group(0)


def assert_invalid_beside(form: str, field_id: str, message: str) -> None:
    """``message`` is in the field's error list, the field says it is invalid and points at the
    error, and the form's error summary links to the field."""
    assert message in field_error(form, field_id), field_error(form, field_id)
    tag = input_tag(form, field_id)
    assert 'aria-invalid="true"' in tag
    assert f"{field_id}_error" in (re.search(r'aria-describedby="([^"]*)"', tag) or [""])[0]
    assert "data-error-summary" in form
    assert f'href="#{field_id}"' in form


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_related("recommendation", "owner_agency").get(pk=item.pk)


def submitted(roles: RoleMatrix, item: ActionItem | None = None) -> Submission:
    """``item`` (the role matrix's by default) submitted by its staff, with a PDF."""
    item = fresh(item or roles.item)
    return services.submission_create(
        item=item,
        actor=roles.staff,
        expected_version=item.version,
        note="The protocol is signed.",
        files=[pdf()],
        notify=False,
    )


def extension_requested(roles: RoleMatrix) -> ExtensionRequest:
    item = fresh(roles.item)
    return services.extension_request_create(
        item=item,
        actor=roles.manager,
        proposed_due_date=item.due_date + datetime.timedelta(days=30),
        reason="Late data.",
        notify=False,
    )


def another_coordinator(roles: RoleMatrix, user_model: type[User]) -> User:
    """A second coordinator: one who did not decide first."""
    other = user_model.objects.create(username="coordinator2", email="c2@example.ca")
    other.memberships.create(agency=roles.coordinator.memberships.get().agency, role="coordinator")
    return other


def written(item: ActionItem) -> tuple[int, int, int, int, int]:
    """Everything a refused form must leave as it was."""
    return (
        fresh(item).version,
        ProgressUpdate.objects.count(),
        Submission.objects.count(),
        ExtensionRequest.objects.count(),
        Assessment.objects.count(),
    )


def test_a_submission_without_evidence_shows_the_error_beside_the_evidence_field(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    before = written(roles.item)
    response = client.post(
        f"/items/{roles.item.pk}/submit/",
        {"submit-version": 1, "submit-note": "All regions reported.", "submit-links": ""},
    )
    assert response.status_code == 400
    form = form_html(response.content.decode(), "submit-form")
    assert_invalid_beside(
        form,
        "id_submit-evidence",
        "Attach at least one file or give at least one link as evidence.",
    )
    assert "All regions reported.</textarea>" in form  # what was typed is kept
    assert "not kept" not in form  # no file was chosen, so none was lost
    assert written(roles.item) == before


def test_a_wrong_file_is_refused_beside_the_field_and_says_the_files_must_be_chosen_again(
    client: Client, roles: RoleMatrix, evidence_storage_in_tmp: Path
) -> None:
    client.force_login(roles.staff)
    before = written(roles.item)
    response = client.post(
        f"/items/{roles.item.pk}/submit/",
        {
            "submit-version": 1,
            "submit-note": "Signed.",
            "submit-links": "https://example.ca/protocol",
            "submit-evidence": [pdf(), pdf("disguised.pdf", b"MZ\x90\x00")],
        },
    )
    assert response.status_code == 400
    form = form_html(response.content.decode(), "submit-form")
    errors = field_error(form, "id_submit-evidence")
    assert "“disguised.pdf” is not an accepted kind of file" in errors
    assert "The 2 files you chose were not kept: choose them again." in errors
    assert_invalid_beside(form, "id_submit-evidence", "not an accepted kind")
    assert "Signed.</textarea>" in form
    assert "https://example.ca/protocol</textarea>" in form
    assert written(roles.item) == before
    assert not list(evidence_storage_in_tmp.rglob("*.*"))


def test_a_closing_note_left_empty_is_refused_beside_it_and_the_chosen_file_is_mentioned(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    response = client.post(
        f"/items/{roles.item.pk}/submit/",
        {"submit-version": 1, "submit-note": "", "submit-evidence": [pdf()]},
    )
    assert response.status_code == 400
    form = form_html(response.content.decode(), "submit-form")
    assert_invalid_beside(form, "id_submit-note", "This field is required.")
    assert "The file you chose was not kept: choose it again." in field_error(
        form, "id_submit-evidence"
    )
    assert not Submission.objects.exists()


def test_a_return_without_a_reason_is_refused_beside_the_reason_and_the_choice_is_kept(
    client: Client, roles: RoleMatrix
) -> None:
    submission = submitted(roles)
    before = written(roles.item)
    client.force_login(roles.coordinator)
    response = client.post(
        f"/items/{roles.item.pk}/verify/",
        {"verify-version": fresh(roles.item).version, "verify-decision": "return"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    form = form_html(page, "verify-form")
    assert_invalid_beside(form, "id_verify-reason", "Say why the submission is returned.")
    assert re.search(r'<input[^>]*value="return"[^>]*checked', form)
    # The other forms of the panel are blank: no error, nothing typed.
    assessment = form_html(page, "assess-form")
    assert "errorlist" not in assessment
    assert "data-error-summary" not in assessment
    assert page.count("data-error-summary") == 1
    submission.refresh_from_db()
    assert submission.is_pending
    assert written(roles.item) == before


def test_in_french_the_return_reason_error_is_beside_the_field_in_french(
    client: Client, roles: RoleMatrix
) -> None:
    submitted(roles)
    roles.coordinator.language = "fr"
    roles.coordinator.save()
    client.force_login(roles.coordinator)
    response = client.post(
        f"/items/{roles.item.pk}/verify/",
        {"verify-version": fresh(roles.item).version, "verify-decision": "return"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="fr"' in page
    form = form_html(page, "verify-form")
    assert_invalid_beside(form, "id_verify-reason", "Indiquez pourquoi la soumission est renvoyée.")
    assert "Il y a un problème" in form


def test_a_proposed_date_not_after_the_due_date_is_refused_beside_it_with_the_reason_kept(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.manager)
    before = written(roles.item)
    too_early = roles.item.due_date - datetime.timedelta(days=3)
    response = client.post(
        f"/items/{roles.item.pk}/extension/",
        {
            "extension-proposed_due_date": too_early.isoformat(),
            "extension-reason": "Partners' data is late.",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    form = form_html(page, "extension-form")
    assert_invalid_beside(
        form,
        "id_extension-proposed_due_date",
        f"Propose a date after the current due date ({roles.item.due_date.isoformat()}).",
    )
    assert f'value="{too_early.isoformat()}"' in input_tag(form, "id_extension-proposed_due_date")
    assert "Partners&#x27; data is late.</textarea>" in form
    # The submission form beside it is blank.
    assert re.search(r'id="id_submit-note">\s*</textarea>', form_html(page, "submit-form"))
    assert written(roles.item) == before


def test_a_rejection_without_a_reason_is_refused_beside_the_reason(
    client: Client, roles: RoleMatrix
) -> None:
    request = extension_requested(roles)
    client.force_login(roles.coordinator)
    response = client.post(
        f"/extensions/{request.pk}/decide/", {"decide-decision": "reject", "decide-reason": "  "}
    )
    assert response.status_code == 400
    form = form_html(response.content.decode(), "decide-form")
    assert_invalid_beside(form, "id_decide-reason", "This field is required.")
    assert re.search(r'<input[^>]*value="reject"[^>]*checked', form)
    request.refresh_from_db()
    assert request.is_pending


def test_an_assessment_without_a_rationale_is_refused_beside_it_with_the_rating_kept(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.coordinator)
    response = client.post(
        f"/items/{roles.item.pk}/assess/", {"assess-rating": "at_risk", "assess-rationale": ""}
    )
    assert response.status_code == 400
    form = form_html(response.content.decode(), "assess-form")
    assert_invalid_beside(form, "id_assess-rationale", "This field is required.")
    assert re.search(r'<option value="at_risk" selected>', form)
    assert not Assessment.objects.exists()


def test_a_withdrawal_without_a_reason_is_refused_beside_it_in_its_open_form(
    client: Client, roles: RoleMatrix
) -> None:
    (evidence,) = submitted(roles).evidence.all()
    client.force_login(roles.coordinator)
    response = client.post(
        f"/evidence/{evidence.pk}/withdraw/", {f"withdraw-{evidence.pk}-reason": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    form = form_html(page, f"withdraw-{evidence.pk}-form")
    assert_invalid_beside(form, f"id_withdraw-{evidence.pk}-reason", "This field is required.")
    assert "<details open>" in page
    assert not Evidence.objects.get(pk=evidence.pk).is_withdrawn


def test_a_submission_on_a_stale_version_is_409_with_the_message_at_the_top_of_the_form(
    client: Client, roles: RoleMatrix
) -> None:
    ActionItem.objects.filter(pk=roles.item.pk).update(version=2)
    client.force_login(roles.staff)
    response = client.post(
        f"/items/{roles.item.pk}/submit/",
        {"submit-version": 1, "submit-note": "Done at last.", "submit-links": "https://x.ca/"},
    )
    assert response.status_code == 409
    form = form_html(response.content.decode(), "submit-form")
    summary = form[form.index("data-error-summary") : form.index("</div>")]
    assert "This item was changed by someone else since you opened it." in summary
    assert "Done at last.</textarea>" in form
    # Based on the current version now, so sending it again (having read why) goes through.
    assert 'name="submit-version" value="2"' in form
    assert not Submission.objects.exists()


def test_a_verification_someone_else_made_first_is_explained_at_the_top_of_the_panel(
    client: Client, roles: RoleMatrix, django_user_model: type[User]
) -> None:
    submitted(roles)
    version = fresh(roles.item).version
    services.verification_decide(
        item=fresh(roles.item),
        actor=roles.coordinator,
        expected_version=version,
        decision=services.ACCEPT,
        notify=False,
    )
    client.force_login(another_coordinator(roles, django_user_model))
    response = client.post(
        f"/items/{roles.item.pk}/verify/",
        {"verify-version": version, "verify-decision": "return", "verify-reason": "Missing."},
    )
    # The verification form is gone (nothing waits any more): the reason is at the top of the
    # panel, focused like an error summary.
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="verify-form"' not in page
    notice = page[page.index('aria-labelledby="accountability-refused-title"') :]
    assert "This item is not awaiting verification." in notice[: notice.index("</div>")]
    assert fresh(roles.item).status == Status.COMPLETED


def test_an_extension_decided_by_someone_else_first_is_409_at_the_top_of_the_panel(
    client: Client, roles: RoleMatrix, django_user_model: type[User]
) -> None:
    request = extension_requested(roles)
    services.extension_request_decide(
        request=request, actor=roles.coordinator, decision="approve", reason="Fine.", notify=False
    )
    client.force_login(another_coordinator(roles, django_user_model))
    response = client.post(
        f"/extensions/{request.pk}/decide/",
        {"decide-decision": "reject", "decide-reason": "Too late."},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="decide-form"' not in page
    notice = page[page.index('aria-labelledby="accountability-refused-title"') :]
    assert "This extension request was already decided." in notice[: notice.index("</div>")]
    request.refresh_from_db()
    assert request.status == "approved"


def test_someone_who_may_not_act_gets_a_403_with_the_reason_at_the_top_of_the_page(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.unrelated_staff)
    response = client.post(f"/items/{roles.item.pk}/submit/", {"submit-note": ""})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only the owner agency (RCMP) and coordinators may submit this item." in page
    assert "data-error-summary" not in page
    assert not Submission.objects.exists()
