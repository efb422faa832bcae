from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies and people")

    def ready(self) -> None:
        from apis.versions import version_counter_register

        from .models import CredentialsVersion

        version_counter_register("credentials", CredentialsVersion)
