"""Writes of the accountability workflow: submit for verification with evidence, verify (accept
or return), withdraw evidence, request and decide extensions, assess.

Every write that changes an item goes through ``_item_write``: one conditional ``UPDATE ...
WHERE version = expected`` plus one timeline entry, the same shape as
``services.action_item_change``, so the ETag changes and the timeline says what happened.
Status changes are checked against ``policies.STATUS_TRANSITIONS`` like every other path.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User

from .. import policies
from ..models import WORKING_STATUSES, ActionItem, ProgressUpdate, Status
from ..services import (
    NOTE_MAX_LENGTH,
    _versioned_write,
    data_version_bump,
    due_date_problem,
    status_transition_check,
)
from . import evidence as evidence_kinds
from . import policies as accountability_policies
from .models import (
    Assessment,
    AssessmentRating,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Submission,
    SubmissionDecision,
    evidence_file_name,
    evidence_storage,
)
from .signals import accountability_event

MAX_FILES = 20
MAX_LINKS = 20
LINK_MAX_LENGTH = 2000


class DecisionConflict(Exception):
    """Someone else decided first; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ItemWrite:
    item: ActionItem
    update: ProgressUpdate


def _item_write(
    *,
    item: ActionItem,
    actor: User,
    expected_version: int | None,
    changes: dict[str, Any],
    note: str,
    self_report: bool,
    now: datetime.datetime,
    notify: bool = True,
) -> ItemWrite:
    """Write ``changes`` to the item if it is still at ``expected_version`` and record one
    progress update; raise ActionItemConflict otherwise. Call inside a transaction.

    ``self_report`` marks the agency's own reports (they refresh ``last_progress_at``, which
    stale and the discrepancy read); a verifier's or coordinator's entry does not.
    """
    values: dict[str, Any] = dict(changes)
    if self_report:
        values["last_progress_at"] = now
    if "status" in changes:
        values["completed_at"] = now if changes["status"] == Status.COMPLETED else None
    changed = frozenset(
        {name for name in changes if name in {"status", "percent_complete", "due_date"}} | {"note"}
    )
    # The one versioned write of recommendations.services: conditional UPDATE, timeline entry,
    # signal after commit.
    change = _versioned_write(
        item=item,
        actor=actor,
        expected_version=expected_version,
        values=values,
        now=now,
        note=note[:NOTE_MAX_LENGTH],
        changed_fields=changed,
        notify=notify,
    )
    return ItemWrite(item=change.item, update=change.update)


def _announce(kind: str, record_id: int) -> None:
    transaction.on_commit(
        lambda: accountability_event.send(sender=ActionItem, kind=kind, record_id=record_id)
    )


def _required_text(value: str, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                field: _("A note may have at most %(limit)d characters (it has %(count)d).")
                % {"limit": NOTE_MAX_LENGTH, "count": len(text)}
            }
        )
    return text


# Submission and verification --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile[bytes]
    name: str
    content_type: str
    size: int


def _check_files(files: Sequence[UploadedFile[bytes]]) -> list[CheckedFile]:
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"evidence": _("Attach at most %(count)d files.") % {"count": MAX_FILES}}
        )
    limit = settings.EVIDENCE_MAX_BYTES
    checked: list[CheckedFile] = []
    errors: list[str] = []
    for upload in files:
        name = (upload.name or "").replace("\x00", "")[-255:] or "evidence"
        size = upload.size or 0
        if size > limit:
            errors.append(
                _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
                % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
            )
            continue
        if size == 0:
            errors.append(_("“%(name)s” is empty.") % {"name": name})
            continue
        kind = evidence_kinds.sniff(upload, name)
        if kind is None:
            errors.append(
                _(
                    "“%(name)s” is not an accepted kind of file, or its content does not match its "
                    "name. Accepted: PDF, Word, Excel, PowerPoint, CSV, plain text, PNG and JPEG."
                )
                % {"name": name}
            )
            continue
        checked.append(CheckedFile(upload, name, kind.content_type, size))
    if errors:
        raise ValidationError({"evidence": errors})
    return checked


