"""What the accountability emails say: one email per event (submitted, accepted or returned,
extension requested, approved or rejected), and one email per recipient and run listing the
decisions that have waited too long. Called by ``emails.emails_for_recipient`` in the recipient's
language.

The notices that overdue reminders are paused go in the reminders email; what they say of the
pause is written here (``overdue_pause_details``), from the same records.

The records are read in one query per kind for all of a recipient's notifications. A notification
whose record was decided since (a reminder, or a "please verify" that arrives after another
coordinator verified) builds no email: ``delivery`` then cancels the row.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import User
from recommendations.accountability.models import (
    ExtensionRequest,
    ExtensionStatus,
    Submission,
    SubmissionDecision,
)

from . import emails
from .accountability import record_id_of
from .models import ACCOUNTABILITY_EVENT_KINDS, WAITING_KINDS, Notification, NotificationKind

SUBMISSION_KINDS = (
    NotificationKind.SUBMITTED,
    NotificationKind.VERIFICATION_DECIDED,
    NotificationKind.VERIFICATION_WAITING,
)


def _records(
    notifications: Sequence[Notification],
) -> tuple[dict[int, Submission], dict[int, ExtensionRequest]]:
    submission_ids = {
        record_id_of(n.period) for n in notifications if n.kind in SUBMISSION_KINDS
    } - {None}
    request_ids = {
        record_id_of(n.period) for n in notifications if n.kind not in SUBMISSION_KINDS
    } - {None}
    submissions = (
        Submission.objects.select_related("submitted_by", "decided_by")
        .prefetch_related("evidence")
        .in_bulk(list(submission_ids))
        if submission_ids
        else {}
    )
    requests = (
        ExtensionRequest.objects.select_related("requested_by", "decided_by").in_bulk(
            list(request_ids)
        )
        if request_ids
        else {}
    )
    return submissions, requests


def _name(user: User | None) -> str:
    return user.display_name if user is not None else _("Someone")


def _moment(value: datetime.datetime | None) -> str:
    return emails._date(timezone.localtime(value).date()) if value else ""


def _queue_url(kind: str) -> str:
    name = (
        "recommendations:verification_queue"
        if kind in SUBMISSION_KINDS
        else "recommendations:extension_requests"
    )
    return emails.absolute_url(reverse(name))


def accountability_emails(
    *, recipient: User, notifications: Sequence[Notification], today: datetime.date
) -> list[emails.Prepared]:
    """The emails of ``recipient``'s claimed accountability notifications, with the ids each
    carries: one per event, and one for all the reminders of decisions waiting."""
    mine = [
        n for n in notifications if n.kind in ACCOUNTABILITY_EVENT_KINDS or n.kind in WAITING_KINDS
    ]
    if not mine:
        return []
    submissions, requests = _records(mine)
    prepared: list[emails.Prepared] = []
    waiting: list[dict[str, Any]] = []
    waiting_ids: list[int] = []
    for notification in mine:
        record_id = record_id_of(notification.period)
        record: Submission | ExtensionRequest | None = (
            submissions.get(record_id or 0)
            if notification.kind in SUBMISSION_KINDS
            else requests.get(record_id or 0)
        )
        item = notification.action_item
        if record is None or item is None:
            continue
        if notification.kind in WAITING_KINDS:
            entry = _waiting_entry(notification, record, today)
            if entry is not None:
                waiting.append(entry)
                waiting_ids.append(notification.pk)
            continue
        message = _event_email(recipient, notification, record)
        if message is not None:
            prepared.append((message, [notification.pk]))
    if waiting:
        carried = [n for n in mine if n.pk in set(waiting_ids)]
        prepared.append((_waiting_email(recipient, waiting, carried, today), waiting_ids))
    return prepared


def _event_email(
    recipient: User, notification: Notification, record: Submission | ExtensionRequest
) -> Any:
    item = notification.action_item
    assert item is not None
    heading = {"reference": item.reference, "title": item.title}
    context: dict[str, Any] = {"item": item, "url": emails.item_url(item), "record": record}
    kind = notification.kind
    if kind == NotificationKind.SUBMITTED:
        assert isinstance(record, Submission)
        if not record.is_pending:
            return None  # already decided by another verifier: nothing left to ask
        evidence = [e for e in record.evidence.all() if not e.is_withdrawn]
        subject = _("To verify: %(reference)s %(title)s") % heading
        context.update(
            what=_("%(person)s submitted this item as done on %(date)s and asks for verification.")
            % {"person": _name(record.submitted_by), "date": _moment(record.submitted_at)},
            label=_("Closing note:"),
            text=record.note,
            evidence=ngettext("%(count)d file", "%(count)d files", len(evidence))
            % {"count": len(evidence)}
            + ", "
            + ngettext("%(count)d link", "%(count)d links", len(record.links))
            % {"count": len(record.links)},
            reason=_("You are a coordinator: coordinators verify what agencies submit as done."),
            action_url=_queue_url(kind),
            action=_("Open the verification queue"),
        )
    elif kind == NotificationKind.VERIFICATION_DECIDED:
        assert isinstance(record, Submission)
        accepted = record.decision == SubmissionDecision.ACCEPTED
        if record.is_pending:
            return None
        subject = (
            _("Verified complete: %(reference)s %(title)s")
            if accepted
            else _("Returned: %(reference)s %(title)s")
        ) % heading
        person = {"person": _name(record.decided_by), "date": _moment(record.submitted_at)}
        context.update(
            what=(
                _("%(person)s accepted the submission of %(date)s: the item is verified complete.")
                if accepted
                else _(
                    "%(person)s returned the submission of %(date)s: the item is in progress again."
                )
            )
            % person,
            label=_("Reason:"),
            text=record.decision_reason,
            reason=_("You submitted this item.")
            if record.submitted_by_id == recipient.pk
            else _("You are a manager of %(agency)s, which owns this item.")
            % {"agency": item.owner_agency.local_acronym},
        )
    elif kind == NotificationKind.EXTENSION_REQUESTED:
        assert isinstance(record, ExtensionRequest)
        if not record.is_pending:
            return None
        subject = _("Extension requested: %(reference)s %(title)s (to %(date)s)") % {
            **heading,
            "date": emails._date(record.proposed_due_date),
        }
        context.update(
            what=ngettext(
                "%(person)s asks to move the due date from %(before)s to %(after)s "
                "(%(days)d day later).",
                "%(person)s asks to move the due date from %(before)s to %(after)s "
                "(%(days)d days later).",
                record.days_requested,
            )
            % {
                "person": _name(record.requested_by),
                "before": emails._date(record.current_due_date),
                "after": emails._date(record.proposed_due_date),
                "days": record.days_requested,
            },
            label=_("Reason:"),
            text=record.reason,
            paused=_("Overdue reminders for this item are paused until the request is decided."),
            reason=_decider_reason(recipient, item),
            action_url=_queue_url(kind),
            action=_("Open the extension requests"),
        )
    else:
        assert isinstance(record, ExtensionRequest)
        if record.is_pending:
            return None
        approved = record.status == ExtensionStatus.APPROVED
        subject = (
            _("Extension approved: %(reference)s %(title)s")
            if approved
            else _("Extension rejected: %(reference)s %(title)s")
        ) % heading
        dates = {
            "person": _name(record.decided_by),
            "before": emails._date(record.current_due_date),
            "after": emails._date(record.proposed_due_date),
        }
        context.update(
            what=(
                _(
                    "%(person)s approved your request to move the due date from %(before)s to "
                    "%(after)s."
                )
                if approved
                else _(
                    "%(person)s rejected your request to move the due date from %(before)s to "
                    "%(after)s; the due date stays %(before)s."
                )
            )
            % dates,
            label=_("Reason:"),
            text=record.decision_reason,
            reason=_("You asked for this extension."),
        )
    return emails._message(
        recipient=recipient,
        subject=subject,
        template="accountability_event",
        context=context,
        notifications=[notification],
    )


def overdue_pause_details(notifications: Sequence[Notification]) -> dict[int, str]:
    """For each notice that an item's overdue reminders are paused (kind OVERDUE_PAUSED) whose
    pause still holds (the submission or extension request its period names still pending), the
    sentence that says why and when they resume. One query per kind of record."""
    if not notifications:
        return {}
    by_prefix: dict[str, set[int]] = {"submission": set(), "extension": set()}
    for notification in notifications:
        prefix = notification.period.partition(":")[0]
        record_id = record_id_of(notification.period)
        if prefix in by_prefix and record_id is not None:
            by_prefix[prefix].add(record_id)
    submissions = (
        Submission.objects.filter(decision=SubmissionDecision.PENDING).in_bulk(
            list(by_prefix["submission"])
        )
        if by_prefix["submission"]
        else {}
    )
    requests = (
        ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).in_bulk(
            list(by_prefix["extension"])
        )
        if by_prefix["extension"]
        else {}
    )
    details: dict[int, str] = {}
    for notification in notifications:
        record_id = record_id_of(notification.period) or 0
        if notification.period.startswith("submission:"):
            submission = submissions.get(record_id)
            if submission is not None and submission.action_item_id == notification.action_item_id:
                details[notification.pk] = _(
                    "Overdue reminders are paused: the item awaits verification (submitted on "
                    "%(date)s). They resume if the submission is returned."
                ) % {"date": _moment(submission.submitted_at)}
        else:
            request = requests.get(record_id)
            if request is not None and request.action_item_id == notification.action_item_id:
                details[notification.pk] = _(
                    "Overdue reminders are paused: an extension request to %(date)s awaits a "
                    "decision. They resume if the request is rejected."
                ) % {"date": emails._date(request.proposed_due_date)}
    return details


def _decider_reason(recipient: User, item: Any) -> str:
    lead_id = item.recommendation.lead_agency_id
    if lead_id != item.owner_agency_id and lead_id in emails._manager_agency_ids(recipient):
        return _(
            "You are a manager of %(agency)s, which leads this recommendation: you may decide "
            "its extension requests."
        ) % {"agency": item.recommendation.lead_agency.local_acronym}
    return _("You are a coordinator: coordinators decide extension requests.")


def _waiting_entry(
    notification: Notification, record: Submission | ExtensionRequest, today: datetime.date
) -> dict[str, Any] | None:
    item = notification.action_item
    assert item is not None
    if not record.is_pending:
        return None
    if isinstance(record, Submission):
        since = timezone.localtime(record.submitted_at).date()
        days = (today - since).days
        headline = ngettext(
            "Submitted by %(person)s on %(date)s: waiting for verification for %(days)d day",
            "Submitted by %(person)s on %(date)s: waiting for verification for %(days)d days",
            days,
        ) % {"person": _name(record.submitted_by), "date": emails._date(since), "days": days}
    else:
        since = timezone.localtime(record.requested_at).date()
        days = (today - since).days
        headline = ngettext(
            "Extension to %(after)s requested by %(person)s on %(date)s: waiting for a decision "
            "for %(days)d day",
            "Extension to %(after)s requested by %(person)s on %(date)s: waiting for a decision "
            "for %(days)d days",
            days,
        ) % {
            "after": emails._date(record.proposed_due_date),
            "person": _name(record.requested_by),
            "date": emails._date(since),
            "days": days,
        }
    return {
        "item": item,
        "url": emails.item_url(item),
        "headline": headline,
        "queue_url": _queue_url(notification.kind),
    }


def _waiting_email(
    recipient: User,
    entries: list[dict[str, Any]],
    notifications: Sequence[Notification],
    today: datetime.date,
) -> Any:
    subject = ngettext(
        "%(count)d decision waiting for you", "%(count)d decisions waiting for you", len(entries)
    ) % {"count": len(entries)}
    kinds = {n.kind for n in notifications}
    return emails._message(
        recipient=recipient,
        subject=subject,
        template="accountability_waiting",
        context={
            "entries": entries,
            "today": today,
            "verification_url": _queue_url(NotificationKind.VERIFICATION_WAITING)
            if NotificationKind.VERIFICATION_WAITING in kinds
            else "",
            "extensions_url": _queue_url(NotificationKind.EXTENSION_WAITING)
            if NotificationKind.EXTENSION_WAITING in kinds
            else "",
        },
        notifications=notifications,
    )
