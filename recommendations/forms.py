"""Forms of the web UI. They check the shape of the input; the rules live in the services.

Labels carry no suffix (French typography would want a space before a colon); Django 5.2 links
help texts and errors to their fields with ``aria-describedby`` and sets ``aria-invalid``.
"""

import datetime
import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency, User
from agencies.selectors import agency_members

from . import caching, policies
from .models import ActionItem, Recommendation, Status, Theme
from .selectors import OPEN, MyWorkFilters, Scope
from .services import NOTE_MAX_LENGTH


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO, whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SelectWidget(forms.Select):
    """Django's select, its options rendered by one loop instead of one template each: the HTML of
    ``django/forms/widgets/select.html`` character for character (tested against it). For the
    filter menus of My work, where 400 recommendations took ~20 ms per page through the templates.
    Its options may come ready-rendered (``rendered_options``, e.g. from the exact cache), and
    only the selection is then applied per request. Named so that ``BoundField.widget_type`` is
    still "select" (the field's CSS class)."""

    rendered_options: Callable[[], str | None] | None = None

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        options = self.rendered_options() if self.rendered_options else self.options_html()
        if options is None:  # option groups: Django's templates
            return super().render(name, value, attrs, renderer)
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            _attributes(self.build_attrs(self.attrs, attrs)),
            _with_selected(options, self.format_value(value)),
        )

    def options_html(self) -> str | None:
        """The options, none selected; None when there are option groups."""
        options = []
        for value, label in self.choices:
            if isinstance(label, (list, tuple)):
                return None
            text = "" if value is None else value
            options.append(format_html('\n  <option value="{}">{}</option>\n', text, label))
        return "".join(options)


def _with_selected(options: str, wanted: list[str]) -> SafeString:
    """``options`` with the first option whose value is wanted selected, as ``optgroups`` does
    (values and labels are escaped, so the search can only meet an option's start)."""
    found = []
    for value in wanted:
        start = f'\n  <option value="{escape(value)}"'
        at = options.find(start + ">")
        if at >= 0:
            found.append(at + len(start))
    if found:
        at = min(found)
        options = options[:at] + " selected" + options[at:]
    return mark_safe(options)  # noqa: S308 - every option went through format_html


def _attributes(attrs: Mapping[str, Any]) -> SafeString:
    """``django/forms/widgets/attrs.html``: ` name="value"`, ` name` for True, nothing for False."""
    return mark_safe(  # noqa: S308 - every name and value below went through escape()
        "".join(
            ""
            if value is False
            else f" {escape(name)}"
            if value is True
            else f' {escape(name)}="{escape(value)}"'
            for name, value in attrs.items()
        )
    )


class TrackerFormMixin:
    label_suffix = ""

    def mark_field_languages(self) -> None:
        """English and French versions of a text say so, for screen readers and spell-checkers."""
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        for name, field in fields.items():
            for language in ("en", "fr"):
                if name.endswith(f"_{language}"):
                    field.widget.attrs["lang"] = language

    def add_service_errors(self, error: Any) -> None:
        """Put a service's ValidationError on the fields it names, the rest above the form."""
        form: forms.BaseForm = self  # type: ignore[assignment]
        service_errors_add(form, error, renamed=getattr(self, "service_field_names", {}))


def service_errors_add(
    form: forms.BaseForm, error: ValidationError, *, renamed: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the fields of ``form`` it names (``renamed`` maps a
    service's name to the form's), the rest above the form. The web forms and the admin's."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        name = (renamed or {}).get(name, name)
        form.add_error(name if name in form.fields else None, messages)


# What recommendation_create and recommendation_update take, from the web form and the admin.
RECOMMENDATION_SERVICE_FIELDS = (
    "code",
    "theme",
    "title_en",
    "title_fr",
    "description_en",
    "description_fr",
    "source_passage",
    "priority",
    "lead_agency",
    "supporting_agencies",
    "target_date",
)


def updated_at_version(raw: str | None) -> datetime.datetime | None:
    """A recommendation form's hidden ``version`` (the ``updated_at`` it was read at), or None
    when it is missing or not a moment (then the service does not compare versions)."""
    try:
        return datetime.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class AgencyChoiceField(forms.ModelChoiceField[Agency]):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.local_acronym} \N{EN DASH} {obj.name}"


