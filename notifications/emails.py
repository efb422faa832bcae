"""Building the emails: one per recipient and run for reminders, one per digest or immediate event.

Every email is rendered in the recipient's language, as plain text and HTML, says what happened
and when, shows the items with a direct link, why the person got it and how to change that.
Optional kinds carry a one-click unsubscribe that works without signing in.
"""

import datetime
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from agencies.dates import local_date
from agencies.middleware import LANGUAGE_PARAMETER
from agencies.models import User
from recommendations.models import WORKING_STATUSES, ActionItem, ProgressUpdate, Status

from . import external
from .models import (
    OPTIONAL_KINDS,
    REMINDER_KINDS,
    Notification,
    NotificationKind,
    preference_kind,
)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def absolute_url(path: str) -> str:
    """``path`` on SITE_URL, carrying the language the email is written in (``?lang=fr``), so the
    page it opens is in that language before (or without) signing in."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    separator = "&" if "?" in path else "?"
    return f"{settings.SITE_URL}{path}{separator}{LANGUAGE_PARAMETER}={language}"


def item_url(item: ActionItem) -> str:
    return absolute_url(reverse("recommendations:item", args=[item.pk]))


def preferences_url() -> str:
    return absolute_url(reverse("notifications:preferences"))


def unsubscribe_token(*, user_id: int, kinds: Sequence[str]) -> str:
    return signing.dumps({"u": user_id, "k": sorted(set(kinds))}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_load(token: str) -> tuple[int, list[str]]:
    """The user and kinds a token unsubscribes; ``signing.BadSignature`` when forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    kinds = [kind for kind in data.get("k", []) if kind in OPTIONAL_KINDS]
    return int(data["u"]), kinds


def unsubscribe_url(*, user_id: int, kinds: Sequence[str]) -> str:
    token = unsubscribe_token(user_id=user_id, kinds=kinds)
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))


def optional_kinds(kinds: Sequence[str]) -> list[str]:
    """The choices an email's kinds depend on, for its unsubscribe link: a notice that overdue
    reminders are paused is unsubscribed from with the overdue reminders."""
    return sorted({preference_kind(kind) for kind in kinds} & set(OPTIONAL_KINDS))


def _date(day: datetime.date) -> str:
    return local_date(day)


@dataclass
class Entry:
    """One item in an email, with the sentence that says why it is there."""

    notification: Notification
    item: ActionItem
    headline: str
    reason: str
    url: str
    # Said under the item: why its overdue reminders are paused, and until when.
    detail: str = ""


def _reason(recipient: User, notification: Notification, item: ActionItem) -> str:
    agency = item.owner_agency.local_acronym
    if notification.kind == NotificationKind.ESCALATION:
        if item.owner_agency_id in _manager_agency_ids(recipient):
            return _("You are a manager of %(agency)s, which owns this item.") % {"agency": agency}
        return _("You are a coordinator and %(agency)s has no manager to escalate to.") % {
            "agency": agency
        }
    if item.assignee_id == recipient.pk:
        return _("You are assigned to this item.")
    if notification.kind == NotificationKind.STATUS_CHANGED:
        return _("You watch this item.")
    return _("This item of %(agency)s is not assigned to anyone, and you work at %(agency)s.") % {
        "agency": agency
    }


def _manager_agency_ids(user: User) -> set[int]:
    from agencies.selectors import user_roles

    return set(user_roles(user).manager_of)


def _headline(notification: Notification, item: ActionItem, today: datetime.date) -> str:
    due = notification.item_due_date or item.due_date
    kind = notification.kind
    if kind == NotificationKind.DUE_SOON:
        days = (due - today).days
        if days <= 1:
            return _("Due tomorrow, %(date)s") % {"date": _date(due)}
        return ngettext(
            "Due in %(days)d day, on %(date)s", "Due in %(days)d days, on %(date)s", days
        ) % {
            "days": days,
            "date": _date(due),
        }
    if kind == NotificationKind.OVERDUE_PAUSED:
        return _("Reminders paused, overdue since %(date)s") % {
            "date": _date(due + datetime.timedelta(days=1))
        }
    late = max(1, (today - due).days)
    if kind == NotificationKind.OVERDUE:
        return ngettext(
            "Overdue by %(days)d day (due %(date)s)",
            "Overdue by %(days)d days (due %(date)s)",
            late,
        ) % {"days": late, "date": _date(due)}
    if kind == NotificationKind.ESCALATION:
        return ngettext(
            "Escalation: overdue by %(days)d day (due %(date)s)",
            "Escalation: overdue by %(days)d days (due %(date)s)",
            late,
        ) % {"days": late, "date": _date(due)}
    if kind == NotificationKind.STALE:
        quiet = max(1, (today - item.last_progress_at.date()).days)
        return ngettext(
            "No update recorded for %(days)d day", "No update recorded for %(days)d days", quiet
        ) % {"days": quiet}
    return str(notification.get_kind_display())


