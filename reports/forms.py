import datetime
from collections.abc import Iterator
from functools import cached_property
from typing import Any, cast

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from agencies.models import Agency
from recommendations import caching
from recommendations.forms import AgencyChoiceField, RecommendationChoiceField, SelectWidget
from recommendations.models import Priority, Recommendation, Source, Theme

from .selectors import CHANGE_PERIODS, ReportFilters

# The range of due dates a report may be filtered on.
REPORT_DATE_MIN = datetime.date(1900, 1, 1)
REPORT_DATE_MAX = datetime.date(2999, 12, 31)


class _CachedChoices(BaseChoiceIterator):
    """A drop-down's options, from its form's cached choices when they are first iterated (a
    ``BaseChoiceIterator``, which Django keeps lazy instead of reading it into a list)."""

    def __init__(self, form: "ReportFilterForm", name: str) -> None:
        self.form, self.name = form, name

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.form.cached_model_choices[self.name])


class ReportFilterForm(forms.Form):
    """The report's filters, read from the query string, so a report's address can be shared.

    Agencies are named by acronym and recommendations by code in the address, so a bookmark
    reads well and survives a reload of the data.
    """

    agency = AgencyChoiceField(
        label=_("Owner agency"),
        queryset=Agency.objects.order_by("acronym"),
        to_field_name="acronym",
        required=False,
        empty_label=_("All agencies"),
        widget=SelectWidget,
    )
    # Every source by default; a meeting's report is ?source=<key>.
    source = forms.ModelChoiceField(
        label=_("Source document"),
        queryset=Source.objects.order_by("-published_on", "key"),
        to_field_name="key",
        required=False,
        empty_label=_("All sources"),
        widget=SelectWidget,
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.order_by("source_id", "position"),
        required=False,
        empty_label=_("All themes"),
        widget=SelectWidget,
    )
    recommendation = RecommendationChoiceField(
        label=_("Recommendation"),
        queryset=Recommendation.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All recommendations"),
        widget=SelectWidget,
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("All priorities")), *Priority.choices],
        required=False,
        widget=SelectWidget,
    )
    date_from = forms.DateField(
        label=_("Due from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Items due on or after this date."),
    )
    date_to = forms.DateField(
        label=_("Due until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Items due on or before this date."),
    )

    # Not a filter of the items: how far back "What changed" looks (in the address, to share).
    changed = forms.TypedChoiceField(
        label=_("What changed in the last"),
        choices=[
            (str(days), ngettext_lazy("%(days)d day", "%(days)d days", "days") % {"days": days})
            for days in CHANGE_PERIODS
        ],
        coerce=int,
        required=False,
        widget=SelectWidget,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The drop-downs list every agency, source, theme and recommendation (about 450 rows at
        # the brief's scale): their options are read once per data version and language from
        # the exact cache instead of four queries and 450 model instances a page. Checking a
        # submitted value still asks the field's queryset.
        # Read when a drop-down is first drawn, so the exports and the API never read them.
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                field.widget.choices = _CachedChoices(self, name)

    @cached_property
    def cached_model_choices(self) -> dict[str, list[tuple[str, str]]]:
        return caching.versioned(
            "report-filter-choices", (caching.release_fingerprint(),), self._model_choices
        )

    def _model_choices(self, _now: datetime.datetime) -> dict[str, list[tuple[str, str]]]:
        return {
            name: [(str(value), str(label)) for value, label in cast(Any, field).choices]
            for name, field in self.fields.items()
            if isinstance(field, forms.ModelChoiceField)
        }

    def changes_days(self) -> int:
        """How many days "What changed" looks back over (a valid form)."""
        return int(self.cleaned_data.get("changed") or CHANGE_PERIODS[0])

    def _clean_bounded_date(self, name: str) -> datetime.date | None:
        # The report's monthly series counts months from these dates: year 1 or 9999 would step
        # out of the calendar (a 500). No item of this tracker is due outside these years.
        value = self.cleaned_data.get(name)
        if value is not None and not (REPORT_DATE_MIN <= value <= REPORT_DATE_MAX):
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": REPORT_DATE_MIN.isoformat(), "last": REPORT_DATE_MAX.isoformat()},
                code="out_of_range",
            )
        return value

    def clean_date_from(self) -> datetime.date | None:
        return self._clean_bounded_date("date_from")

    def clean_date_to(self) -> datetime.date | None:
        return self._clean_bounded_date("date_to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        return cleaned

    def report_filters(self) -> ReportFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return ReportFilters(
            agency=data.get("agency"),
            source=data.get("source"),
            theme=data.get("theme"),
            recommendation=data.get("recommendation"),
            priority=data.get("priority") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def applied_filters(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, in the person's language, for print and exports."""
        applied = []
        for name, bound in ((name, self[name]) for name in self.fields):
            value = self.cleaned_data.get(name)
            if name == "changed":
                continue
            if not value:
                continue
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                text = field.label_from_instance(value)
            elif isinstance(field, forms.ChoiceField):
                # The stubs type ``choices`` loosely; here it is a list of (value, label) pairs.
                text = str(dict(cast(Any, field.choices)).get(value, value))
            else:
                text = value.isoformat()
            applied.append((str(bound.label), text))
        return applied