class AgencyMultipleChoiceField(forms.ModelMultipleChoiceField[Agency]):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.local_acronym} \N{EN DASH} {obj.name}"

    def _check_values(self, value: Any) -> Any:
        # An id no row can have (SQLite overflows on 2**63 and more, a 500) is refused as any
        # unknown choice is, before it reaches the database.
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


class ThemeChoiceField(forms.ModelChoiceField[Theme]):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.title


class RecommendationChoiceField(forms.ModelChoiceField[Recommendation]):
    def label_from_instance(self, obj: Recommendation) -> str:
        return f"{obj.code} {obj.title}"


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


# My work ---------------------------------------------------------------------------------------

SCOPE_CHOICES = [
    (Scope.MINE, _("Assigned to me or my agency")),
    (Scope.ASSIGNED, _("Assigned to me")),
    (Scope.AGENCY, _("Owned by my agency")),
    (Scope.ALL, _("All agencies")),
]
DUE_CHOICES = [
    ("", _("Any time")),
    ("7", _("Due in the next 7 days")),
    ("30", _("Due in the next 30 days")),
    ("90", _("Due in the next 90 days")),
]
SORT_CHOICES = [
    ("due", _("Due date, soonest first")),
    ("-due", _("Due date, latest first")),
    ("status", _("Status, blocked first")),
    ("updated", _("Recently updated")),
    ("progress", _("Least progress first")),
    ("-progress", _("Most progress first")),
    ("reference", _("Reference")),
]


class MyWorkFilterForm(TrackerFormMixin, forms.Form):
    """The GET form of My work. Every field is optional; an invalid value falls back to its default."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words of the title, a recommendation code, or a reference such as RT21-07.1."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    scope = forms.ChoiceField(
        label=_("Show"), choices=SCOPE_CHOICES, required=False, widget=SelectWidget
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=SelectWidget,
        choices=[
            ("", _("Any status")),
            (OPEN, _("Open (not completed or cancelled)")),
            *Status.choices,
        ],
    )
    theme = ThemeChoiceField(
        label=_("Theme"),
        required=False,
        empty_label=_("All themes"),
        widget=SelectWidget,
        queryset=Theme.objects.order_by("source_id", "position"),
    )
    recommendation = RecommendationChoiceField(
        label=_("Recommendation"),
        required=False,
        empty_label=_("All recommendations"),
        widget=SelectWidget,
        queryset=Recommendation.objects.only("id", "code", "title_en", "title_fr").order_by("code"),
    )
    due = forms.ChoiceField(
        label=_("Due"), choices=DUE_CHOICES, required=False, widget=SelectWidget
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    stale = forms.BooleanField(
        label=_("Stale only"),
        required=False,
        help_text=_("Open items with no update for a long time."),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, widget=SelectWidget
    )

    # The menus read from the database, rendered once per data version, language and release
    # into one entry of the exact cache (a write to a theme or a recommendation moves the
    # version) instead of read and rendered on every page: 400 recommendations.
    cached_menus = ("theme", "recommendation")

    def __init__(self, *args: Any, default_scope: str = Scope.MINE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_scope = default_scope
        menus = functools.cache(self._menus)
        for name in self.cached_menus:
            self._menu_widget(name).rendered_options = functools.partial(
                lambda name: menus()[name], name
            )
        self.fields["scope"].initial = default_scope
        self.fields["status"].initial = OPEN
        # My work shows open items unless the person asks for another status ("" is "any"),
        # and the status menu must show what is applied.
        if self.is_bound and "status" not in self.data:
            self.data = (
                {**self.data.dict(), "status": OPEN}
                if isinstance(self.data, QueryDict)
                else {**self.data, "status": OPEN}
            )

    def _menu_widget(self, name: str) -> SelectWidget:
        return cast(SelectWidget, self.fields[name].widget)  # as declared above

    def _menus(self) -> dict[str, str | None]:
        def render(now: datetime.datetime) -> dict[str, str | None]:
            return {name: self._menu_widget(name).options_html() for name in self.cached_menus}

        return caching.versioned("my-work-menus", (caching.release_fingerprint(),), render)

    def filters(self) -> MyWorkFilters:
        """The filters to apply: the valid values entered, defaults for the rest."""
        if not self.is_bound:
            return MyWorkFilters(scope=self.default_scope, status=OPEN)
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        theme = data.get("theme")
        recommendation = data.get("recommendation")
        due = data.get("due")
        return MyWorkFilters(
            scope=data.get("scope") or self.default_scope,
            status=data.get("status") or "",
            theme_id=theme.pk if theme else None,
            recommendation_id=recommendation.pk if recommendation else None,
            due_within_days=int(due) if due else None,
            overdue=bool(data.get("overdue")),
            stale=bool(data.get("stale")),
            search=data.get("q") or "",
            sort=data.get("sort") or "due",
        )

    def is_filtered(self) -> bool:
        """Whether anything beyond scope and sort narrows the list (to word the empty state)."""
        filters = self.filters()
        return any(
            (
                filters.status != OPEN,
                filters.theme_id,
                filters.recommendation_id,
                filters.due_within_days,
                filters.overdue,
                filters.stale,
                filters.search,
            )
        )


# Action item workflow --------------------------------------------------------------------------


class VersionedForm(TrackerFormMixin, forms.Form):
    """A form about one item, carrying the version the person saw when they opened it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # A one-time token per rendering of the form: sent twice (Back, then submit again), the
    # service refuses the second (services.DuplicateSubmission). Absent for scripted posts.
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, item: ActionItem, user: object = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", item.version)
        kwargs["initial"].setdefault("submission", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.item = item
        self.user = user

    def submission_token(self) -> uuid.UUID | None:
        token: uuid.UUID | None = self.cleaned_data.get("submission")
        return token


def _note_field(*, required: bool, label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        help_text=help_text,
        # Not restored by the browser on Back: a page fetched again after a save must not offer
        # the sent note for sending again (its fresh one-time token would let it through).
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )


def _confirm_past_due_date_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Confirm a due date in the past"),
        required=False,
        help_text=_("Coordinators only. The item will be overdue at once."),
    )


