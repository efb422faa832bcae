from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from apis.versions import version_counter_register

        from . import receivers
        from .models import DataVersion

        version_counter_register("data", DataVersion)

        receivers.connect()
        from .accountability.views import item_accountability_panel
        from .hooks import item_panel_register

        item_panel_register(item_accountability_panel)
