"""Completion on evidence: submit with files or links, then a verifier accepts or returns."""

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings as DjangoSettings

from agencies.models import User
from recommendations.accountability import services
from recommendations.accountability.models import Evidence, Submission, SubmissionDecision
from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.accountability.conftest import docx, pdf, stored_files
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory


def submit(roles: RoleMatrix, actor: User | None = None, **kwargs: Any) -> Submission:
    roles.item.refresh_from_db()
    values = {"note": "Done: the report is published.", "files": [pdf()], **kwargs}
    return services.submission_create(
        item=roles.item,
        actor=actor or roles.staff,
        expected_version=roles.item.version,
        **values,
    )


def decide(roles: RoleMatrix, actor: User, decision: str, reason: str = "") -> Submission:
    roles.item.refresh_from_db()
    return services.verification_decide(
        item=roles.item,
        actor=actor,
        expected_version=roles.item.version,
        decision=decision,
        reason=reason,
    )


def test_a_submission_makes_the_item_await_verification_with_its_evidence_stored_by_generated_name(
    roles: RoleMatrix, evidence_storage_in_tmp: Path
) -> None:
    submission = submit(roles, files=[pdf("Final report.pdf"), docx()], links=["https://x.ca/r"])
    roles.item.refresh_from_db()
    assert roles.item.status == Status.AWAITING_VERIFICATION
    assert not roles.item.is_overdue
    assert not roles.item.is_stale
    assert submission.links == ["https://x.ca/r"]
    names = sorted(e.original_name for e in submission.evidence.all())
    assert names == ["Final report.pdf", "minutes.docx"]
    stored = stored_files(evidence_storage_in_tmp)
    assert len(stored) == 2
    assert all("Final report" not in path.name for path in stored)
    types = {e.content_type for e in submission.evidence.all()}
    assert "application/pdf" in types


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf("report.pdf", b"MZ\x90\x00 an executable"), "not an accepted kind"),
        (pdf("photo.png"), "does not match its name"),
        (pdf("empty.pdf", b""), "empty"),
    ],
)
def test_a_wrong_or_disguised_file_is_refused_and_nothing_is_written(
    roles: RoleMatrix, evidence_storage_in_tmp: Path, upload: SimpleUploadedFile, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        submit(roles, files=[upload])
    assert not Submission.objects.exists()
    assert not ProgressUpdate.objects.exists()
    assert stored_files(evidence_storage_in_tmp) == []


def test_an_oversized_file_is_refused(
    roles: RoleMatrix, settings: DjangoSettings, evidence_storage_in_tmp: Path
) -> None:
    settings.EVIDENCE_MAX_BYTES = 20
    with pytest.raises(ValidationError, match="at most 20"):
        submit(roles)
    assert not Submission.objects.exists()
    assert stored_files(evidence_storage_in_tmp) == []


def test_a_submission_needs_a_closing_note_and_some_evidence(roles: RoleMatrix) -> None:
    with pytest.raises(ValidationError, match="closing note"):
        submit(roles, note="   ")
    with pytest.raises(ValidationError, match="at least one file"):
        submit(roles, files=[])
    with pytest.raises(ValidationError, match="web address"):
        submit(roles, files=[], links=["javascript:alert(1)"])
    assert not Submission.objects.exists()


def test_another_agency_cannot_submit_the_item(roles: RoleMatrix) -> None:
    with pytest.raises(PermissionDenied):
        submit(roles, actor=roles.unrelated_staff)
    with pytest.raises(PermissionDenied):
        submit(roles, actor=roles.supporting_staff)


def test_an_upload_interrupted_halfway_leaves_no_row_and_no_file(
    roles: RoleMatrix, evidence_storage_in_tmp: Path
) -> None:
    original = Evidence.objects.bulk_create

    def fail_after_storing(*args: object, **kwargs: object) -> None:
        raise ConnectionResetError("client went away")

    with (
        mock.patch.object(Evidence.objects, "bulk_create", side_effect=fail_after_storing),
        pytest.raises(ConnectionResetError),
    ):
        submit(roles, files=[pdf(), docx()])
    assert original is not None
    assert not Submission.objects.exists()
    assert not Evidence.objects.exists()
    assert not ProgressUpdate.objects.exists()
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.version) == (Status.NOT_STARTED, 1)
    assert stored_files(evidence_storage_in_tmp) == []


def test_accepting_completes_the_item_at_100_percent_with_who_and_when(roles: RoleMatrix) -> None:
    submit(roles)
    submission = decide(roles, roles.coordinator, services.ACCEPT)
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.percent_complete) == (Status.COMPLETED, 100)
    assert submission.decision == SubmissionDecision.ACCEPTED
    assert submission.decided_by == roles.coordinator
    assert submission.decided_at is not None


def test_returning_needs_a_reason_and_puts_the_item_back_at_its_percent(roles: RoleMatrix) -> None:
    from recommendations.services import action_item_change

    action_item_change(
        item=roles.item,
        actor=roles.staff,
        expected_version=1,
        status=Status.IN_PROGRESS,
        percent_complete=70,
    )
    submit(roles)
    with pytest.raises(ValidationError, match="Say why"):
        decide(roles, roles.coordinator, services.RETURN, reason=" ")
    submission = decide(roles, roles.coordinator, services.RETURN, reason="One region only.")
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.percent_complete) == (Status.IN_PROGRESS, 70)
    assert submission.decision_reason == "One region only."


def test_nobody_verifies_their_own_submission(roles: RoleMatrix) -> None:
    submit(roles, actor=roles.coordinator)
    with pytest.raises(PermissionDenied, match="another coordinator"):
        decide(roles, roles.coordinator, services.ACCEPT)
    roles.item.refresh_from_db()
    assert roles.item.status == Status.AWAITING_VERIFICATION


@pytest.mark.parametrize("actor", ["staff", "manager", "supporting_staff"])
def test_only_coordinators_verify(roles: RoleMatrix, actor: str) -> None:
    submit(roles)
    with pytest.raises(PermissionDenied, match="Only coordinators"):
        decide(roles, roles.by_name(actor), services.ACCEPT)


def test_a_second_decision_on_a_decided_submission_is_refused(roles: RoleMatrix) -> None:
    submit(roles)
    stale = ActionItem.objects.get(pk=roles.item.pk)
    decide(roles, roles.coordinator, services.ACCEPT)
    with pytest.raises(ValidationError, match="not awaiting verification"):
        services.verification_decide(
            item=ActionItem.objects.get(pk=stale.pk),
            actor=roles.coordinator,
            expected_version=stale.version,
            decision=services.RETURN,
            reason="x",
        )
    assert Submission.objects.get().decision == SubmissionDecision.ACCEPTED


def test_the_data_migration_marks_completed_items_verified_by_the_system(db: None) -> None:
    from importlib import import_module

    migration = import_module(
        "recommendations.migrations.0007_completed_items_verified_by_the_system"
    )
    done = ActionItemFactory.create(status=Status.COMPLETED, percent_complete=100)
    ActionItemFactory.create(status=Status.IN_PROGRESS)
    migration.mark_completed_items_verified(apps, None)
    migration.mark_completed_items_verified(apps, None)  # a second run changes nothing
    (submission,) = Submission.objects.all()
    assert submission.action_item_id == done.pk
    assert submission.decision == SubmissionDecision.ACCEPTED
    assert submission.decided_by is None
    assert "verified by the system" in submission.note
