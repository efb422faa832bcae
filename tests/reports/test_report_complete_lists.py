"""The CSV export's complete lists come from the exact cache (reports.complete_lists) and the
file is the one the uncached export writes: after a write, on a new day, after an item turns
stale, in both languages and for a scoped reader."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from agencies.models import Membership, User
from recommendations.models import ActionItem, Status
from recommendations.services import action_item_change
from reports.exports import report_csv
from reports.selectors import LIST_LIMIT, ReportFilters, report_summary
from reports.tables import report_document
from tests.factories import ActionItemFactory
from tests.reports.conftest import member_of
from tests.reports.datasets import dataset_create
from tests.reports.readers import body, csv_sections

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
NOON = datetime.datetime(2026, 3, 17, 12, tzinfo=LOCAL).astimezone(datetime.UTC)


def _uncached_sections(user: User, language: str = "en") -> list[tuple[str, list[list[str]]]]:
    """The file as the export wrote it before the cache: every row computed now."""
    with translation.override(language):
        summary = report_summary(user=user, filters=ReportFilters(), cached=False, list_limit=None)
        text = report_csv(report_document(summary, applied_filters=[]))
    _metadata, sections = csv_sections(text.encode())
    return [(section.title, [section.header, *section.rows]) for section in sections]


def _exported_sections(client: Client, language: str = "en") -> list[tuple[str, list[list[str]]]]:
    response = client.get("/reports/export.csv", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    _metadata, sections = csv_sections(body(response))
    return [(section.title, [section.header, *section.rows]) for section in sections]


def test_the_export_is_the_uncached_file_and_lists_every_row(
    client: Client, coordinator: User
) -> None:
    with time_machine.travel(NOON, tick=False):
        dataset_create(seed=81, items=3 * LIST_LIMIT, agencies=4)
        client.force_login(coordinator)

        first = _exported_sections(client)
        again = _exported_sections(client)  # from the cache
        expected = _uncached_sections(coordinator)
    assert first == again == expected
    lists = {title: rows for title, rows in first}
    assert len(lists["Stale items"]) - 1 > LIST_LIMIT  # every row, not the page's first 50


def test_a_write_changes_the_cached_lists_at_once(client: Client, coordinator: User) -> None:
    with time_machine.travel(NOON, tick=False):
        item = ActionItemFactory.create(
            status=Status.IN_PROGRESS, due_date=NOON.date() - datetime.timedelta(days=3)
        )
        client.force_login(coordinator)
        before = dict(_exported_sections(client))
        assert len(before["Overdue items"]) == 2  # the header and the item

        action_item_change(
            item=item,
            actor=coordinator,
            expected_version=item.version,
            due_date=NOON.date() + datetime.timedelta(days=30),
            note="Re-planned with the province",
        )

        after = dict(_exported_sections(client))
        assert len(after["Overdue items"]) == 1
        assert after == dict(_uncached_sections(coordinator))


def test_an_item_turning_stale_is_added_to_the_cached_list_at_once(
    client: Client, coordinator: User
) -> None:
    stale_after = datetime.timedelta(days=settings.REMINDER_STALE_DAYS)
    with time_machine.travel(NOON, tick=False) as traveller:
        dataset_create(seed=82, items=60, agencies=3)
        item = ActionItemFactory.create(
            status=Status.IN_PROGRESS, due_date=NOON.date() + stale_after
        )
        ActionItem.objects.filter(pk=item.pk).update(
            last_progress_at=NOON - stale_after + datetime.timedelta(hours=1)
        )
        client.force_login(coordinator)
        before = dict(_exported_sections(client))

        traveller.move_to(NOON + datetime.timedelta(hours=1, seconds=1))

        after = dict(_exported_sections(client))
        assert len(after["Stale items"]) == len(before["Stale items"]) + 1
        assert after["Stale items"][-1][0] == item.reference
        assert after == dict(_uncached_sections(coordinator))

        traveller.move_to(NOON + datetime.timedelta(days=1))  # a new day: written again
        assert dict(_exported_sections(client)) == dict(_uncached_sections(coordinator))


def test_the_cached_lists_are_not_shared_between_languages_or_scopes(client: Client) -> None:
    with time_machine.travel(NOON, tick=False):
        data = dataset_create(seed=83, items=80, agencies=4)
        manager = member_of("lists-manager", Membership.Role.MANAGER, data.agencies[0])
        client.force_login(manager)

        english = _exported_sections(client, "en")
        manager.language = "fr"  # the person's language, which the site speaks to them
        manager.save(update_fields=["language"])
        french = _exported_sections(client, "fr")
        assert english == _uncached_sections(manager, "en")
        assert french == _uncached_sections(manager, "fr")
    assert english != french


def test_a_cached_export_costs_the_same_queries_whatever_the_data(
    client: Client, coordinator: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.force_login(coordinator)
    for seed, items in ((84, 10), (85, 300)):
        dataset_create(seed=seed, items=items, agencies=5)
        client.get("/reports/export.csv")
        # Session, user, roles; the report summary from the cache (version, catch-up); every
        # submission waiting for a verifier; each list's version read (three) and the stale
        # list's catch-up (the clock has moved since it was written).
        with django_assert_num_queries(10):
            body(client.get("/reports/export.csv"))


def test_a_new_release_writes_the_cached_lists_again(
    client: Client, coordinator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recommendations import caching

    dataset_create(seed=86, items=40, agencies=3)
    client.force_login(coordinator)
    monkeypatch.setattr(caching, "release_fingerprint", lambda: "release-1")
    body(client.get("/reports/export.csv"))
    with CaptureQueriesContext(connection) as same_release:
        body(client.get("/reports/export.csv"))

    monkeypatch.setattr(caching, "release_fingerprint", lambda: "release-2")
    with CaptureQueriesContext(connection) as new_release:
        body(client.get("/reports/export.csv"))

    # The three lists are read and written again (an older release's text is never served).
    assert len(new_release.captured_queries) == len(same_release.captured_queries) + 2
