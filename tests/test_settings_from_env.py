"""Every variable of the brief's configuration list reaches the settings, and SITE_URL is what
links in emails start with."""

import datetime
from pathlib import Path

import pytest
from django.core import mail
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django import Settings as DjangoSettings

from recommendations.services import action_item_change
from tests.conftest import RoleMatrix
from tests.test_settings import _settings


def test_every_configuration_variable_of_the_brief_is_read(tmp_path: Path) -> None:
    result = _settings(
        {
            "VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": "a-long-random-production-secret",
            "ALLOWED_HOSTS": "tracker.example,tracker.internal",
            "DATABASE_URL": "postgres://app:pw@db.internal:5433/tracker",
            "REDIS_URL": "redis://cache.internal:6380/2",
            "EMAIL_HOST": "smtp.internal",
            "EMAIL_PORT": "2525",
            "EMAIL_HOST_USER": "mailer",
            "EMAIL_HOST_PASSWORD": "mail-secret",
            "EMAIL_USE_TLS": "true",
            "DEFAULT_FROM_EMAIL": "tracker@tracker.example",
            "SITE_URL": "https://tracker.example/",
        },
        "[settings.DEBUG, settings.SECRET_KEY, settings.ALLOWED_HOSTS, "
        "settings.DATABASES['default']['HOST'], settings.DATABASES['default']['PORT'], "
        "settings.CELERY_BROKER_URL, settings.EMAIL_HOST, settings.EMAIL_PORT, "
        "settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS, "
        "settings.DEFAULT_FROM_EMAIL, settings.SITE_URL]",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            False,
            "a-long-random-production-secret",
            ["tracker.example", "tracker.internal"],
            "db.internal",
            5433,
            "redis://cache.internal:6380/2",
            "smtp.internal",
            2525,
            "mailer",
            "mail-secret",
            True,
            "tracker@tracker.example",
            "https://tracker.example",
        ]
    )


def test_links_do_not_follow_a_process_s_own_port(tmp_path: Path) -> None:
    # honcho gives the worker PORT=8100: its emails must still point at the one SITE_URL.
    result = _settings({"VAR_DIR": str(tmp_path), "PORT": "8100"}, "settings.SITE_URL")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000"


def test_production_refuses_to_start_without_site_url(tmp_path: Path) -> None:
    result = _settings(
        {
            "VAR_DIR": str(tmp_path),
            "DEBUG": "0",
            "SECRET_KEY": "a-long-random-production-secret",
            "ALLOWED_HOSTS": "tracker.example",
            "SITE_URL": "",  # `make test` exports one: an operator's empty value is missing too
        },
        "settings.SITE_URL",
    )
    assert result.returncode != 0
    assert "SITE_URL must be set when DEBUG is off" in result.stderr


def test_a_site_url_that_is_not_an_address_stops_start_up(tmp_path: Path) -> None:
    result = _settings(
        {"VAR_DIR": str(tmp_path), "SITE_URL": "tracker.example"}, "settings.SITE_URL"
    )
    assert result.returncode != 0
    assert "is not an http(s) address" in result.stderr


@pytest.mark.django_db
def test_links_in_emails_start_with_site_url(
    roles: RoleMatrix,
    settings: DjangoSettings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SITE_URL = "https://tracker.example"
    with django_capture_on_commit_callbacks(execute=True):
        action_item_change(
            item=roles.item,
            actor=roles.coordinator,
            expected_version=roles.item.version,
            assignee=roles.staff,
            due_date=roles.item.due_date + datetime.timedelta(days=1),
            note="New plan",
        )
    (message,) = mail.outbox
    assert f"https://tracker.example/items/{roles.item.pk}/?lang=" in message.body


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REMINDER_DUE_SOON_DAYS", "7,x"),
        ("REMINDER_DUE_SOON_DAYS", "7,0"),
        ("REMINDER_OVERDUE_REPEAT_DAYS", "weekly"),
        ("REMINDER_OVERDUE_REPEAT_DAYS", "0"),
        ("REMINDER_ESCALATION_DAYS", "-3"),
        ("REMINDER_STALE_DAYS", "0"),
        ("REMINDER_SEND_HOUR", "24"),
        ("REMINDER_BUSINESS_DAYS", "sometimes"),
        ("REMINDER_HOLIDAYS_SUBDIVISION", "XX"),
        ("NOTIFICATION_MAX_ATTEMPTS", "0"),
        ("NOTIFICATION_LEASE_SECONDS", "0"),
        ("NOTIFICATION_RETRY_MAX_DELAY", "1.5"),
        ("DECISION_REMINDER_DAYS", "0"),
        ("REMINDER_VERIFICATION_WAITING_DAYS", "ten"),
        ("REMINDER_EXTENSION_WAITING_DAYS", "0"),
    ],
)
def test_a_bad_reminder_setting_stops_start_up_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = _settings({"VAR_DIR": str(tmp_path), variable: value}, "settings.DEBUG")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: "), last_line
    assert f"{variable}={value!r}" in last_line


def test_good_reminder_settings_are_read(tmp_path: Path) -> None:
    result = _settings(
        {
            "VAR_DIR": str(tmp_path),
            "REMINDER_DUE_SOON_DAYS": "14, 3,1",
            "REMINDER_SEND_HOUR": "0",
            "REMINDER_HOLIDAYS_SUBDIVISION": "QC",
        },
        "[settings.REMINDER_DUE_SOON_DAYS, settings.REMINDER_SEND_HOUR, "
        "settings.REMINDER_HOLIDAYS_SUBDIVISION]",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[[14, 3, 1], 0, 'QC']"


def test_decision_reminder_thresholds_default_to_decision_reminder_days(tmp_path: Path) -> None:
    result = _settings(
        {
            "VAR_DIR": str(tmp_path),
            "DECISION_REMINDER_DAYS": "5",
            "REMINDER_EXTENSION_WAITING_DAYS": "3",
        },
        "[settings.REMINDER_VERIFICATION_WAITING_DAYS, settings.REMINDER_EXTENSION_WAITING_DAYS]",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[5, 3]"


def test_celery_schedules_follow_time_zone(tmp_path: Path) -> None:
    result = _settings(
        {"VAR_DIR": str(tmp_path), "TIME_ZONE": "America/Vancouver"},
        "[settings.TIME_ZONE, settings.CELERY_TIMEZONE]",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['America/Vancouver', 'America/Vancouver']"


def test_importing_the_settings_creates_no_directory_and_start_up_creates_them(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    result = _settings({"VAR_DIR": str(var)}, "settings.VAR_DIR")
    assert result.returncode == 0, result.stderr
    assert not var.exists()

    result = _settings({"VAR_DIR": str(var)}, "django.setup()")
    assert result.returncode == 0, result.stderr
    assert sorted(str(p.relative_to(var)) for p in var.rglob("*") if p.is_dir()) == [
        "celery",
        "celery/control",
        "celery/processed",
        "celery/queue",
        "static",
    ]
