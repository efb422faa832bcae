"""Notifications: one row per email that is due, claimed before it is sent.

The row is the promise: a reminder exists once per (recipient, item, kind, period) thanks to the
unique constraints, and its ``state`` says whether it went out. Celery and the broker only carry
ids; losing a task loses nothing, because the periodic retry finds the row again.
"""

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recommendations.models import ActionItem


class NotificationKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Escalation")
    STALE = "stale", _("No recent update")
    DIGEST = "digest", _("Weekly digest")
    ASSIGNED = "assigned", _("Assignment")
    STATUS_CHANGED = "status_changed", _("Status change of a watched item")
    QUARTERLY_REPORT = "quarterly_report", _("Quarterly report")
    # Accountability (recommendations.accountability): events, then reminders of what waits.
    SUBMITTED = "submitted", _("Item submitted for verification")
    VERIFICATION_DECIDED = "verify_decided", _("Verification decision")
    EXTENSION_REQUESTED = "ext_requested", _("Extension requested")
    EXTENSION_DECIDED = "ext_decided", _("Extension decision")
    VERIFICATION_WAITING = "verify_waiting", _("Submissions waiting for verification")
    EXTENSION_WAITING = "ext_waiting", _("Extension requests waiting for a decision")
    # To an overdue item's workers, once per pause, when its overdue reminders are held back
    # (awaiting verification, an extension request waiting); the period names the pause's
    # record: "submission:12", "extension:7".
    OVERDUE_PAUSED = "overdue_paused", _("Overdue reminders paused")


# Kinds a user may turn off; escalations and assignments always go out.
OPTIONAL_KINDS = (
    NotificationKind.DUE_SOON,
    NotificationKind.OVERDUE,
    NotificationKind.STALE,
    NotificationKind.DIGEST,
    NotificationKind.STATUS_CHANGED,
    NotificationKind.QUARTERLY_REPORT,
    NotificationKind.SUBMITTED,
    NotificationKind.EXTENSION_REQUESTED,
    NotificationKind.VERIFICATION_WAITING,
    NotificationKind.EXTENSION_WAITING,
)
# A decision on someone's own submission or request always reaches them (like an assignment):
# VERIFICATION_DECIDED and EXTENSION_DECIDED are not optional.
# Kinds that follow another kind's choice instead of having their own: the notice that overdue
# reminders are paused is part of the overdue reminders, so whoever turned those off (or
# unsubscribed from them) does not get it either.
FOLLOWS_PREFERENCE_OF: dict[str, str] = {
    NotificationKind.OVERDUE_PAUSED.value: NotificationKind.OVERDUE.value
}


def preference_kind(kind: str) -> str:
    """The kind whose choice decides whether ``kind`` is sent (itself, mostly)."""
    return FOLLOWS_PREFERENCE_OF.get(kind, kind)


def kinds_following(kinds: Iterable[str]) -> list[str]:
    """``kinds`` and the kinds that follow their choice (turning "overdue" off drops both)."""
    chosen = set(kinds)
    return sorted(chosen | {k for k, follows in FOLLOWS_PREFERENCE_OF.items() if follows in chosen})


# Accountability events, recorded when the event is committed (``notifications.accountability``);
# their period names the record: "submission:12", "extension:7".
ACCOUNTABILITY_EVENT_KINDS = (
    NotificationKind.SUBMITTED,
    NotificationKind.VERIFICATION_DECIDED,
    NotificationKind.EXTENSION_REQUESTED,
    NotificationKind.EXTENSION_DECIDED,
)
# Reminders of decisions waiting, produced by the scan; one email per recipient and run lists
# them. Their period names the record and the repeat: "submission:12:1".
WAITING_KINDS = (NotificationKind.VERIFICATION_WAITING, NotificationKind.EXTENSION_WAITING)
# Kinds that the scan produces and that are grouped into one email per recipient and run.
REMINDER_KINDS = (
    NotificationKind.DUE_SOON,
    NotificationKind.OVERDUE,
    NotificationKind.ESCALATION,
    NotificationKind.STALE,
    NotificationKind.OVERDUE_PAUSED,
)


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Notification(models.Model):
    Kind = NotificationKind
    State = NotificationState

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # Null for the weekly digest, which is about many items.
    action_item = models.ForeignKey(
        ActionItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("action item"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Which occurrence of the rule this is: "2026-04-20:-7" (due-soon, 7 days before that due
    # date), "2026-04-20:w2" (third weekly overdue reminder), "2026-W17" (digest week),
    # "update:123" (the progress update an immediate email is about).
    period = models.CharField(_("period"), max_length=40)
    # The day the rule fired for (reminders and digests); used to skip work already done.
    period_start = models.DateField(_("period start"), null=True, blank=True)
    # The item's due date when the notification was created, shown in the email.
    item_due_date = models.DateField(_("due date then"), null=True, blank=True)
    # The progress update an immediate email is about.
    progress_update_id = models.BigIntegerField(_("progress update"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Not sent before this moment: the backoff after a failed attempt.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A worker that claims the row writes these; a claim older than the lease is re-claimable.
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # Two partial constraints because NULLs are distinct in a plain unique constraint.
            models.UniqueConstraint(
                fields=["recipient", "action_item", "kind", "period"],
                condition=Q(action_item__isnull=False),
                name="notification_once_per_item_period",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "period"],
                condition=Q(action_item__isnull=True),
                name="notification_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in NotificationKind]),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[c.value for c in NotificationState]),
                name="notification_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "state"], name="notification_recipient_idx"),
            models.Index(fields=["claim_token"], name="notification_claim_idx"),
            models.Index(fields=["created_at"], name="notification_created_idx"),
            models.Index(
                fields=["action_item", "kind", "period_start"], name="notification_item_kind_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient_id} · {self.period}"


class Watch(models.Model):
    """A user's explicit choice to follow an item, or not to (an assignee watches by default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("user"),
    )
    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="watches", verbose_name=_("action item")
    )
    watching = models.BooleanField(_("watching"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        constraints = [
            models.UniqueConstraint(fields=["user", "action_item"], name="watch_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {'+' if self.watching else '-'} {self.action_item_id}"


def calendar_token_new() -> str:
    return secrets.token_urlsafe(32)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")


class NotificationPreference(models.Model):
    """What a user receives. No row means the defaults: everything on, digest on Monday."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    due_soon = models.BooleanField(_("due-soon reminders"), default=True)
    overdue = models.BooleanField(_("overdue reminders"), default=True)
    stale = models.BooleanField(_("reminders when nothing was recorded for a while"), default=True)
    digest = models.BooleanField(_("weekly digest"), default=True)
    status_changed = models.BooleanField(_("status changes of items I watch"), default=True)
    quarterly_report = models.BooleanField(_("quarterly reports"), default=True)
    # Field names are the kinds' values: ``receives`` reads them by kind.
    submitted = models.BooleanField(_("items submitted for verification"), default=True)
    ext_requested = models.BooleanField(_("extension requests to decide"), default=True)
    verify_waiting = models.BooleanField(
        _("reminders of submissions waiting for verification"), default=True
    )
    ext_waiting = models.BooleanField(
        _("reminders of extension requests waiting for a decision"), default=True
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("digest day"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    calendar_token = models.CharField(
        _("calendar key"), max_length=64, unique=True, default=calendar_token_new
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    def receives(self, kind: str) -> bool:
        kind = preference_kind(kind)
        if kind not in OPTIONAL_KINDS:
            return True
        return bool(getattr(self, kind))