def _headers(*, recipient: User, kinds: Sequence[str], ids: Sequence[int]) -> dict[str, str]:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    digest = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]
    headers = {
        "Auto-Submitted": "auto-generated",
        # The same notifications give the same Message-ID, so a resend after a crash between the
        # server's acceptance and our bookkeeping can be recognised by the receiving side.
        "Message-ID": f"<notification.{min(ids)}.{digest}@{host}>",
        # The notification rows this email carries, so an operator (and the fault soak) can tell
        # from a message which reminders it delivered, and a resend that groups them differently.
        "X-Tracker-Notifications": " ".join(map(str, sorted(ids))),
    }
    optional = optional_kinds(kinds)
    if optional:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(user_id=recipient.pk, kinds=optional)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _message(
    *,
    recipient: User,
    subject: str,
    template: str,
    context: dict[str, Any],
    notifications: Sequence[Notification],
) -> EmailMultiAlternatives:
    kinds = sorted({n.kind for n in notifications})
    optional = optional_kinds(kinds)
    context = {
        **context,
        "recipient": recipient,
        "subject": subject,
        "preferences_url": preferences_url(),
        "unsubscribe_url": unsubscribe_url(user_id=recipient.pk, kinds=optional)
        if optional
        else "",
        "optional_kinds": [str(NotificationKind(kind).label) for kind in optional],
        "site_url": settings.SITE_URL,
        "LANGUAGE_CODE": recipient.language,
    }
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers=_headers(recipient=recipient, kinds=kinds, ids=[n.pk for n in notifications]),
    )
    message.attach_alternative(html, "text/html")
    return message


Prepared = tuple[EmailMultiAlternatives, list[int]]


def emails_for_recipient(
    *,
    recipient: User,
    notifications: Sequence[Notification],
    today: datetime.date,
    digest_loader: Callable[[User], object | None],
) -> list[Prepared]:
    """The emails for one recipient's claimed notifications, with the ids each one carries.

    Reminders (due soon, overdue, escalation, stale) become one email listing them; a digest and
    each immediate event (assignment, status change) is an email of its own.
    """
    events = (NotificationKind.ASSIGNED, NotificationKind.STATUS_CHANGED)
    # The updates the event emails describe, in one query for all of them.
    update_ids = [
        n.progress_update_id
        for n in notifications
        if n.kind in events and n.progress_update_id is not None
    ]
    updates = (
        ProgressUpdate.objects.select_related("author").in_bulk(update_ids) if update_ids else {}
    )
    prepared: list[Prepared] = []
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        # Submissions, verification decisions, extension requests and decisions, and the reminders
        # of decisions waiting: their own module (imported here, since it builds on this one).
        from .accountability_emails import accountability_emails

        prepared.extend(
            accountability_emails(recipient=recipient, notifications=notifications, today=today)
        )
        # A notice that overdue reminders are paused goes in the email the reminder would have
        # gone in, while its pause holds (otherwise it builds nothing and delivery cancels it).
        from .accountability_emails import overdue_pause_details

        pauses = overdue_pause_details(
            [n for n in notifications if n.kind == NotificationKind.OVERDUE_PAUSED]
        )
        reminders = [
            n
            for n in notifications
            if n.kind in REMINDER_KINDS
            and (n.kind != NotificationKind.OVERDUE_PAUSED or n.pk in pauses)
        ]
        if reminders:
            prepared.append(
                (_reminder_email(recipient, reminders, today, pauses), [n.pk for n in reminders])
            )
        status_changes = [n for n in notifications if n.kind == NotificationKind.STATUS_CHANGED]
        # Several status changes claimed together (a bulk upload, a burst of saves) are one
        # email listing them, not one email each.
        grouped = len(status_changes) > 1
        if grouped:
            prepared.append(
                (
                    _status_changes_email(recipient, status_changes, updates),
                    [n.pk for n in status_changes],
                )
            )
        for notification in notifications:
            if grouped and notification.kind == NotificationKind.STATUS_CHANGED:
                continue
            if notification.kind == NotificationKind.DIGEST:
                digest = digest_loader(recipient)
                if digest is not None:
                    prepared.append(
                        (_digest_email(recipient, notification, digest, today), [notification.pk])
                    )
            elif (builder := external.external_email_builder(notification.kind)) is not None:
                email = builder(recipient, notification)
                if email is not None:
                    prepared.append(
                        (_external_email(recipient, notification, email), [notification.pk])
                    )
            elif notification.kind in events:
                update = (
                    updates.get(notification.progress_update_id)
                    if notification.progress_update_id is not None
                    else None
                )
                prepared.append((_event_email(recipient, notification, update), [notification.pk]))
    return prepared


