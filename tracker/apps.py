"""The project's start-up hook: what every process (web, worker, beat, commands, tests) needs
before it touches the database, the broker or the static files."""

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


def var_directories() -> list[Path]:
    """The folders the configured defaults write into: the SQLite file's folder, the filesystem
    broker's queues, the collected static files (whitenoise warns on every start without it)."""
    folders = [Path(settings.STATIC_ROOT)]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and str(database["NAME"]) != ":memory:":
        folders.append(Path(database["NAME"]).parent)
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            folders.append(Path(options[key]))
    return folders


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Tracker"

    def ready(self) -> None:
        for folder in var_directories():
            folder.mkdir(parents=True, exist_ok=True)
