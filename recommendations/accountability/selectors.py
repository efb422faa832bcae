"""Reads of the accountability workflow: the queues and the item annotations."""

from django.db.models import OuterRef, QuerySet, Subquery

from ..models import ActionItem
from .models import ExtensionRequest, ExtensionStatus, Submission, SubmissionDecision


def with_accountability(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """Annotate the latest submission and the open extension request with correlated subqueries,
    so that a page of items costs one query whatever its size."""
    latest = Submission.objects.filter(action_item=OuterRef("pk")).order_by("-submitted_at", "-id")
    pending = ExtensionRequest.objects.filter(
        action_item=OuterRef("pk"), status=ExtensionStatus.PENDING
    )
    return items.annotate(
        verification_decision=Subquery(latest.values("decision")[:1]),
        verification_submitted_at=Subquery(latest.values("submitted_at")[:1]),
        verification_submitted_by=Subquery(latest.values("submitted_by__username")[:1]),
        verification_decided_at=Subquery(latest.values("decided_at")[:1]),
        verification_decided_by=Subquery(latest.values("decided_by__username")[:1]),
        open_extension_id=Subquery(pending.values("pk")[:1]),
        open_extension_proposed=Subquery(pending.values("proposed_due_date")[:1]),
    )


def verification_queue() -> QuerySet[Submission]:
    """Submissions waiting for a verifier, oldest first."""
    return (
        Submission.objects.filter(decision=SubmissionDecision.PENDING)
        .select_related(
            "action_item",
            "action_item__recommendation",
            "action_item__owner_agency",
            "submitted_by",
        )
        .order_by("submitted_at", "id")
    )


def extension_request_list() -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.select_related(
        "action_item",
        "action_item__recommendation",
        "action_item__owner_agency",
        "requested_by",
        "decided_by",
    ).order_by("requested_at", "id")


def submissions_of(item: ActionItem) -> QuerySet[Submission]:
    return (
        Submission.objects.filter(action_item=item)
        .select_related("submitted_by", "decided_by")
        .prefetch_related("evidence")
        .order_by("-submitted_at", "-id")
    )
