"""The records of accountability: submissions for verification with their evidence, due-date
extension requests, and coordinators' assessments. Each is part of an item's record: written once
by ``recommendations.accountability.services`` and never edited afterwards (a decision fills in
the decision fields once, with a conditional UPDATE)."""

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubmissionDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class Submission(models.Model):
    """An item submitted as done: a closing note and evidence, then a verifier's decision."""

    Decision = SubmissionDecision

    action_item = models.ForeignKey(
        "recommendations.ActionItem",
        on_delete=models.CASCADE,
        related_name="submissions",
        verbose_name=_("action item"),
    )
    # Null for items completed before verification existed (marked verified by the system).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    note = models.TextField(_("closing note"), max_length=4000)
    links = models.JSONField(_("links"), default=list, blank=True)
    # What the item was before it was submitted, so that a return puts it back as it was.
    percent_before = models.PositiveSmallIntegerField(_("percent before"), default=0)
    decision = models.CharField(
        _("decision"),
        max_length=16,
        choices=SubmissionDecision.choices,
        default=SubmissionDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verification_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True, max_length=4000)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("submission for verification")
        verbose_name_plural = _("submissions for verification")
        constraints = [
            # One submission waiting per item: two submissions at once cannot both be pending.
            models.UniqueConstraint(
                fields=["action_item"],
                condition=Q(decision="pending"),
                name="submission_one_pending_per_item",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=[c.value for c in SubmissionDecision]),
                name="submission_decision_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["decision", "submitted_at"], name="submission_queue_idx"),
            models.Index(fields=["action_item", "-submitted_at"], name="submission_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action_item_id} {self.decision}"

    @property
    def is_pending(self) -> bool:
        return self.decision == SubmissionDecision.PENDING


def evidence_storage() -> Storage:
    return storages["evidence"]


def evidence_file_name(instance: "Evidence", filename: str) -> str:
    """A generated name: the uploader's file name is kept for display only, never as a path."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    today = timezone.localdate()
    return f"{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A file attached to a submission. Immutable: only a coordinator's withdrawal (with a reason)
    is ever recorded on it, and the file is then removed from storage."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("submission")
    )
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=evidence_file_name, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=255)
    # Detected from the content, not the name.
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, max_length=4000)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Evidence is part of the record; withdraw it through the service.")
        super().save(*args, **kwargs)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ExtensionRequest(models.Model):
    Status = ExtensionStatus

    action_item = models.ForeignKey(
        "recommendations.ActionItem",
        on_delete=models.CASCADE,
        related_name="extension_requests",
        verbose_name=_("action item"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="extension_requests",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    current_due_date = models.DateField(_("due date when requested"))
    proposed_due_date = models.DateField(_("proposed due date"))
    reason = models.TextField(_("reason"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="extension_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, max_length=4000)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["action_item"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_item",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ExtensionStatus]),
                name="extension_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(proposed_due_date__gt=models.F("current_due_date")),
                name="extension_proposed_after_current",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="extension_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action_item_id} → {self.proposed_due_date} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == ExtensionStatus.PENDING

    @property
    def days_requested(self) -> int:
        return (self.proposed_due_date - self.current_due_date).days


class AssessmentRating(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Insufficient information")


class Assessment(models.Model):
    """A coordinator's independent view of an item, beside the agency's self-report."""

    Rating = AssessmentRating

    action_item = models.ForeignKey(
        "recommendations.ActionItem",
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("action item"),
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="assessments",
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed"), default=timezone.now)
    rating = models.CharField(_("rating"), max_length=32, choices=AssessmentRating.choices)
    rationale = models.TextField(_("rationale"), max_length=4000)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=[c.value for c in AssessmentRating]),
                name="assessment_rating_valid",
            ),
        ]
        indexes = [models.Index(fields=["action_item", "-assessed_at"], name="assessment_item_idx")]

    def __str__(self) -> str:
        return f"{self.action_item_id} {self.rating}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Assessments are immutable; record a new one instead.")
        super().save(*args, **kwargs)
