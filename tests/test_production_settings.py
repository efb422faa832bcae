"""The documented production settings are safe: `check --deploy` is clean, HTTPS is enforced when
SITE_URL is https, secrets never appear on a debug page, a CSP without inline script is sent,
the browsable API is off, and a web server without collected static files refuses to start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.views.debug import ExceptionReporter
from pytest_django import Settings as DjangoSettings

from tests.test_settings import _settings

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "tracker.example",
    "SITE_URL": "https://tracker.example",
    "CSRF_TRUSTED_ORIGINS": "https://tracker.example",
}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tracker.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path: Path) -> None:
    result = _manage(
        {**PRODUCTION, "VAR_DIR": str(tmp_path)}, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    result = _settings(
        {
            "VAR_DIR": str(tmp_path),
            "DEBUG": None,
            "SECRET_KEY": "s" * 60,
            "ALLOWED_HOSTS": "a.example",
            "SITE_URL": "https://a.example",
        },
        "settings.DEBUG",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_https_site_url_turns_on_redirect_hsts_and_secure_cookies(tmp_path: Path) -> None:
    result = _settings(
        {**PRODUCTION, "VAR_DIR": str(tmp_path)},
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True 31536000 True True"
    plain = _settings(
        {**PRODUCTION, "SITE_URL": "http://127.0.0.1:8000", "VAR_DIR": str(tmp_path)},
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS",
    )
    assert plain.stdout.strip() == "False 0"


def test_production_speaks_json_only_no_browsable_api(tmp_path: Path) -> None:
    result = _settings(
        {**PRODUCTION, "VAR_DIR": str(tmp_path)},
        "settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']",
    )
    assert result.stdout.strip() == "['rest_framework.renderers.JSONRenderer']"


@pytest.mark.django_db
def test_debug_pages_mask_every_setting_that_may_hold_a_password(settings: DjangoSettings) -> None:
    # Built at run time, so that the page's source excerpts (this test) do not contain it.
    secret = "".join(["s3", "cr", "3t-pw"])
    settings.DEBUG = True
    settings.REDIS_URL = f"redis://:{secret}@cache.internal:6379/0"
    settings.CELERY_BROKER_URL = f"redis://:{secret}@cache.internal:6379/0"
    settings.DATABASE_URL = f"postgres://app:{secret}@db.internal/tracker"
    settings.EMAIL_HOST_PASSWORD = secret
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"redis://:{secret}@x",
        }
    }
    request = RequestFactory().get("/", REDIS_URL=f"redis://:{secret}@x")
    del secret  # not among the frame's local variables that the page lists
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        html = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert settings.EMAIL_HOST_PASSWORD not in html
    assert "REDIS_URL" in html  # named, with its value masked


def test_every_page_gets_a_content_security_policy_without_inline_script(
    client: Client, db: None
) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


def test_the_web_server_refuses_to_start_without_collected_static_files(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "-c", "import tracker.wsgi"],
        cwd=ROOT,
        env={**clean, **PRODUCTION, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Static files are not collected" in result.stderr
    assert "collectstatic" in result.stderr
