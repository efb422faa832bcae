import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

application = get_wsgi_application()


def _refuse_without_collected_static_files() -> None:
    # With DEBUG off, pages name their CSS and scripts through the manifest that collectstatic
    # writes; without it every page would be a bare 500. Better not to start, saying why.
    from django.conf import settings

    # The stubs type STORAGES from its value, whose storages' OPTIONS (the evidence storage's)
    # make the entries ``object`` in some runs and not others: read it with the declared type.
    storages: dict[str, dict[str, Any]] = getattr(settings, "STORAGES")  # noqa: B009 - typed read
    if settings.DEBUG or "Manifest" not in storages["staticfiles"]["BACKEND"]:
        return
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        raise ImproperlyConfigured(
            f"Static files are not collected ({manifest} is missing): run "
            "`python manage.py collectstatic --no-input` before starting the web server "
            "(the Procfile's web process and `make run` do)."
        )


_refuse_without_collected_static_files()
