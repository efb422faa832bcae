from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "transparency"
    verbose_name = _("Public progress page")

    def ready(self) -> None:
        from recommendations.signals import (
            action_item_changed,
            action_items_changed,
            recommendation_changed,
        )

        from .receivers import (
            on_action_item_changed,
            on_action_items_changed,
            on_recommendation_changed,
        )

        action_item_changed.connect(
            on_action_item_changed, dispatch_uid="transparency.on_action_item_changed"
        )
        action_items_changed.connect(
            on_action_items_changed, dispatch_uid="transparency.on_action_items_changed"
        )
        recommendation_changed.connect(
            on_recommendation_changed, dispatch_uid="transparency.on_recommendation_changed"
        )
