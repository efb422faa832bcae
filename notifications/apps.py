from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from recommendations.accountability.signals import accountability_event
        from recommendations.hooks import item_panel_register
        from recommendations.signals import action_item_changed, action_items_changed

        from .receivers import (
            on_accountability_event,
            on_action_item_changed,
            on_action_items_changed,
        )
        from .views import item_watch_panel

        action_item_changed.connect(
            on_action_item_changed, dispatch_uid="notifications.on_action_item_changed"
        )
        action_items_changed.connect(
            on_action_items_changed, dispatch_uid="notifications.on_action_items_changed"
        )
        accountability_event.connect(
            on_accountability_event, dispatch_uid="notifications.on_accountability_event"
        )
        item_panel_register(item_watch_panel)