def _check_links(links: Iterable[str]) -> list[str]:
    cleaned = [link.strip() for link in links if link and link.strip()]
    if len(cleaned) > MAX_LINKS:
        raise ValidationError({"links": _("Give at most %(count)d links.") % {"count": MAX_LINKS}})
    validate = URLValidator(schemes=["http", "https"])
    for link in cleaned:
        try:
            if len(link) > LINK_MAX_LENGTH:
                raise ValidationError("too long")
            validate(link)
        except ValidationError:
            raise ValidationError(
                {
                    "links": _("“%(link)s” is not a web address (http or https).")
                    % {"link": link[:100]}
                }
            ) from None
    return cleaned


def submission_create(
    *,
    item: ActionItem,
    actor: User,
    expected_version: int | None,
    note: str,
    files: Sequence[UploadedFile[bytes]] = (),
    links: Iterable[str] = (),
    at: datetime.datetime | None = None,
    notify: bool = True,
) -> Submission:
    """Submit ``item`` as done: it becomes ``awaiting_verification`` until a verifier decides.

    1. Check who may (PermissionDenied) and the transition; validate the closing note, the links
       and every file (type from the content, size) before anything is written.
    2. Store the files under generated names, then write the item, the timeline entry, the
       submission and its evidence rows in one transaction.
    3. If anything fails after a file was stored (a conflict, a lost connection, an interrupted
       upload), the transaction rolls back and the stored files are deleted: no orphan row, no
       orphan file.
    """
    now = at or timezone.now()
    accountability_policies.require_submit_for_verification(actor, item)
    status_transition_check(
        actor=actor,
        item=item,
        after=Status.AWAITING_VERIFICATION,
        via=policies.Via.SUBMISSION,
        reason=note,
    )
    text = _required_text(
        note, field="note", message=_("Write a closing note: what was done, and how it shows.")
    )
    checked_files = _check_files(list(files))
    checked_links = _check_links(links)
    if not checked_files and not checked_links:
        raise ValidationError(
            {"evidence": _("Attach at least one file or give at least one link as evidence.")}
        )

    storage = evidence_storage()
    stored: list[str] = []
    try:
        evidence_rows = []
        for checked in checked_files:
            row = Evidence(
                original_name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                uploaded_at=now,
            )
            checked.upload.seek(0)
            # Through the storage named in STORAGES at call time (tests and operators swap it).
            row.file.name = storage.save(evidence_file_name(row, checked.name), checked.upload)
            stored.append(row.file.name)
            evidence_rows.append(row)
        with transaction.atomic():
            summary = _("Submitted for verification: %(note)s") % {"note": text}
            _item_write(
                item=item,
                actor=actor,
                expected_version=expected_version,
                changes={"status": Status.AWAITING_VERIFICATION},
                note=summary,
                self_report=True,
                now=now,
                notify=notify,
            )
            submission = Submission.objects.create(
                action_item=item,
                submitted_by=actor,
                submitted_at=now,
                note=text,
                links=checked_links,
                percent_before=item.percent_complete,
            )
            for row in evidence_rows:
                row.submission = submission
            Evidence.objects.bulk_create(evidence_rows)
    except BaseException:
        for name in stored:
            storage.delete(name)
        raise
    if notify:
        _announce("submitted", submission.pk)
    return submission


def submission_pending(item: ActionItem) -> Submission | None:
    return (
        Submission.objects.select_related("submitted_by", "action_item")
        .filter(action_item=item, decision=SubmissionDecision.PENDING)
        .first()
    )


ACCEPT = "accept"
RETURN = "return"


