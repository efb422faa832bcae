"""Query-string filters for the API lists (django-filter), documented in the OpenAPI schema.

Lists of values are comma-separated (``?status=in_progress,blocked&agency=RCMP,CBSA``). Filters
only narrow what the caller may read; none widens it.
"""

import datetime

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apis.filters import (
    ApiFilterSet,
    CharInFilter,
    ChoiceInFilter,
    IdFilter,
    StableOrderingFilter,
    UtcDateTimeFilter,
)
from recommendations.models import (
    ActionItem,
    Priority,
    ProgressUpdate,
    Recommendation,
    Status,
    ThemeSection,
    discrepancy_condition,
    overdue_condition,
    stale_condition,
)


class ActionItemFilter(ApiFilterSet):
    source = CharInFilter(
        field_name="recommendation__source__key",
        help_text=_("Source document keys, comma-separated (roundtable-2021)."),
    )
    agency = CharInFilter(
        field_name="owner_agency__acronym",
        help_text=_("Owner agency acronyms, comma-separated (RCMP,CBSA)."),
    )
    # The same filter under the name of the field each item carries: a script that writes
    # ?owner_agency=RCMP must not get every item back, as an unknown parameter is ignored.
    owner_agency = CharInFilter(
        field_name="owner_agency__acronym",
        help_text=_("Owner agency acronyms, comma-separated (RCMP,CBSA)."),
    )
    status = ChoiceInFilter(
        choices=Status.choices, help_text=_("Statuses, comma-separated (in_progress,blocked).")
    )
    theme = CharInFilter(
        field_name="recommendation__theme__key", help_text=_("Theme keys, comma-separated.")
    )
    recommendation = CharInFilter(
        field_name="recommendation__code",
        help_text=_("Recommendation codes, comma-separated."),
    )
    priority = ChoiceInFilter(
        field_name="recommendation__priority",
        choices=Priority.choices,
        help_text=_("Priorities of the recommendation, comma-separated."),
    )
    assignee = CharInFilter(
        field_name="assignee__username", help_text=_("Usernames of assignees, comma-separated.")
    )
    unassigned = filters.BooleanFilter(
        field_name="assignee",
        lookup_expr="isnull",
        help_text=_("Only items nobody is assigned to."),
    )
    due_after = filters.DateFilter(
        field_name="due_date", lookup_expr="gte", help_text=_("Due on or after this date.")
    )
    due_before = filters.DateFilter(
        field_name="due_date", lookup_expr="lte", help_text=_("Due on or before this date.")
    )
    updated_after = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("Changed at or after this moment (ISO 8601), to synchronise a copy."),
    )
    overdue = filters.BooleanFilter(
        method="filter_overdue", help_text=_("Open and past its due date (true), or not (false).")
    )
    stale = filters.BooleanFilter(
        method="filter_stale",
        help_text=_("Open with no progress update for the configured number of days."),
    )
    discrepancy = filters.BooleanFilter(
        method="filter_discrepancy",
        help_text=_(
            "The coordinators' latest assessment disagrees with the self-report, or is out of "
            "date (true), or not (false)."
        ),
    )
    ordering = StableOrderingFilter(
        fields=(
            ("due_date", "due_date"),
            ("updated_at", "updated_at"),
            ("percent_complete", "percent_complete"),
            ("status", "status"),
            ("recommendation__code", "recommendation"),
            ("owner_agency__acronym", "agency"),
            ("id", "id"),
        ),
        help_text=_("Sort by these fields, comma-separated; a leading minus sign reverses one."),
    )

    class Meta(ApiFilterSet.Meta):
        model = ActionItem
        fields: list[str] = []

    def _read_at(self) -> datetime.datetime | None:
        # The moment the view reads as (its cached answer is keyed on that moment's date), so that
        # the rows chosen and the flags shown agree, even across midnight; None: now.
        return getattr(self.request, "read_at", None)

    def filter_overdue(
        self, queryset: QuerySet[ActionItem], name: str, value: bool
    ) -> QuerySet[ActionItem]:
        read_at = self._read_at()
        overdue = overdue_condition(timezone.localdate(read_at) if read_at else None)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_stale(
        self, queryset: QuerySet[ActionItem], name: str, value: bool
    ) -> QuerySet[ActionItem]:
        stale = stale_condition(self._read_at())
        return queryset.filter(stale) if value else queryset.exclude(stale)

    def filter_discrepancy(
        self, queryset: QuerySet[ActionItem], name: str, value: bool
    ) -> QuerySet[ActionItem]:
        discrepancy = discrepancy_condition()
        return queryset.filter(discrepancy) if value else queryset.exclude(discrepancy)


class RecommendationFilter(ApiFilterSet):
    source = CharInFilter(
        field_name="source__key",
        help_text=_("Source document keys, comma-separated (roundtable-2021)."),
    )
    theme = CharInFilter(field_name="theme__key", help_text=_("Theme keys, comma-separated."))
    section = ChoiceInFilter(
        field_name="theme__section",
        choices=ThemeSection.choices,
        help_text=_("Sections of the source, comma-separated."),
    )
    priority = ChoiceInFilter(choices=Priority.choices, help_text=_("Priorities, comma-separated."))
    lead_agency = CharInFilter(
        field_name="lead_agency__acronym", help_text=_("Lead agency acronyms, comma-separated.")
    )
    agency = filters.CharFilter(
        method="filter_agency",
        help_text=_("An agency acronym: recommendations it leads or supports."),
    )
    target_after = filters.DateFilter(
        field_name="target_date", lookup_expr="gte", help_text=_("Target date on or after.")
    )
    target_before = filters.DateFilter(
        field_name="target_date", lookup_expr="lte", help_text=_("Target date on or before.")
    )
    ordering = StableOrderingFilter(
        fields=(
            ("code", "code"),
            ("priority", "priority"),
            ("target_date", "target_date"),
            ("progress", "progress"),
            ("updated_at", "updated_at"),
        ),
        help_text=_("Sort by these fields, comma-separated; a leading minus sign reverses one."),
    )

    class Meta(ApiFilterSet.Meta):
        model = Recommendation
        fields: list[str] = []

    def filter_agency(
        self, queryset: QuerySet[Recommendation], name: str, value: str
    ) -> QuerySet[Recommendation]:
        supported = Recommendation.supporting_agencies.through.objects.filter(
            agency__acronym=value
        ).values("recommendation_id")
        return queryset.filter(Q(lead_agency__acronym=value) | Q(pk__in=supported))


class ProgressUpdateFilter(ApiFilterSet):
    source = CharInFilter(
        field_name="action_item__recommendation__source__key",
        help_text=_("Source document keys of the items, comma-separated."),
    )
    action_item = IdFilter(field_name="action_item_id", help_text=_("An item id."))
    agency = CharInFilter(
        field_name="action_item__owner_agency__acronym",
        help_text=_("Owner agency acronyms of the items, comma-separated."),
    )
    author = CharInFilter(
        field_name="author__username", help_text=_("Usernames of authors, comma-separated.")
    )
    status_after = ChoiceInFilter(
        choices=Status.choices, help_text=_("Statuses after the update, comma-separated.")
    )
    recorded_after = UtcDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text=_("Recorded at or after this moment (ISO 8601)."),
    )
    recorded_before = UtcDateTimeFilter(
        field_name="created_at",
        lookup_expr="lt",
        help_text=_("Recorded before this moment (ISO 8601)."),
    )

    class Meta(ApiFilterSet.Meta):
        model = ProgressUpdate
        fields: list[str] = []
