import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agencies.models import User

from . import policies, services
from . import sources as source_services
from .forms import RECOMMENDATION_SERVICE_FIELDS, service_errors_add, updated_at_version
from .models import ActionItem, ProgressUpdate, PublicationChange, Recommendation, Source, Theme

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups


def _admin_user(request: HttpRequest) -> User:
    """The signed-in administrator (the admin site lets no one else in)."""
    assert isinstance(request.user, User)
    return request.user


_Model = TypeVar("_Model", bound=Model)


class CoordinatorsEditAdmin(admin.ModelAdmin[_Model]):
    """Adding and changing need the admin's model permission and the tracker's policy
    (``policies.can_edit_recommendation``): the services these admins call refuse everyone but
    coordinators, so other administrators get the read-only view instead of a failed save."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and policies.can_edit_recommendation(
            request.user
        )

    def has_change_permission(self, request: HttpRequest, obj: _Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and policies.can_edit_recommendation(
            request.user
        )


@admin.register(Source)
class SourceAdmin(CoordinatorsEditAdmin[Source]):
    """Sources are written by ``sources.source_save``, as from the source page and the import."""

    list_display = ("key", "title_en", "publisher_en", "published_on")
    search_fields = ("title_en", "title_fr")
    # As on the source page (imports.forms): a link typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = (
        "key",
        "title_en",
        "title_fr",
        "publisher_en",
        "publisher_fr",
        "published_on",
        "url",
        "text",
    )

    def get_readonly_fields(
        self, request: HttpRequest, obj: Source | None = None
    ) -> tuple[str, ...]:
        return () if obj is None else ("key",)  # the service finds a source by its key

    def save_model(
        self, request: HttpRequest, obj: Source, form: forms.ModelForm[Source], change: bool
    ) -> None:
        data = form.cleaned_data
        source, _written = source_services.source_save(
            actor=_admin_user(request),
            key=obj.key,
            title_en=data["title_en"],
            title_fr=data["title_fr"],
            publisher_en=data["publisher_en"],
            publisher_fr=data["publisher_fr"],
            published_on=data.get("published_on"),
            url=data.get("url") or "",
            text=data.get("text") or "",
        )
        obj.pk = source.pk
        obj.refresh_from_db()


@admin.register(Theme)
class ThemeAdmin(CoordinatorsEditAdmin[Theme]):
    """Themes are written by ``sources.theme_save``; a theme stays under its source (its
    recommendations' source is the theme's)."""

    list_display = ("title_en", "section", "source", "position")
    list_filter = ("section", "source")
    search_fields = ("title_en", "title_fr")
    fields = ("source", "key", "section", "title_en", "title_fr", "position")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Theme | None = None
    ) -> tuple[str, ...]:
        return () if obj is None else ("source", "key")  # the service finds it by both

    def save_model(
        self, request: HttpRequest, obj: Theme, form: forms.ModelForm[Theme], change: bool
    ) -> None:
        data = form.cleaned_data
        theme, _written = source_services.theme_save(
            actor=_admin_user(request),
            source=obj.source,
            key=obj.key,
            section=data["section"],
            title_en=data["title_en"],
            title_fr=data["title_fr"],
            position=data["position"],
        )
        obj.pk = theme.pk
        obj.refresh_from_db()


class ActionItemInline(admin.TabularInline[ActionItem, Recommendation]):
    """The recommendation's items, to read and open; they change through the tracker's services."""

    model = ActionItem
    extra = 0
    fields = ("sequence", "title_en", "owner_agency", "assignee", "status", "due_date")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PublicationChangeInline(admin.TabularInline[PublicationChange, Recommendation]):
    """The publication timeline, to read; entries are written by the publish service."""

    model = PublicationChange
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "published", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecommendationAdminForm(forms.ModelForm[Recommendation]):
    """A recommendation's definition, checked by the service's own rules before the service
    writes it (``RecommendationAdmin.save_model``), with the version it was read at (its
    ``updated_at``, as on the web form) so an admin cannot overwrite a change made meanwhile."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Recommendation
        # What recommendation_create/recommendation_update own; the source follows the theme.
        fields = RECOMMENDATION_SERVICE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.updated_at.isoformat()

    def expected_updated_at(self) -> datetime.datetime | None:
        return updated_at_version(self.cleaned_data.get("version"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        expected = self.expected_updated_at()
        if self.instance.pk and expected is not None and expected != self.instance.updated_at:
            raise forms.ValidationError(str(services.RecommendationConflict(self.instance)))
        return data

    def _post_clean(self) -> None:
        # Not the model form's own validation: the candidate is built as the service builds it
        # (its source is its theme's) and checked by the service's rules, one message per field.
        opts = self._meta
        try:
            self.instance = forms.models.construct_instance(
                self, self.instance, opts.fields, opts.exclude
            )
        except ValidationError as error:
            service_errors_add(self, error)
            return
        theme = self.cleaned_data.get("theme")
        if theme is None or self.cleaned_data.get("lead_agency") is None:
            return  # a required field is missing: its own error says so
        self.instance.source_id = theme.source_id
        try:
            services.recommendation_validate(
                recommendation=self.instance,
                supporting_agencies=self.cleaned_data.get("supporting_agencies") or (),
            )
        except ValidationError as error:
            service_errors_add(self, error)


@admin.register(Recommendation)
class RecommendationAdmin(CoordinatorsEditAdmin[Recommendation]):
    """Recommendations are added and edited through ``recommendation_create`` /
    ``recommendation_update``, like the coordinators' pages and the workbook import: the same
    checks (reference pattern, agencies, the quoted passage, the source of the theme), the same
    version check, and the same trace (the data version and the public pages' cache). Only
    coordinators may change them (``policies.can_edit_recommendation``); publication changes
    only through its service, with the actions below."""

    form = RecommendationAdminForm
    list_display = ("code", "title_en", "theme", "priority", "lead_agency", "target_date")
    list_filter = ("priority", "theme__section", "theme", "lead_agency")
    search_fields = ("code", "title_en", "title_fr", "description_en", "description_fr")
    filter_horizontal = ("supporting_agencies",)
    # Not the service's to take from a form: the source is the theme's; publication has its own
    # service (policy, reason, timeline, public cache).
    readonly_fields = ("source", "published")
    inlines = [ActionItemInline, PublicationChangeInline]
    actions = ["publish", "unpublish"]

    def save_model(
        self,
        request: HttpRequest,
        obj: Recommendation,
        form: forms.ModelForm[Recommendation],
        change: bool,
    ) -> None:
        assert isinstance(form, RecommendationAdminForm)
        actor = _admin_user(request)
        values = {name: form.cleaned_data[name] for name in RECOMMENDATION_SERVICE_FIELDS}
        if not change:
            created = services.recommendation_create(actor=actor, **values)
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        current = Recommendation.objects.get(pk=obj.pk)
        try:
            services.recommendation_update(
                recommendation=current,
                actor=actor,
                expected_updated_at=form.expected_updated_at(),
                **values,
            )
        except services.RecommendationConflict as conflict:
            self.message_user(request, str(conflict), level=messages.ERROR)
        except ValidationError as error:  # a rule that a save in between broke
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
        obj.refresh_from_db()

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Recommendation],
        formsets: Any,
        change: bool,
    ) -> None:
        # The service set the supporting agencies (form.save_m2m would bypass it); the inlines
        # are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _set_published(
        self, request: HttpRequest, queryset: QuerySet[Recommendation], *, published: bool
    ) -> None:
        reason = "" if published else _("Unpublished from the administration site.")
        changed = 0
        for recommendation in queryset:
            try:
                if services.recommendation_set_published(
                    recommendation=recommendation,
                    actor=_admin_user(request),
                    published=published,
                    reason=reason,
                ):
                    changed += 1
            except (PermissionDenied, ValidationError) as error:
                self.message_user(
                    request, "; ".join(getattr(error, "messages", [str(error)])), messages.ERROR
                )
                return
        self.message_user(
            request,
            ngettext(
                "%(count)d recommendation changed.", "%(count)d recommendations changed.", changed
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Publish on the public progress page"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Recommendation]) -> None:
        self._set_published(request, queryset, published=True)

    @admin.action(description=gettext_lazy("Withdraw from the public progress page"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Recommendation]) -> None:
        self._set_published(request, queryset, published=False)


class ProgressUpdateInline(admin.TabularInline[ProgressUpdate, ActionItem]):
    model = ProgressUpdate
    extra = 0
    can_delete = False
    fields = ("created_at", "author", "status_before", "status_after", "percent_after", "note")
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Changes go through the tracker's pages and API, which record them on the timeline.
        return False


class ActionItemAdminForm(forms.ModelForm[ActionItem]):
    """The item's definition, with the version it was read at (so an admin cannot overwrite a
    change made meanwhile) and, when adding, the service's rules shown on their fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Shown only on the add form, to coordinators (ActionItemAdmin.get_fields).
    confirm_past_due_date = forms.BooleanField(
        label=gettext_lazy("Confirm a due date in the past"),
        required=False,
        help_text=gettext_lazy("Coordinators only. The item will be overdue at once."),
    )

    class Meta:
        model = ActionItem
        fields = (
            "recommendation",
            "sequence",
            "title_en",
            "title_fr",
            "description_en",
            "description_fr",
            "owner_agency",
            "assignee",
            "due_date",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk:
            version = data.get("version")
            if version is not None and version != self.instance.version:
                raise forms.ValidationError(
                    _("This item was changed by someone else since you opened it.")
                )
        elif data.get("owner_agency") and data.get("due_date"):
            try:
                services.validate_new_action_item(
                    owner_agency_id=data["owner_agency"].pk,
                    due_date=data["due_date"],
                    assignee=data.get("assignee"),
                    confirm_past_due_date=bool(data.get("confirm_past_due_date")),
                )
            except ValidationError as error:
                service_errors_add(self, error)
        return data


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin[ActionItem]):
    """Items are added and their definition edited through the tracker's services, like every
    other path: a timeline entry, a version bump (so API clients' ETags change), the assignee
    rule. Workflow fields (status, percent, due date, assignee) and the owner, which decides who
    may act, are read-only here: they change in the tracker's pages and API."""

    form = ActionItemAdminForm
    list_display = (
        "__str__",
        "owner_agency",
        "assignee",
        "status",
        "percent_complete",
        "due_date",
        "original_due_date",
    )
    list_filter = ("status", "owner_agency", "recommendation__theme", "recommendation__priority")
    search_fields = ("title_en", "title_fr", "recommendation__code", "assignee__username")
    list_select_related = ("recommendation", "owner_agency", "assignee")
    autocomplete_fields = ["owner_agency", "assignee", "recommendation"]
    date_hierarchy = "due_date"
    # Nothing the services do not set: derived and workflow fields.
    _always_read_only = (
        "status",
        "percent_complete",
        "last_progress_at",
        "completed_at",
        "original_due_date",
        "updated_at",
    )
    readonly_fields = (
        "recommendation",
        "sequence",
        "owner_agency",
        "due_date",
        "assignee",
        *_always_read_only,
    )
    inlines = [ProgressUpdateInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: ActionItem | None = None
    ) -> tuple[str, ...]:
        # When adding an item its recommendation, owner, due date (and assignee) are entered.
        return self._always_read_only if obj is None else self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: ActionItem | None = None) -> "_FieldGroups":
        fields = list(super().get_fields(request, obj))
        if obj is not None or not policies.can_confirm_past_due_date(request.user):
            fields.remove("confirm_past_due_date")
        return fields

    def save_model(
        self, request: HttpRequest, obj: ActionItem, form: forms.ModelForm[ActionItem], change: bool
    ) -> None:
        data = form.cleaned_data
        if not change:
            item = services.action_item_create(
                recommendation=data["recommendation"],
                actor=_admin_user(request),
                title_en=data["title_en"],
                title_fr=data["title_fr"],
                description_en=data.get("description_en", ""),
                description_fr=data.get("description_fr", ""),
                owner_agency_id=data["owner_agency"].pk,
                due_date=data["due_date"],
                assignee=data.get("assignee"),
                sequence=data.get("sequence"),
                confirm_past_due_date=bool(data.get("confirm_past_due_date")),
            )
            obj.pk = item.pk
            obj.refresh_from_db()
            return
        current = ActionItem.objects.select_related("owner_agency", "assignee").get(pk=obj.pk)
        version = data.get("version")
        try:
            services.action_item_update_definition(
                item=current,
                actor=_admin_user(request),
                expected_version=current.version if version is None else version,
                title_en=data["title_en"],
                title_fr=data["title_fr"],
                description_en=data.get("description_en", ""),
                description_fr=data.get("description_fr", ""),
                owner_agency=current.owner_agency,
            )
        except services.ActionItemConflict as conflict:
            self.message_user(request, str(conflict), level=messages.ERROR)
        except ValidationError as error:  # "Nothing to save": nothing changed, nothing written
            self.message_user(request, " ".join(error.messages), level=messages.INFO)
        obj.refresh_from_db()


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin[ProgressUpdate]):
    list_display = ("action_item", "author", "created_at", "status_before", "status_after")
    list_filter = ("status_after",)
    search_fields = ("note", "action_item__title_en", "author__username")
    list_select_related = ("action_item__recommendation", "author")
    raw_id_fields = ("action_item",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# The accountability records are registered read-only in their own module.
from .accountability import admin as accountability_admin  # noqa: E402, F401
