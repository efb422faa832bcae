"""The accountability endpoints, from outside: check order, ETags, refusals, downloads."""

import datetime
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from agencies.models import User
from recommendations.accountability.models import ExtensionRequest, Submission
from recommendations.models import ActionItem, Status
from tests.accountability.conftest import pdf, stored_files
from tests.api.conftest import ClientFor, item_url
from tests.conftest import RoleMatrix

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse


def submissions_url(pk: int) -> str:
    return f"/api/v1/action-items/{pk}/submissions/"


def verification_url(pk: int) -> str:
    return f"/api/v1/action-items/{pk}/verification/"


def post_submission(
    client: APIClient, item: ActionItem, *, etag: str | None = None, **data: Any
) -> "_MonkeyPatchedResponse":
    body = {"note": "Done, see the report.", "evidence": [pdf()], **data}
    headers: dict[str, Any] = {"HTTP_IF_MATCH": etag} if etag else {}
    return client.post(submissions_url(item.pk), body, format="multipart", **headers)


def test_submitting_with_a_file_over_the_api_then_verifying(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    staff = client_for(roles.staff)
    response = post_submission(staff, roles.item, etag=roles.item.etag, links=["https://x.ca/r"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["decision"] == "pending"
    assert body["links"] == ["https://x.ca/r"]
    (evidence,) = body["evidence"]
    assert evidence["original_name"] == "report.pdf"
    item = staff.get(item_url(roles.item.pk))
    assert item.json()["status"] == "awaiting_verification"
    assert item.json()["verification"]["state"] == "pending"
    assert item["ETag"] == response["ETag"]

    download = staff.get(evidence["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"

    accepted = client_for(roles.coordinator).post(
        verification_url(roles.item.pk),
        {"decision": "accept"},
        format="json",
        HTTP_IF_MATCH=item["ETag"],
    )
    assert accepted.status_code == 200, accepted.json()
    after = staff.get(item_url(roles.item.pk)).json()
    assert (after["status"], after["percent_complete"]) == ("completed", 100)
    assert after["verification"]["decided_by"] == "coordinator"


def test_submission_checks_come_in_the_apis_order(roles: RoleMatrix, client_for: ClientFor) -> None:
    item = roles.item
    assert post_submission(APIClient(), item, etag=item.etag).status_code in {401, 403}
    assert post_submission(client_for(roles.staff), ActionItem(pk=999999)).status_code == 404
    assert post_submission(client_for(roles.unrelated_staff), item).status_code == 403
    assert post_submission(client_for(roles.staff), item).status_code == 428
    assert post_submission(client_for(roles.staff), item, etag='"x-1"').status_code == 412
    refused = post_submission(client_for(roles.staff), item, etag=item.etag, note=" ")
    assert refused.status_code == 400
    assert "note" in refused.json()
    assert not Submission.objects.exists()


def test_a_disguised_file_is_a_400_and_nothing_is_stored(
    roles: RoleMatrix, client_for: ClientFor, evidence_storage_in_tmp: Path
) -> None:
    response = post_submission(
        client_for(roles.staff),
        roles.item,
        etag=roles.item.etag,
        evidence=[pdf("report.pdf", b"<html><script>alert(1)</script>")],
    )
    assert response.status_code == 400
    assert "evidence" in response.json()
    assert stored_files(evidence_storage_in_tmp) == []


def test_verifying_your_own_submission_is_a_403(roles: RoleMatrix, client_for: ClientFor) -> None:
    coordinator = client_for(roles.coordinator)
    submitted = post_submission(coordinator, roles.item, etag=roles.item.etag)
    response = coordinator.post(
        verification_url(roles.item.pk),
        {"decision": "accept"},
        format="json",
        HTTP_IF_MATCH=submitted["ETag"],
    )
    assert response.status_code == 403
    assert "another coordinator" in response.json()["detail"]


def test_returning_without_a_reason_is_a_400(roles: RoleMatrix, client_for: ClientFor) -> None:
    submitted = post_submission(client_for(roles.staff), roles.item, etag=roles.item.etag)
    response = client_for(roles.coordinator).post(
        verification_url(roles.item.pk),
        {"decision": "return", "reason": ""},
        format="json",
        HTTP_IF_MATCH=submitted["ETag"],
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_extension_request_approval_moves_the_due_date_and_keeps_the_original(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    original = roles.item.due_date
    proposed = original + datetime.timedelta(days=45)
    staff = client_for(roles.staff)
    created = staff.post(
        f"/api/v1/action-items/{roles.item.pk}/extension-requests/",
        {"proposed_due_date": proposed.isoformat(), "reason": "Partners late."},
        format="json",
    )
    assert created.status_code == 201, created.json()
    second = staff.post(
        f"/api/v1/action-items/{roles.item.pk}/extension-requests/",
        {"proposed_due_date": proposed.isoformat(), "reason": "Again."},
        format="json",
    )
    assert second.status_code == 400
    assert ExtensionRequest.objects.count() == 1
    pending = staff.get("/api/v1/extension-requests/", {"status": "pending"}).json()
    assert [row["id"] for row in pending["results"]] == [created.json()["id"]]
    assert (
        staff.get(item_url(roles.item.pk)).json()["open_extension_request"]["id"]
        == (created.json()["id"])
    )

    decision_url = f"/api/v1/extension-requests/{created.json()['id']}/decision/"
    own_manager = client_for(roles.manager).post(
        decision_url, {"decision": "approve", "reason": "ok"}, format="json"
    )
    assert own_manager.status_code == 403  # the owner agency's manager does not approve its slip
    approved = client_for(roles.coordinator).post(
        decision_url, {"decision": "approve", "reason": "Agreed."}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    roles.item.refresh_from_db()
    assert (roles.item.due_date, roles.item.original_due_date) == (proposed, original)
    assert roles.item.updates.get().due_date_after == proposed
    again = client_for(roles.coordinator).post(
        decision_url, {"decision": "reject", "reason": "No."}, format="json"
    )
    assert again.status_code == 409


def test_extension_refusals(roles: RoleMatrix, client_for: ClientFor) -> None:
    url = f"/api/v1/action-items/{roles.item.pk}/extension-requests/"
    same_day = client_for(roles.staff).post(
        url,
        {"proposed_due_date": roles.item.due_date.isoformat(), "reason": "x"},
        format="json",
    )
    assert same_day.status_code == 400
    assert "proposed_due_date" in same_day.json()
    no_reason = client_for(roles.staff).post(
        url,
        {
            "proposed_due_date": (roles.item.due_date + datetime.timedelta(days=3)).isoformat(),
            "reason": "",
        },
        format="json",
    )
    assert no_reason.status_code == 400
    other_agency = client_for(roles.unrelated_staff).post(
        url,
        {
            "proposed_due_date": (roles.item.due_date + datetime.timedelta(days=3)).isoformat(),
            "reason": "x",
        },
        format="json",
    )
    assert other_agency.status_code == 403
    assert not ExtensionRequest.objects.exists()


def test_a_requester_cannot_decide_their_own_request(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    from recommendations.accountability import services

    request = services.extension_request_create(
        item=roles.item,
        actor=roles.staff,
        proposed_due_date=roles.item.due_date + datetime.timedelta(days=9),
        reason="x",
    )
    # Make the requester a coordinator too: still not theirs to decide.
    from agencies.models import Membership
    from tests.factories import MembershipFactory

    MembershipFactory.create(
        user=roles.staff, agency=roles.coordinator.memberships.get().agency,
        role=Membership.Role.COORDINATOR,
    )  # fmt: skip
    response = client_for(roles.staff).post(
        f"/api/v1/extension-requests/{request.pk}/decision/",
        {"decision": "approve", "reason": "Mine."},
        format="json",
    )
    assert response.status_code == 403
    assert "someone else" in response.json()["detail"]


def test_an_off_track_assessment_of_an_item_in_progress_is_a_discrepancy(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    ActionItem.objects.filter(pk=roles.item.pk).update(status=Status.IN_PROGRESS)
    coordinator = client_for(roles.coordinator)
    refused = client_for(roles.manager).post(
        f"/api/v1/action-items/{roles.item.pk}/assessments/",
        {"rating": "off_track", "rationale": "x"},
        format="json",
    )
    assert refused.status_code == 403
    assert not coordinator.get("/api/v1/action-items/", {"discrepancy": "true"}).json()["results"]
    created = coordinator.post(
        f"/api/v1/action-items/{roles.item.pk}/assessments/",
        {"rating": "off_track", "rationale": "Nothing delivered."},
        format="json",
    )
    assert created.status_code == 201, created.json()
    flagged = coordinator.get("/api/v1/action-items/", {"discrepancy": "true"}).json()["results"]
    assert [row["id"] for row in flagged] == [roles.item.pk]
    assert flagged[0]["discrepancy"] is True
    assert flagged[0]["latest_assessment"]["rating"] == "off_track"
    on_track = coordinator.post(
        f"/api/v1/action-items/{roles.item.pk}/assessments/",
        {"rating": "on_track", "rationale": "Caught up."},
        format="json",
    )
    assert on_track.status_code == 201
    assert not coordinator.get("/api/v1/action-items/", {"discrepancy": "true"}).json()["results"]


def test_an_assessment_older_than_the_self_report_by_90_days_is_out_of_date(
    roles: RoleMatrix,
) -> None:
    from recommendations.accountability import services
    from recommendations.models import ActionItem as Item

    long_ago = roles.item.last_progress_at - datetime.timedelta(days=91)
    services.assessment_create(
        item=roles.item, actor=roles.coordinator, rating="on_track", rationale="ok", at=long_ago
    )
    assert Item.objects.discrepant().filter(pk=roles.item.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_verifiers_at_once_record_exactly_one_decision(roles: RoleMatrix) -> None:
    from recommendations.accountability import services
    from tests.factories import MembershipFactory

    second = MembershipFactory.create(
        agency=roles.coordinator.memberships.get().agency, role="coordinator"
    ).user
    services.submission_create(
        item=roles.item, actor=roles.staff, expected_version=1, note="Done", links=["https://x.ca"]
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def verify(user: User, decision: str) -> None:
        try:
            item = ActionItem.objects.select_related("recommendation", "owner_agency").get(
                pk=roles.item.pk
            )
            barrier.wait(timeout=10)
            services.verification_decide(
                item=item, actor=user, expected_version=item.version, decision=decision, reason="r"
            )
            outcomes.append("decided")
        except Exception as error:  # the loser's exception is the outcome
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=verify, args=(roles.coordinator, services.ACCEPT)),
        threading.Thread(target=verify, args=(second, services.RETURN)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("decided") == 1
    assert Submission.objects.exclude(decision="pending").count() == 1
