import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

application = get_wsgi_application()


def _refuse_without_collected_static_files() -> None:
    # With DEBUG off, pages name their CSS and scripts through the manifest that collectstatic
    # writes; without it every page would be a bare 500. Better not to start, saying why.
    from django.conf import settings

    if settings.DEBUG or "Manifest" not in settings.STORAGES["staticfiles"]["BACKEND"]:
        return
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        raise ImproperlyConfigured(
            f"Static files are not collected ({manifest} is missing): run "
            "`python manage.py collectstatic --no-input` before starting the web server "
            "(the Procfile's web process and `make run` do)."
        )


_refuse_without_collected_static_files()