class PastDueDateConfirmationMixin:
    """Adds the coordinator's "past due date" checkbox when ``may_confirm_past_due_date``; the
    service refuses a past date without it (services.past_due_date_problem)."""

    def add_past_due_date_confirmation(self, may_confirm: bool) -> None:
        if may_confirm:
            fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
            fields["confirm_past_due_date"] = _confirm_past_due_date_field()

    def confirm_past_due_date(self) -> bool:
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        return bool(data.get("confirm_past_due_date"))


class ProgressForm(VersionedForm):
    """Status, percent and a note: for the owner agency's members and coordinators."""

    prefix = "progress"

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    percent_complete = forms.IntegerField(
        label=_("Percent complete"),
        min_value=0,
        max_value=100,
        help_text=_(
            "A whole number from 0 to 100. When the work is done, submit the item for verification."
        ),
        error_messages={
            name: _("Enter a whole number from 0 to 100.")
            for name in ("invalid", "min_value", "max_value", "required")
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = _note_field(
        required=False,
        label=_("Note"),
        help_text=_("What happened, what is next, or what is in the way."),
    )

    def __init__(self, *args: Any, item: ActionItem, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"status": item.status, "percent_complete": item.percent_complete}
        )
        super().__init__(*args, item=item, **kwargs)
        if self.user is not None:
            # Only the statuses this person may move the item to (policies.STATUS_TRANSITIONS).
            labels = dict(Status.choices)
            status_field = self.fields["status"]
            assert isinstance(status_field, forms.ChoiceField)
            status_field.choices = [
                (value, labels[value]) for value in policies.status_choices_for(self.user, item)
            ]


class NoteForm(VersionedForm):
    """A note only: for supporting agencies, who follow an item without owning it."""

    prefix = "note"

    note = _note_field(
        required=True,
        label=_("Note"),
        help_text=_("Your note is added to the timeline; it does not change the item."),
    )


class AssignForm(PastDueDateConfirmationMixin, VersionedForm):
    """Assignee and due date: for the owner agency's managers and coordinators."""

    prefix = "assign"

    assignee = UserChoiceField(
        label=_("Assigned to"),
        required=False,
        empty_label=pgettext_lazy("assignee", "Nobody"),
        queryset=User.objects.none(),
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    reason = _note_field(
        required=False,
        label=_("Reason"),
        help_text=_("Required when you change the due date. It is recorded on the timeline."),
    )

    def __init__(
        self,
        *args: Any,
        item: ActionItem,
        may_confirm_past_due_date: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"assignee": item.assignee_id, "due_date": item.due_date})
        super().__init__(*args, item=item, **kwargs)
        self.add_past_due_date_confirmation(may_confirm_past_due_date)
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ModelChoiceField)
        assignee_field.queryset = agency_members(agency=item.owner_agency)
        if self.user is not None and not policies.can_change_due_date(self.user, item):
            # Managers ask for an extension instead (see the extension request form).
            del self.fields["due_date"]
            del self.fields["reason"]

    # The service's names for this form's fields: it requires a reason (``note``) for a re-date.
    service_field_names = {"note": "reason"}