def verification_decide(
    *,
    item: ActionItem,
    actor: User,
    expected_version: int | None,
    decision: str,
    reason: str = "",
    at: datetime.datetime | None = None,
    notify: bool = True,
) -> Submission:
    """Accept (the item is completed, 100 %) or return (back to in progress at the percent it
    had, with a required reason) the item's pending submission.

    The submission is decided with ``UPDATE ... WHERE decision = 'pending'`` and the item with
    its version check, in one transaction: of two verifiers deciding at once, exactly one
    decision is recorded and the other gets DecisionConflict or ActionItemConflict.
    """
    now = at or timezone.now()
    accountability_policies.require_verify(actor, item)
    submission = submission_pending(item)
    if submission is None or item.status != Status.AWAITING_VERIFICATION:
        raise ValidationError(_("This item is not awaiting verification."))
    accountability_policies.require_verify(actor, item, submission)
    if decision not in (ACCEPT, RETURN):
        raise ValidationError({"decision": _("Choose accept or return.")})
    text = (reason or "").strip()
    if decision == RETURN:
        text = _required_text(
            reason, field="reason", message=_("Say why the submission is returned.")
        )
    elif len(text) > NOTE_MAX_LENGTH:
        text = _required_text(reason, field="reason", message="")
    after = Status.COMPLETED if decision == ACCEPT else Status.IN_PROGRESS
    status_transition_check(
        actor=actor, item=item, after=after, via=policies.Via.VERIFICATION, reason=text
    )
    changes: dict[str, Any] = {"status": after}
    if decision == ACCEPT:
        changes["percent_complete"] = 100
        note = _("Verified complete.") + (f" {text}" if text else "")
    else:
        changes["percent_complete"] = submission.percent_before
        note = _("Returned by the verifier: %(reason)s") % {"reason": text}
    with transaction.atomic():
        decided = Submission.objects.filter(
            pk=submission.pk, decision=SubmissionDecision.PENDING
        ).update(
            decision=SubmissionDecision.ACCEPTED
            if decision == ACCEPT
            else SubmissionDecision.RETURNED,
            decided_by=actor,
            decided_at=now,
            decision_reason=text,
        )
        if decided != 1:
            raise DecisionConflict(_("Someone else decided this submission a moment ago."))
        _item_write(
            item=item,
            actor=actor,
            expected_version=expected_version,
            changes=changes,
            note=note,
            self_report=False,
            now=now,
            notify=notify,
        )
    submission.refresh_from_db()
    if notify:
        _announce("verified", submission.pk)
    return submission


def evidence_withdraw(*, evidence: Evidence, actor: User, reason: str) -> Evidence:
    """A coordinator withdraws a file (wrong file, personal information): the content is deleted
    from storage, the row stays with who withdrew it, when and why, and the timeline says so."""
    item = evidence.submission.action_item
    accountability_policies.require_withdraw_evidence(actor, item)
    text = _required_text(reason, field="reason", message=_("Say why this file is withdrawn."))
    now = timezone.now()
    name = evidence.file.name or ""
    with transaction.atomic():
        if (
            Evidence.objects.filter(pk=evidence.pk, withdrawn_at__isnull=True).update(
                withdrawn_at=now, withdrawn_by=actor, withdrawal_reason=text
            )
            != 1
        ):
            raise ValidationError(_("This file was already withdrawn."))
        # A timeline entry and a new ETag through the one versioned write (no field changes).
        _versioned_write(
            item=item,
            actor=actor,
            expected_version=None,
            values={},
            now=now,
            note=_("Evidence withdrawn: “%(name)s”. %(reason)s")
            % {"name": evidence.original_name, "reason": text},
            changed_fields=frozenset({"note"}),
            notify=False,
        )
        transaction.on_commit(lambda: evidence_storage().delete(name))
    evidence.refresh_from_db()
    return evidence


# Extension requests ------------------------------------------------------------------------------


