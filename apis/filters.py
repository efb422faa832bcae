"""Query-string plumbing for every app's API lists (django-filter and DRF's search), strict:
a value that cannot be read is refused with 400 rather than ignored."""

import datetime
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_filters.fields import BaseCSVField, IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter
from rest_framework.request import Request


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

    # The stub pins NumberFilter.field_class to DecimalField; any forms.Field works at run time.
    field_class = forms.IntegerField  # type: ignore[assignment]

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


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter's backend, which a list request naming none of the filterset's parameters
    skips: with no value every filter leaves the queryset as it is, so building the filterset,
    its form and validating it (a fifth of an uncached action item list, profile) gave the same
    rows. Unknown parameters are refused before this (``query.StrictQueryParametersMixin``), so
    a misspelt filter is a 400, never taken for "no filter"."""

    def filter_queryset(
        self, request: HttpRequest, queryset: QuerySet[Any], view: Any
    ) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        # request.GET: the query parameters (a DRF request hands it on to Django's).
        if filterset_class is not None and not any(
            name in filterset_class.base_filters for name in request.GET
        ):
            return queryset
        result: QuerySet[Any] = super().filter_queryset(request, queryset, view)
        return result
