from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import services
from .models import ActionItem, ProgressUpdate, Recommendation, Source, Theme


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("key", "title_en", "publisher_en", "published_on")
    search_fields = ("title_en", "title_fr")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("title_en", "section", "source", "position")
    list_filter = ("section", "source")
    search_fields = ("title_en", "title_fr")


class ActionItemInline(admin.TabularInline):
    """The recommendation's items, to read and open; they change through the tracker's services."""

    model = ActionItem
    extra = 0
    fields = ("sequence", "title_en", "owner_agency", "assignee", "status", "due_date")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("code", "title_en", "theme", "priority", "lead_agency", "target_date")
    list_filter = ("priority", "theme__section", "theme", "lead_agency")
    search_fields = ("code", "title_en", "title_fr", "description_en", "description_fr")
    filter_horizontal = ("supporting_agencies",)
    inlines = [ActionItemInline]


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    can_delete = False
    fields = ("created_at", "author", "status_before", "status_after", "percent_after", "note")
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Changes go through the tracker's pages and API, which record them on the timeline.
        return False


class ActionItemAdminForm(forms.ModelForm):
    """The item's definition, with the version it was read at (so an admin cannot overwrite a
    change made meanwhile) and, when adding, the service's rules shown on their fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages)
        return data


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
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
class ProgressUpdateAdmin(admin.ModelAdmin):
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
