"""Start-up configuration, checked in a fresh interpreter as an operator would start the app."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _settings(env: dict[str, str | None], expression: str) -> subprocess.CompletedProcess[str]:
    """The settings in a fresh interpreter. DEBUG is 1 (a developer's machine) unless ``env``
    says otherwise; a variable given as None is left unset."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "EMAIL_HOST",
            "SITE_URL",
            "PORT",
        }
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tracker.settings'; "
            f"from django.conf import settings; print({expression})",
        ],
        cwd=ROOT,
        env={
            name: value
            for name, value in {**clean, "DEBUG": "1", **env}.items()
            if value is not None
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _settings(
        {"DEBUG": "0", "ALLOWED_HOSTS": "tracker.example", "VAR_DIR": str(tmp_path)},
        "settings.DEBUG",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = _settings(
        {"DEBUG": "0", "SECRET_KEY": "x" * 50, "VAR_DIR": str(tmp_path)}, "settings.DEBUG"
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_a_bad_boolean_stops_start_up_naming_the_value(tmp_path: Path) -> None:
    result = _settings({"DEBUG": "maybe", "VAR_DIR": str(tmp_path)}, "settings.DEBUG")
    assert result.returncode != 0
    assert "maybe" in result.stderr


def test_defaults_need_nothing_installed(tmp_path: Path) -> None:
    result = _settings(
        {"VAR_DIR": str(tmp_path), "DEBUG": "1"},
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, settings.EMAIL_BACKEND",
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout
    assert "filesystem://" in result.stdout
    assert "EmlFileBackend" in result.stdout


def test_environment_switches_to_postgresql_redis_and_smtp(tmp_path: Path) -> None:
    result = _settings(
        {
            "VAR_DIR": str(tmp_path),
            "DEBUG": "1",
            "DATABASE_URL": "postgres://u@db.internal:5432/tracker",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "EMAIL_HOST": "smtp.internal",
        },
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, "
        "settings.CACHES['default']['BACKEND'], settings.EMAIL_BACKEND",
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout
    assert "redis://cache.internal:6379/0" in result.stdout
    assert "RedisCache" in result.stdout
    assert "smtp.EmailBackend" in result.stdout
