"""DRF permission classes. Each asks ``recommendations.policies``; none holds a rule of its own."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from agencies.permissions import IsTrackerMember
from recommendations import policies
from recommendations.models import ActionItem

__all__ = ["ActionItemPermission", "IsTrackerMember", "ProgressUpdatePermission"]


class ActionItemPermission(BasePermission):
    """Reads: any member. Create: coordinators. Change (PATCH): whoever may change any of the
    item's workflow fields; which fields they may change is checked against the request body
    by the view, with ``policies.action_item_writable_fields``."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "action", None) != "create":
            return True
        if policies.can_edit_item_definition(request.user):
            return True
        policies.require_add_action_item(request.user, None)  # raises, with the policy's message
        return False

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        assert isinstance(obj, ActionItem)
        if policies.can_record_progress(request.user, obj):
            return True
        policies.require_record_progress(request.user, obj)
        return False


class ProgressUpdatePermission(BasePermission):
    """Reading a timeline: any member. Adding to it: the agencies working on the recommendation
    (a note), the owner agency and coordinators (status and percent, checked by the view)."""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        assert isinstance(obj, ActionItem)
        if policies.can_add_note(request.user, obj):
            return True
        policies.require_add_note(request.user, obj)
        return False
