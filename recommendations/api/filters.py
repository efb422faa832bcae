"""Query-string filters for the API lists (django-filter), documented in the OpenAPI schema.

Lists of values are comma-separated (``?status=in_progress,blocked&agency=RCMP,CBSA``). Filters
only narrow what the caller may read; none widens it.
"""

import datetime
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import BaseCSVField, IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter
from rest_framework.request import Request

from recommendations.models import (
    ActionItem,
    Priority,
    ProgressUpdate,
    Recommendation,
    Status,
    ThemeSection,
    overdue_condition,
    stale_condition,
)


class StrictQueryForm(forms.Form):
    """A query string is read strictly: a parameter given empty (``?due_before=``) or a boolean
    that is neither true nor false (``?overdue=maybe``) is refused with 400 rather than silently
    ignored, so that a caller never takes an unfiltered list for a filtered one."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, field in self.fields.items():
            if name not in self.data:
                continue
            raw = self.data.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                self.add_error(name, _("Give a value, or leave this parameter out."))
            elif isinstance(field, BaseCSVField) and any(
                not part.strip() for part in raw.split(",")
            ):
                self.add_error(name, _("A list of values may not hold an empty one."))
            elif isinstance(field, forms.NullBooleanField) and str(raw).lower() not in {
                "true",
                "false",
            }:
                self.add_error(name, _("Enter true or false."))
        return cleaned


class ApiFilterSet(filters.FilterSet):
    class Meta:
        form = StrictQueryForm


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, read in UTC. PostgreSQL refuses offsets beyond 15:59 (Python accepts
    up to 23:59), and a moment at the edge of year 1 or 9999 may not exist in UTC: both are
    refused here with a message instead of failing in the database."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError as error:
            raise forms.ValidationError(
                _("Enter a moment between the years 1 and 9999."), code="invalid"
            ) from error


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(filters.NumberFilter):
    """An id: a whole number that a database id can be (django-filter's NumberFilter takes any
    decimal, even 1e+300, which no database can compare with an id)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    pass


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    pass


class StableOrderingFilter(filters.OrderingFilter):
    """Ordering by the caller's choice, then by id, so pages never repeat or skip a row."""

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


class ApiSearchFilter(SearchFilter):
    """DRF's ``?search=``, whose refusals (a NUL character, which no database column holds) are
    reported under the parameter's name, like every other 400 of the API."""

    def get_search_terms(self, request: Request) -> list[str]:
        try:
            return super().get_search_terms(request)
        except ValidationError as error:
            raise ValidationError({self.search_param: error.detail}) from error


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

    def filter_overdue(self, queryset: QuerySet[ActionItem], name: str, value: bool) -> QuerySet:
        overdue = overdue_condition()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_stale(self, queryset: QuerySet[ActionItem], name: str, value: bool) -> QuerySet:
        stale = stale_condition()
        return queryset.filter(stale) if value else queryset.exclude(stale)


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

    def filter_agency(self, queryset: QuerySet[Recommendation], name: str, value: str) -> QuerySet:
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