def extension_request_create(
    *,
    item: ActionItem,
    actor: User,
    proposed_due_date: datetime.date,
    reason: str,
    at: datetime.datetime | None = None,
    notify: bool = True,
) -> ExtensionRequest:
    """Ask for a later due date. One open request per item (also a unique constraint, so two
    requests at once cannot both be open)."""
    now = at or timezone.now()
    accountability_policies.require_request_extension(actor, item)
    if item.status not in WORKING_STATUSES:
        raise ValidationError(
            _("Only an item that is being worked on can have its due date extended.")
        )
    text = _required_text(reason, field="reason", message=_("Say why more time is needed."))
    if not isinstance(proposed_due_date, datetime.date):
        raise ValidationError({"proposed_due_date": _("Enter a valid date.")})
    if proposed_due_date <= item.due_date:
        raise ValidationError(
            {
                "proposed_due_date": _("Propose a date after the current due date (%(date)s).")
                % {"date": item.due_date.isoformat()}
            }
        )
    # The same sane range as every due date (services.due_date_problem).
    problem = due_date_problem(proposed_due_date)
    if problem:
        raise ValidationError({"proposed_due_date": problem})
    open_request = _("This item already has an open extension request; wait for its decision.")
    if ExtensionRequest.objects.filter(action_item=item, status=ExtensionStatus.PENDING).exists():
        raise ValidationError(open_request)
    try:
        with transaction.atomic():
            request = ExtensionRequest.objects.create(
                action_item=item,
                requested_by=actor,
                requested_at=now,
                current_due_date=item.due_date,
                proposed_due_date=proposed_due_date,
                reason=text,
            )
            # The item's representation changes (open_extension_request): a new ETag; and the
            # extension figures move: a new data version.
            ActionItem.objects.filter(pk=item.pk).update(version=F("version") + 1)
            data_version_bump()
    except IntegrityError:
        raise ValidationError(open_request) from None
    item.refresh_from_db()
    if notify:
        _announce("extension_requested", request.pk)
    return request


APPROVE = "approve"
REJECT = "reject"


def extension_request_decide(
    *,
    request: ExtensionRequest,
    actor: User,
    decision: str,
    reason: str,
    at: datetime.datetime | None = None,
    notify: bool = True,
) -> ExtensionRequest:
    """Approve (the due date becomes the proposed one through the versioned write, leaving a
    timeline entry; ``original_due_date`` is untouched) or reject, with a reason."""
    now = at or timezone.now()
    item = ActionItem.objects.select_related("recommendation", "owner_agency").get(
        pk=request.action_item_id
    )
    request.action_item = item
    accountability_policies.require_decide_extension(actor, request)
    if not request.is_pending:
        raise DecisionConflict(_("This extension request was already decided."))
    if decision not in (APPROVE, REJECT):
        raise ValidationError({"decision": _("Choose approve or reject.")})
    text = _required_text(reason, field="reason", message=_("Say why, for the requester."))
    approved = decision == APPROVE
    with transaction.atomic():
        if (
            ExtensionRequest.objects.filter(pk=request.pk, status=ExtensionStatus.PENDING).update(
                status=ExtensionStatus.APPROVED if approved else ExtensionStatus.REJECTED,
                decided_by=actor,
                decided_at=now,
                decision_reason=text,
            )
            != 1
        ):
            raise DecisionConflict(_("This extension request was already decided."))
        if approved:
            _item_write(
                item=item,
                actor=actor,
                expected_version=None,
                changes={"due_date": request.proposed_due_date},
                note=_("Extension approved (%(before)s → %(after)s): %(reason)s")
                % {
                    "before": request.current_due_date.isoformat(),
                    "after": request.proposed_due_date.isoformat(),
                    "reason": text,
                },
                self_report=False,
                now=now,
                notify=notify,
            )
        else:
            ActionItem.objects.filter(pk=item.pk).update(version=F("version") + 1)
            data_version_bump()
    request.refresh_from_db()
    if notify:
        _announce("extension_decided", request.pk)
    return request


# Assessments -----------------------------------------------------------------------------------


def assessment_create(
    *,
    item: ActionItem,
    actor: User,
    rating: str,
    rationale: str,
    at: datetime.datetime | None = None,
) -> Assessment:
    """A coordinator's assessment. Kept in the history, and as the item's latest assessment
    (which the discrepancy condition reads)."""
    now = at or timezone.now()
    accountability_policies.require_assess(actor, item)
    if rating not in AssessmentRating.values:
        raise ValidationError(
            {
                "rating": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(AssessmentRating.values)}
            }
        )
    text = _required_text(
        rationale, field="rationale", message=_("Give the rationale for this assessment.")
    )
    with transaction.atomic():
        assessment = Assessment.objects.create(
            action_item=item, assessed_by=actor, assessed_at=now, rating=rating, rationale=text
        )
        ActionItem.objects.filter(pk=item.pk).update(
            latest_assessment_rating=rating,
            latest_assessment_at=now,
            version=F("version") + 1,
        )
        # The discrepancy figures move with the latest assessment.
        data_version_bump()
    item.refresh_from_db()
    return assessment
