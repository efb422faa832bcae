from django.contrib import admin

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
    """The recommendation's items, to read and open. Editing them here would re-assign and
    re-date without a progress update, and adding them would skip the item admin's save_model
    (original due date), so both happen on the item's own admin page."""

    model = ActionItem
    extra = 0
    fields = ("sequence", "title_en", "owner_agency", "assignee", "status", "due_date")
    readonly_fields = fields
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


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
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
    # Workflow fields change only through the tracker's services, which leave a progress update.
    readonly_fields = (
        "status",
        "percent_complete",
        "due_date",
        "assignee",
        "version",
        "last_progress_at",
        "completed_at",
        "original_due_date",
    )
    inlines = [ProgressUpdateInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # When adding an item the due date and owner must be entered.
        if obj is None:
            return ("status", "percent_complete", "version", "last_progress_at", "completed_at")
        # Moving an item to another agency must unassign it and is recorded: the coordinators'
        # edit page does both (services.action_item_update_definition); the admin would do neither.
        return (*self.readonly_fields, "owner_agency")

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        if not change:
            obj.original_due_date = obj.due_date
        super().save_model(request, obj, form, change)


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
