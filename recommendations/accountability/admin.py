"""Read-only admin pages for the accountability records: every change goes through the services
(the web pages and the API), so that policies, the timeline and versions always apply."""

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import Assessment, Evidence, ExtensionRequest, Submission

M = TypeVar("M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EvidenceInline(admin.TabularInline[Evidence, Submission]):
    model = Evidence
    fields = ("original_name", "content_type", "size", "uploaded_at", "withdrawn_at")
    readonly_fields = ("original_name", "content_type", "size", "uploaded_at", "withdrawn_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin[Submission]):
    list_display = ["action_item", "submitted_by", "submitted_at", "decision", "decided_by"]
    list_filter = ["decision"]
    list_select_related = ["action_item__recommendation", "submitted_by", "decided_by"]
    inlines = [EvidenceInline]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin[ExtensionRequest]):
    list_display = ["action_item", "requested_by", "proposed_due_date", "status", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["action_item__recommendation", "requested_by", "decided_by"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin[Assessment]):
    list_display = ["action_item", "rating", "assessed_by", "assessed_at"]
    list_filter = ["rating"]
    list_select_related = ["action_item__recommendation", "assessed_by"]
