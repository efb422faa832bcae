"""Reads of recommendations and action items, shaped for the pages and the API."""

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from .models import CLOSED_STATUSES, ActionItem, ProgressUpdate, Recommendation, Status, Theme


def recommendation_list_with_progress() -> QuerySet[Recommendation]:
    """Recommendations with their progress derived from their action items, in one query.

    Progress is the mean percent complete of the items that are not cancelled; ``item_count``,
    ``completed_count`` and ``open_count`` come from the same GROUP BY.
    """
    active = ~Q(action_items__status=Status.CANCELLED)
    return (
        Recommendation.objects.select_related("theme", "lead_agency")
        .annotate(
            progress=Coalesce(Avg("action_items__percent_complete", filter=active), 0.0),
            item_count=Count("action_items", filter=active),
            completed_count=Count("action_items", filter=Q(action_items__status=Status.COMPLETED)),
            open_count=Count("action_items", filter=~Q(action_items__status__in=CLOSED_STATUSES)),
        )
        .order_by("theme__position", "code")
    )


def themes_with_recommendations() -> list[Theme]:
    """Themes in source order, each with ``recommendations_with_progress`` (two queries)."""
    return list(
        Theme.objects.select_related("source")
        .prefetch_related(
            Prefetch(
                "recommendations",
                queryset=recommendation_list_with_progress(),
                to_attr="recommendations_with_progress",
            )
        )
        .order_by("source_id", "position")
    )


def action_item_queryset() -> QuerySet[ActionItem]:
    """Action items with everything a list or detail shows, and the derived flags."""
    return ActionItem.objects.select_related(
        "recommendation", "recommendation__theme", "owner_agency", "assignee"
    ).with_flags()


def progress_update_queryset() -> QuerySet[ProgressUpdate]:
    """Progress updates, newest first, with the people they name loaded in the same query."""
    return ProgressUpdate.objects.select_related(
        "author", "assignee_before", "assignee_after"
    ).order_by("-created_at", "-id")
