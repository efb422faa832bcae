from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import policies, services
from .models import ActionItem, ProgressUpdate, PublicationChange, Recommendation, Source, Theme


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = ("key", "title_en", "publisher_en", "published_on")
    search_fields = ("title_en", "title_fr")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin[Theme]):
    list_display = ("title_en", "section", "source", "position")
    list_filter = ("section", "source")
    search_fields = ("title_en", "title_fr")


class ActionItemInline(admin.TabularInline[ActionItem, Recommendation]):
    """The recommendation's items, to read and open; they change through the tracker's services."""

    model = ActionItem
    extra = 0
    fields = ("sequence", "title_en", "owner_agency", "assignee", "status", "due_date")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class PublicationChangeInline(admin.TabularInline[PublicationChange, Recommendation]):
    """The publication timeline, to read; entries are written by the publish service."""

    model = PublicationChange
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "published", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin[Recommendation]):
    list_display = ("code", "title_en", "theme", "priority", "lead_agency", "target_date")
    list_filter = ("priority", "theme__section", "theme", "lead_agency")
    search_fields = ("code", "title_en", "title_fr", "description_en", "description_fr")
    filter_horizontal = ("supporting_agencies",)
    # Publication changes only through the service (policy, reason, timeline, public cache).
    readonly_fields = ("published",)
    inlines = [ActionItemInline, PublicationChangeInline]
    actions = ["publish", "unpublish"]

    def _set_published(
        self, request: HttpRequest, queryset: QuerySet[Recommendation], *, published: bool
    ) -> None:
        reason = "" if published else _("Unpublished from the administration site.")
        changed = 0
        for recommendation in queryset:
            try:
                if services.recommendation_set_published(
                    recommendation=recommendation,
                    actor=request.user,  # type: ignore[arg-type]
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

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
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
                for name, messages in error.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages)
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

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # When adding an item its recommendation, owner, due date (and assignee) are entered.
        return self._always_read_only if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        fields = list(super().get_fields(request, obj))
        if obj is not None or not policies.can_confirm_past_due_date(request.user):
            fields.remove("confirm_past_due_date")
        return fields

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        data = form.cleaned_data
        if not change:
            item = services.action_item_create(
                recommendation=data["recommendation"],
                actor=request.user,
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
                actor=request.user,
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

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


# The accountability records are registered read-only in their own module.
from .accountability import admin as accountability_admin  # noqa: E402, F401