_KIND_ORDER = {
    NotificationKind.ESCALATION: 0,
    NotificationKind.OVERDUE: 1,
    NotificationKind.OVERDUE_PAUSED: 2,
    NotificationKind.DUE_SOON: 3,
    NotificationKind.STALE: 4,
}


# "2 escalations", "1 overdue": each kind counted with its own plural, in each language.
_KIND_COUNT_PHRASES = {
    NotificationKind.ESCALATION: ngettext_lazy(
        "%(count)d escalation", "%(count)d escalations", "count"
    ),
    NotificationKind.OVERDUE: ngettext_lazy("%(count)d overdue", "%(count)d overdue", "count"),
    NotificationKind.DUE_SOON: ngettext_lazy("%(count)d due soon", "%(count)d due soon", "count"),
    NotificationKind.STALE: ngettext_lazy(
        "%(count)d without a recent update", "%(count)d without a recent update", "count"
    ),
    NotificationKind.OVERDUE_PAUSED: ngettext_lazy(
        "%(count)d with reminders paused", "%(count)d with reminders paused", "count"
    ),
}


def _reminder_email(
    recipient: User,
    reminders: Sequence[Notification],
    today: datetime.date,
    pauses: dict[int, str],
) -> EmailMultiAlternatives:
    """One email listing a recipient's reminders of the run; ``pauses`` says, for each notice
    that overdue reminders are paused, why and until when."""
    ordered = sorted(
        reminders,
        key=lambda n: (_KIND_ORDER[NotificationKind(n.kind)], n.item_due_date or today, n.pk),
    )
    # One entry per item: an item both overdue and stale is listed once, under its most urgent
    # kind, with the other reminders' headlines beside it (the subject then counts items).
    entries: list[Entry] = []
    by_item: dict[int, Entry] = {}
    for n in ordered:
        if n.action_item is None:
            continue
        headline = _headline(n, n.action_item, today)
        if n.action_item.pk in by_item:
            by_item[n.action_item.pk].headline += " · " + headline
            continue
        entry = Entry(
            notification=n,
            item=n.action_item,
            headline=headline,
            reason=_reason(recipient, n, n.action_item),
            url=item_url(n.action_item),
            detail=pauses.get(n.pk, ""),
        )
        by_item[n.action_item.pk] = entry
        entries.append(entry)
    if len(entries) == 1:
        entry = entries[0]
        subject = _("%(what)s: %(reference)s %(title)s") % {
            "what": entry.headline,
            "reference": entry.item.reference,
            "title": entry.item.title,
        }
    else:
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry.notification.kind] = counts.get(entry.notification.kind, 0) + 1
        summary = ", ".join(
            _KIND_COUNT_PHRASES[NotificationKind(kind)] % {"count": count}
            for kind, count in counts.items()
        )
        subject = ngettext(
            "%(count)d reminder for %(date)s: %(summary)s",
            "%(count)d reminders for %(date)s: %(summary)s",
            len(entries),
        ) % {"count": len(entries), "date": _date(today), "summary": summary}
    return _message(
        recipient=recipient,
        subject=subject,
        template="reminders",
        context={
            "entries": entries,
            "today": today,
            # The way to stop overdue reminders, unless the email only says they are paused.
            "overdue_hint": any(
                e.notification.kind != NotificationKind.OVERDUE_PAUSED for e in entries
            ),
        },
        notifications=reminders,
    )


