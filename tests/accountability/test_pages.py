"""The accountability forms on the item page and the coordinators' queues, through the web."""

import datetime

from django.test import Client

from recommendations.accountability.models import ExtensionRequest, Submission
from recommendations.models import ActionItem, Status
from tests.accountability.conftest import pdf
from tests.conftest import RoleMatrix


def item_url(item: ActionItem) -> str:
    return f"/items/{item.pk}/"


def test_staff_submit_with_a_file_and_a_coordinator_verifies_from_the_item_page(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    page = client.get(item_url(roles.item)).content.decode()
    assert "Submit for verification" in page
    assert "Record an assessment" not in page
    response = client.post(
        f"/items/{roles.item.pk}/submit/",
        {"submit-version": 1, "submit-note": "Published.", "submit-evidence": [pdf()]},
    )
    assert response.status_code == 302
    submission = Submission.objects.get()
    (evidence,) = submission.evidence.all()
    download = client.get(f"/evidence/{evidence.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"

    client.force_login(roles.coordinator)
    queue = client.get("/verification/").content.decode()
    assert roles.item.title in queue
    assert 'Verification queue <span class="count">(1)</span>' in queue
    roles.item.refresh_from_db()
    accepted = client.post(
        f"/items/{roles.item.pk}/verify/",
        {"verify-version": roles.item.version, "verify-decision": "accept", "verify-reason": ""},
    )
    assert accepted.status_code == 302
    roles.item.refresh_from_db()
    assert roles.item.status == Status.COMPLETED


def test_a_refused_submission_shows_the_reason_and_writes_nothing(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    response = client.post(
        f"/items/{roles.item.pk}/submit/",
        {"submit-version": 1, "submit-note": "Done.", "submit-evidence": [pdf("x.pdf", b"MZ")]},
    )
    assert response.status_code == 400
    assert "not an accepted kind" in response.content.decode()
    assert not Submission.objects.exists()


def test_another_agency_gets_no_forms_and_a_403_when_posting(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.unrelated_staff)
    page = client.get(item_url(roles.item)).content.decode()
    assert "Submit for verification</button>" not in page
    assert "Request the extension" not in page
    response = client.post(
        f"/items/{roles.item.pk}/extension/",
        {
            "extension-proposed_due_date": (roles.item.due_date + datetime.timedelta(days=9)),
            "extension-reason": "x",
        },
    )
    assert response.status_code == 403
    assert not ExtensionRequest.objects.exists()


def test_request_then_reject_an_extension_from_the_pages(client: Client, roles: RoleMatrix) -> None:
    client.force_login(roles.manager)
    proposed = roles.item.due_date + datetime.timedelta(days=20)
    response = client.post(
        f"/items/{roles.item.pk}/extension/",
        {"extension-proposed_due_date": proposed.isoformat(), "extension-reason": "Late data."},
    )
    assert response.status_code == 302
    request = ExtensionRequest.objects.get()
    client.force_login(roles.coordinator)
    assert roles.item.title in client.get("/extensions/").content.decode()
    rejected = client.post(
        f"/extensions/{request.pk}/decide/",
        {"decide-decision": "reject", "decide-reason": "Ministerial deadline."},
    )
    assert rejected.status_code == 302
    request.refresh_from_db()
    assert request.status == "rejected"
    assert ActionItem.objects.get(pk=roles.item.pk).due_date == roles.item.due_date


def test_an_assessment_shows_the_discrepancy_badge(client: Client, roles: RoleMatrix) -> None:
    ActionItem.objects.filter(pk=roles.item.pk).update(status=Status.IN_PROGRESS)
    client.force_login(roles.coordinator)
    response = client.post(
        f"/items/{roles.item.pk}/assess/",
        {"assess-rating": "off_track", "assess-rationale": "Nothing delivered."},
    )
    assert response.status_code == 302
    page = client.get(item_url(roles.item)).content.decode()
    assert "flag--discrepancy" in page
    assert "Nothing delivered." in page


def test_staff_do_not_see_the_queue_links_and_may_not_open_the_verification_queue(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    assert "Verification queue" not in client.get("/").content.decode()
    assert client.get("/verification/").status_code == 403
