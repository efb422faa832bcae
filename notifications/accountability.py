"""Who is told of an accountability event, recorded as notification rows once it is committed.

- an item submitted for verification: the verifiers (coordinators), not the submitter;
- a submission accepted or returned: the submitter and the owner agency's managers, not the
  verifier who decided;
- an extension requested: those who may decide it (coordinators, and the lead agency's managers
  when the lead agency is not the owner), not the requester;
- an extension approved or rejected: the requester, not the decider.

Each row is unique per (recipient, item, kind, period), the period naming the record
(``submission:12``, ``extension:7``): a signal delivered twice records each email once. The
emails are built by ``accountability_emails`` and sent by ``delivery`` like every other.
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agencies.models import Membership, User
from recommendations.accountability.models import ExtensionRequest, Submission
from tracker.queueing import enqueue_on_commit

from .models import OPTIONAL_KINDS, Notification, NotificationKind, NotificationPreference

logger = logging.getLogger(__name__)

# The signal's event names (recommendations.accountability.signals) and the kind each records.
EVENT_KINDS = {
    "submitted": NotificationKind.SUBMITTED,
    "verified": NotificationKind.VERIFICATION_DECIDED,
    "extension_requested": NotificationKind.EXTENSION_REQUESTED,
    "extension_decided": NotificationKind.EXTENSION_DECIDED,
}


def submission_period(submission_id: int) -> str:
    return f"submission:{submission_id}"


def extension_period(request_id: int) -> str:
    return f"extension:{request_id}"


def record_id_of(period: str) -> int | None:
    """The submission or extension request a period names ("submission:12:1" -> 12)."""
    parts = period.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])


def verifier_ids() -> set[int]:
    """The people who may verify any item: the coordinators (see
    ``recommendations.accountability.policies.can_verify``)."""
    return set(
        Membership.objects.filter(role=Membership.Role.COORDINATOR).values_list(
            "user_id", flat=True
        )
    )


def extension_decider_ids(*, lead_agency_id: int, owner_agency_id: int) -> set[int]:
    """Coordinators, and the lead agency's managers when the lead is not the owner (see
    ``recommendations.accountability.policies.can_decide_extension``)."""
    deciders = verifier_ids()
    if lead_agency_id != owner_agency_id:
        deciders.update(
            Membership.objects.filter(
                role=Membership.Role.MANAGER, agency_id=lead_agency_id
            ).values_list("user_id", flat=True)
        )
    return deciders


def agency_manager_ids(agency_id: int) -> set[int]:
    return set(
        Membership.objects.filter(role=Membership.Role.MANAGER, agency_id=agency_id).values_list(
            "user_id", flat=True
        )
    )


def covered_by_accountability_email(
    *, item_id: int, owner_agency_id: int, status_before: str, status_after: str
) -> set[int]:
    """Who gets an accountability email about this status change, so that the watchers' "status
    changed" email does not tell them a second time: the verifiers of a submission, the submitter
    and the owner agency's managers of a verification decision."""
    from recommendations.models import Status

    if status_after == Status.AWAITING_VERIFICATION:
        return verifier_ids()
    if status_before == Status.AWAITING_VERIFICATION:
        covered = agency_manager_ids(owner_agency_id)
        submitter = (
            Submission.objects.filter(action_item_id=item_id)
            .exclude(decision=Submission.Decision.PENDING)
            .order_by("-decided_at", "-id")
            .values_list("submitted_by_id", flat=True)
            .first()
        )
        if submitter is not None:
            covered.add(submitter)
        return covered
    return set()


def _deliverable(user_ids: Iterable[int], kind: str) -> list[int]:
    """Those who can receive email (active, with an address) and did not turn ``kind`` off."""
    wanted = set(user_ids)
    if kind in OPTIONAL_KINDS:
        wanted -= set(
            NotificationPreference.objects.filter(user_id__in=wanted, **{kind: False}).values_list(
                "user_id", flat=True
            )
        )
    return sorted(
        User.objects.filter(pk__in=wanted, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )


def _audience(event: str, record_id: int) -> tuple[int, set[int], str] | None:
    """(item id, recipient ids, period) for an event, or None when its record is gone."""
    if event in ("submitted", "verified"):
        submission = Submission.objects.select_related("action_item").filter(pk=record_id).first()
        if submission is None:
            return None
        if event == "submitted":
            recipients = verifier_ids() - {submission.submitted_by_id}
        else:
            recipients = agency_manager_ids(submission.action_item.owner_agency_id)
            if submission.submitted_by_id is not None:
                recipients.add(submission.submitted_by_id)
            recipients.discard(submission.decided_by_id)
        return submission.action_item_id, recipients, submission_period(submission.pk)
    request = (
        ExtensionRequest.objects.select_related("action_item__recommendation")
        .filter(pk=record_id)
        .first()
    )
    if request is None:
        return None
    item = request.action_item
    if event == "extension_requested":
        recipients = extension_decider_ids(
            lead_agency_id=item.recommendation.lead_agency_id,
            owner_agency_id=item.owner_agency_id,
        ) - {request.requested_by_id}
    elif request.requested_by_id is not None:
        recipients = {request.requested_by_id} - {request.decided_by_id}
    else:
        recipients = set()
    return item.pk, recipients, extension_period(request.pk)


def accountability_event_notify(*, event: str, record_id: int) -> int:
    """Record the emails an accountability event calls for and queue their sending after commit.
    Returns how many rows were new (none the second time for the same event)."""
    kind = EVENT_KINDS.get(event)
    if kind is None:
        return 0
    found = _audience(event, record_id)
    if found is None:
        return 0
    item_id, recipients, period = found
    deliverable = _deliverable(recipients, kind)
    if not deliverable:
        return 0
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            action_item_id=item_id,
            kind=kind,
            period=period,
            period_start=timezone.localdate(now),
            created_at=now,
            next_attempt_at=now,
        )
        for user_id in deliverable
    ]
    from .tasks import notifications_send

    same_event = Notification.objects.filter(action_item_id=item_id, kind=kind, period=period)
    with transaction.atomic():
        before = same_event.count()
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        enqueue_on_commit(notifications_send, deliverable)
        return same_event.count() - before
