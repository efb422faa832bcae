"""Every variable of the brief's configuration list reaches the settings, and SITE_URL is what
links in emails start with."""

import datetime

import pytest
from django.core import mail

from recommendations.services import action_item_change
from tests.test_settings import _settings


def test_every_configuration_variable_of_the_brief_is_read(tmp_path):
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


def test_links_follow_the_port_make_run_serves_on_when_site_url_is_not_set(tmp_path):
    result = _settings(
        {"VAR_DIR": str(tmp_path), "PORT": "8123", "DEBUG": "1"}, "settings.SITE_URL"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8123"


@pytest.mark.django_db
def test_links_in_emails_start_with_site_url(roles, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://tracker.example"
    with django_capture_on_commit_callbacks(execute=True):
        action_item_change(
            item=roles.item,
            actor=roles.manager,
            expected_version=roles.item.version,
            assignee=roles.staff,
            due_date=roles.item.due_date + datetime.timedelta(days=1),
            note="New plan",
        )
    (message,) = mail.outbox
    assert f"https://tracker.example/items/{roles.item.pk}/" in message.body
