from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import services
from .models import ActionItem, ProgressUpdate, PublicationChange, Recommendation, Source, Theme


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


class PublicationChangeInline(admin.TabularInline):
    """The publication timeline, to read; entries are written by the publish service."""

    model = PublicationChange
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "published", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
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
    # Workflow fields, and the owner (which decides who may act), change only through the
    # tracker's services and pages, which check the rules and leave a progress update.
    readonly_fields = (
        "owner_agency",
        "status",
        "percent_complete",
        "due_date",
        "assignee",
        "version",
        "last_progress_at",
        "completed_at",
        "original_due_date",
        "updated_at",
    )
    inlines = [ProgressUpdateInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # When adding an item the due date and owner must be entered.
        if obj is None:
            return (
                "status",
                "percent_complete",
                "version",
                "last_progress_at",
                "completed_at",
                "updated_at",
            )
        return self.readonly_fields

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
