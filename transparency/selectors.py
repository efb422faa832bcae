"""What the public may read: published recommendations and their action items, nothing else.

Every function here starts from ``published_recommendations()`` or ``published_items()``, so an
unpublished recommendation cannot leak through one path and not another. None of them reads
notes, assignees, authors, evidence or assessments. Public figures count an item as done only
when its status is exactly ``completed`` (verified completion, where verification exists); every
other status counts as not done.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.models import Agency
from recommendations.models import (
    ActionItem,
    ProgressUpdate,
    Recommendation,
    Status,
    Theme,
    creation_condition,
)

# The Atom feed and a recommendation's page show at most this many status changes.
HISTORY_LIMIT = 100


def published_recommendations() -> QuerySet[Recommendation]:
    """Published recommendations with their counts: items not cancelled, and items completed."""
    return (
        Recommendation.objects.filter(published=True)
        .select_related("theme", "source", "lead_agency")
        .prefetch_related(
            Prefetch("supporting_agencies", queryset=Agency.objects.order_by("acronym"))
        )
        .annotate(
            public_item_count=Count(
                "action_items", filter=~Q(action_items__status=Status.CANCELLED)
            ),
            public_completed_count=Count(
                "action_items", filter=Q(action_items__status=Status.COMPLETED)
            ),
        )
        .order_by("theme__source_id", "theme__position", "code")
    )


def published_items() -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(recommendation__published=True)


def _status_changes() -> QuerySet[ProgressUpdate]:
    """Timeline entries that changed the status of a published item (dates and statuses only)."""
    return (
        ProgressUpdate.objects.filter(action_item__recommendation__published=True)
        .exclude(status_before=F("status_after"))
        .exclude(creation_condition())  # a creation sets a status; it changes none
    )


@dataclass
class PublicTheme:
    theme: Theme
    recommendations: list[Recommendation] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(r.public_item_count for r in self.recommendations)  # type: ignore[attr-defined]

    @property
    def completed_count(self) -> int:
        return sum(r.public_completed_count for r in self.recommendations)  # type: ignore[attr-defined]

    @property
    def progress(self) -> float | None:
        return 100.0 * self.completed_count / self.item_count if self.item_count else None


@dataclass(frozen=True)
class PublicOverview:
    themes: list[PublicTheme]
    modified: datetime.datetime | None

    @property
    def item_count(self) -> int:
        return sum(theme.item_count for theme in self.themes)

    @property
    def completed_count(self) -> int:
        return sum(theme.completed_count for theme in self.themes)

    @property
    def progress(self) -> float | None:
        return 100.0 * self.completed_count / self.item_count if self.item_count else None


def public_modified() -> datetime.datetime | None:
    """When anything public last changed: a published recommendation or one of its items."""
    recommendation = Recommendation.objects.filter(published=True).aggregate(at=Max("updated_at"))
    item = published_items().aggregate(at=Max("updated_at"))
    moments = [m for m in (recommendation["at"], item["at"]) if m is not None]
    return max(moments) if moments else None


def public_overview() -> PublicOverview:
    """Published recommendations grouped by theme, with progress. Four queries."""
    themes: dict[int, PublicTheme] = {}
    for recommendation in published_recommendations():
        themes.setdefault(recommendation.theme_id, PublicTheme(recommendation.theme))
        themes[recommendation.theme_id].recommendations.append(recommendation)
    return PublicOverview(themes=list(themes.values()), modified=public_modified())


@dataclass(frozen=True)
class PublicStatusChange:
    at: datetime.datetime
    update_id: int
    item_reference: str
    item_title: str
    recommendation_code: str
    status_before: str
    status_after: str

    def status_before_display(self) -> str:
        return _status_label(self.status_before)

    def status_after_display(self) -> str:
        return _status_label(self.status_after)


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:  # a status another version knows and this one does not
        return value


def public_status_changes(
    *, recommendation: Recommendation | None = None, limit: int = HISTORY_LIMIT
) -> list[PublicStatusChange]:
    """The latest status changes of published items, newest first. One query."""
    changes = _status_changes().select_related("action_item__recommendation")
    if recommendation is not None:
        changes = changes.filter(action_item__recommendation=recommendation)
    rows = changes.only(
        "id",
        "created_at",
        "status_before",
        "status_after",
        "action_item__sequence",
        "action_item__title_en",
        "action_item__title_fr",
        "action_item__recommendation__code",
    ).order_by("-created_at", "-id")[:limit]
    return [
        PublicStatusChange(
            at=update.created_at,
            update_id=update.pk,
            item_reference=update.action_item.reference,
            item_title=update.action_item.title,
            recommendation_code=update.action_item.recommendation.code,
            status_before=update.status_before,
            status_after=update.status_after,
        )
        for update in rows
    ]


@dataclass(frozen=True)
class PublicRecommendation:
    recommendation: Recommendation
    items: list[ActionItem]
    history: list[PublicStatusChange]
    modified: datetime.datetime


def public_recommendation(*, code: str) -> PublicRecommendation:
    """One published recommendation with its items and status history, or 404. Four queries."""
    recommendation = get_object_or_404(published_recommendations(), code=code)
    items = list(
        recommendation.action_items.select_related("owner_agency")
        .with_flags()
        .only(
            "id",
            "sequence",
            "title_en",
            "title_fr",
            "status",
            "percent_complete",
            "due_date",
            "last_progress_at",
            "updated_at",
            "recommendation_id",
            "owner_agency__acronym",
            "owner_agency__name_en",
            "owner_agency__name_fr",
        )
        .order_by("sequence")
    )
    for item in items:
        item.recommendation = recommendation  # for item.reference, without a query per item
    moments = [recommendation.updated_at, *(item.updated_at for item in items)]
    return PublicRecommendation(
        recommendation=recommendation,
        items=items,
        history=public_status_changes(recommendation=recommendation),
        modified=max(moments),
    )


def public_item_rows() -> QuerySet[ActionItem]:
    """Every action item of a published recommendation, for the open data. Two queries."""
    last_change = Subquery(
        ProgressUpdate.objects.filter(action_item=OuterRef("pk"))
        .exclude(status_before=F("status_after"))
        .exclude(creation_condition())
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        published_items()
        .select_related("owner_agency", "recommendation__theme", "recommendation__lead_agency")
        .prefetch_related(
            Prefetch(
                "recommendation__supporting_agencies", queryset=Agency.objects.order_by("acronym")
            )
        )
        .annotate(last_status_change=last_change)
        .order_by("recommendation__code", "sequence")
    )


def public_today() -> datetime.date:
    return timezone.localdate()
