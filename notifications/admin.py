from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import delivery
from .models import Notification, NotificationPreference, Watch


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = (
        "created_at",
        "recipient",
        "kind",
        "action_item",
        "period",
        "state",
        "attempts",
        "sent_at",
        "error_summary",
    )
    list_filter = ("state", "kind")
    search_fields = ("recipient__username", "recipient__email", "period", "last_error")
    list_select_related = ("recipient", "action_item__recommendation")
    date_hierarchy = "created_at"
    actions = ("retry_notifications",)
    readonly_fields = [field.name for field in Notification._meta.fields]
    raw_id_fields = ("recipient", "action_item")

    @admin.display(description=_("last error"))
    def error_summary(self, notification: Notification) -> str:
        return notification.last_error[:120]

    @admin.action(description=_("Retry the selected failed or pending notifications"))
    def retry_notifications(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = delivery.notifications_retry(notification_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d notification will be sent again.",
                "%(count)d notifications will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Rows change only through the services (retry action), never by hand.
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin[NotificationPreference]):
    list_display = (
        "user",
        "due_soon",
        "overdue",
        "stale",
        "digest",
        "status_changed",
        "digest_weekday",
    )
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
    exclude = ("calendar_token",)


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin[Watch]):
    """Who watches what, to read. Watching is each person's own choice, made on the item's page
    through ``preferences.watch_toggle`` (and its policy, ``can_watch``): an administrator cannot
    make someone watch an item, and so receive its emails, behind that rule."""

    list_display = ("user", "action_item", "watching", "updated_at")
    list_filter = ("watching",)
    search_fields = ("user__username",)
    raw_id_fields = ("user", "action_item")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
