from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarterlyConfig(AppConfig):
    name = "quarterly"
    verbose_name = _("Quarterly reports")

    def ready(self) -> None:
        from notifications.external import external_email_register
        from notifications.models import NotificationKind

        from .emails import quarterly_report_email

        external_email_register(NotificationKind.QUARTERLY_REPORT, quarterly_report_email)