# Coordinators: definitions ---------------------------------------------------------------------


class RecommendationForm(TrackerFormMixin, forms.ModelForm[Recommendation]):
    """Create or edit a recommendation. ``version`` is the ``updated_at`` the coordinator saw."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    theme = ThemeChoiceField(
        label=_("Theme"),
        empty_label=_("Choose a theme"),
        queryset=Theme.objects.select_related("source").order_by("position"),
    )
    lead_agency = AgencyChoiceField(
        label=_("Lead agency"), empty_label=_("Choose an agency"), queryset=Agency.objects.all()
    )
    supporting_agencies = AgencyMultipleChoiceField(
        label=_("Supporting agencies"),
        required=False,
        queryset=Agency.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their staff may add notes to this recommendation's action items."),
    )

    class Meta:
        model = Recommendation
        fields = [
            "code",
            "theme",
            "priority",
            "title_en",
            "title_fr",
            "description_en",
            "description_fr",
            "source_passage",
            "lead_agency",
            "supporting_agencies",
            "target_date",
        ]
        widgets = {
            "target_date": DateInput(),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "source_passage": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "code": _("A short unique reference, such as GAP-3."),
            "source_passage": _("Paste the passage of the source, word for word."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mark_field_languages()
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.updated_at.isoformat()

    def _post_clean(self) -> None:
        # The service validates the model (uniqueness, the quoted passage) and reports per field.
        pass

    def expected_updated_at(self) -> datetime.datetime | None:
        return updated_at_version(self.cleaned_data.get("version"))


class ActionItemForm(TrackerFormMixin, forms.ModelForm[ActionItem]):
    """Create an action item, or edit what it is (the workflow fields have their own forms)."""

    owner_agency = AgencyChoiceField(
        label=_("Owner agency"), empty_label=_("Choose an agency"), queryset=Agency.objects.all()
    )

    class Meta:
        model = ActionItem
        fields = ["title_en", "title_fr", "description_en", "description_fr", "owner_agency"]
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "description_fr": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mark_field_languages()

    def _post_clean(self) -> None:
        # Validated by the services, which report per field.
        pass


class ActionItemCreateForm(PastDueDateConfirmationMixin, ActionItemForm):
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())

    def __init__(self, *args: Any, may_confirm_past_due_date: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_past_due_date_confirmation(may_confirm_past_due_date)


class ActionItemEditForm(ActionItemForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version


class PublicationForm(TrackerFormMixin, forms.Form):
    """Publish or unpublish on the public progress page; the service requires the reason to
    unpublish."""

    published = forms.TypedChoiceField(
        choices=[("1", _("Publish")), ("0", _("Unpublish"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept on the publication timeline; required to unpublish."),
    )