def _external_email(
    recipient: User, notification: Notification, email: external.ExternalEmail
) -> EmailMultiAlternatives:
    message = _message(
        recipient=recipient,
        subject=email.subject,
        template=email.template,
        context=email.context,
        notifications=[notification],
    )
    for filename, content, mimetype in email.attachments:
        message.attach(filename, content, mimetype)
    return message


def _digest_email(
    recipient: User, notification: Notification, digest: object, today: datetime.date
) -> EmailMultiAlternatives:
    subject = _("Weekly digest for the week of %(date)s") % {
        "date": _date(notification.period_start or today)
    }
    status_labels = dict(Status.choices)
    by_status = [
        (status_labels[status], count) for status, count in getattr(digest, "by_status", {}).items()
    ]
    return _message(
        recipient=recipient,
        subject=subject,
        template="digest",
        context={
            "digest": digest,
            "by_status": by_status,
            "today": today,
            "overdue": [
                (item, item_url(item), _overdue_pause(item))
                for item in getattr(digest, "overdue", [])
            ],
            "due_this_week": [
                (item, item_url(item)) for item in getattr(digest, "due_this_week", [])
            ],
        },
        notifications=[notification],
    )


def _overdue_pause(item: ActionItem) -> str:
    """Why an overdue item of the digest gets no overdue reminders, if it does not: read from the
    annotations of ``recommendations.accountability.selectors.with_accountability``."""
    submitted_at: datetime.datetime | None = getattr(item, "verification_submitted_at", None)
    proposed: datetime.date | None = getattr(item, "open_extension_proposed", None)
    if item.status == Status.AWAITING_VERIFICATION and submitted_at is not None:
        return _("Overdue reminders paused: awaiting verification (submitted on %(date)s).") % {
            "date": _date(timezone.localtime(submitted_at).date())
        }
    if item.status in WORKING_STATUSES and proposed is not None:
        return _(
            "Overdue reminders paused: an extension request to %(date)s awaits a decision."
        ) % {"date": _date(proposed)}
    return ""


def _event_email(
    recipient: User, notification: Notification, update: ProgressUpdate | None
) -> EmailMultiAlternatives:
    """An assignment or status change, described by ``update`` (None if it was deleted since)."""
    item = notification.action_item
    assert item is not None  # immediate notifications are always about an item
    status_labels = dict(Status.choices)
    if notification.kind == NotificationKind.ASSIGNED:
        subject = _("Assigned to you: %(reference)s %(title)s (due %(date)s)") % {
            "reference": item.reference,
            "title": item.title,
            "date": _date(item.due_date),
        }
        reason = _("You were assigned to this item.")
    else:
        subject = _("%(reference)s is now “%(status)s”: %(title)s") % {
            "reference": item.reference,
            "status": status_labels.get(update.status_after if update else item.status, ""),
            "title": item.title,
        }
        reason = _reason(recipient, notification, item)
    return _message(
        recipient=recipient,
        subject=subject,
        template=notification.kind,
        context={
            "item": item,
            "url": item_url(item),
            "update": update,
            "status_before": status_labels.get(update.status_before, "") if update else "",
            "status_after": status_labels.get(update.status_after, "") if update else "",
            "reason": reason,
        },
        notifications=[notification],
    )


def _status_changes_email(
    recipient: User, notifications: Sequence[Notification], updates: dict[int, ProgressUpdate]
) -> EmailMultiAlternatives:
    """Several status changes in one email, one entry per item."""
    status_labels = dict(Status.choices)
    entries = []
    for notification in notifications:
        item = notification.action_item
        assert item is not None  # immediate notifications are always about an item
        update = (
            updates.get(notification.progress_update_id)
            if notification.progress_update_id is not None
            else None
        )
        entries.append(
            {
                "item": item,
                "url": item_url(item),
                "update": update,
                "status_before": status_labels.get(update.status_before, "") if update else "",
                "status_after": status_labels.get(
                    update.status_after if update else item.status, ""
                ),
                "reason": _reason(recipient, notification, item),
            }
        )
    subject = ngettext(
        "%(count)d item changed status", "%(count)d items changed status", len(entries)
    ) % {"count": len(entries)}
    return _message(
        recipient=recipient,
        subject=subject,
        template="status_changes",
        context={"entries": entries},
        notifications=notifications,
    )
