"""The cached report is exact: a write, a new day and an item turning stale each change the
answer at once, and a repeated request reads the cache instead of the items."""

import datetime
import zoneinfo

import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from agencies.models import Agency, User
from recommendations.models import ActionItem, Status
from recommendations.services import action_item_change
from reports.selectors import ReportFilters, report_changes, report_summary
from tests.factories import ActionItemFactory, RecommendationFactory, complete_through_verification

from .datasets import dataset_create

LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
# Noon local time: the moves below stay within one day unless they mean to cross midnight. In UTC,
# so that "30 days earlier" is 30 days of elapsed time whatever daylight saving does meanwhile.
NOON = datetime.datetime(2026, 3, 17, 12, tzinfo=LOCAL).astimezone(datetime.UTC)


def _figures(user: object) -> tuple[int, int, int, int]:
    summary = report_summary(user=user, filters=ReportFilters())
    return (
        summary.totals.total,
        summary.totals.count(Status.COMPLETED),
        summary.totals.overdue,
        summary.totals.stale,
    )


def test_a_repeated_report_is_read_from_the_cache_in_two_queries_whatever_the_data(
    coordinator: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for seed, items in ((71, 10), (73, 300)):
        dataset_create(seed=seed, items=items, agencies=5)
        first = report_summary(user=coordinator, filters=ReportFilters())
        # The data version and the next stale crossing (the roles are known by then).
        with django_assert_num_queries(2):
            again = report_summary(user=coordinator, filters=ReportFilters())
        assert again.totals == first.totals
        assert again.by_agency == first.by_agency
        assert [item.pk for item in again.overdue.items] == [i.pk for i in first.overdue.items]
        assert again.generated_at >= first.generated_at


def test_a_write_changes_the_cached_report_at_once(coordinator: User) -> None:
    with time_machine.travel(NOON, tick=False):
        item = ActionItemFactory.create(status=Status.IN_PROGRESS, percent_complete=40)
        before = _figures(coordinator)

        complete_through_verification(item, submitter=coordinator)

        after = _figures(coordinator)
    assert before[1] == 0
    assert after[1] == before[1] + 1


def test_a_write_outside_the_services_changes_the_cached_report_at_once(
    client: Client, coordinator: User
) -> None:
    item = ActionItemFactory.create()
    client.force_login(coordinator)
    assert item.owner_agency.acronym in client.get("/reports/").content.decode()

    # As the admin would: a plain save of an agency under a new acronym.
    agency = Agency.objects.get(pk=item.owner_agency_id)
    agency.acronym = "RENAMED"
    agency.save()

    assert "RENAMED" in client.get("/reports/").content.decode()


def test_a_new_day_changes_the_cached_report_at_once(coordinator: User) -> None:
    with time_machine.travel(NOON, tick=False) as traveller:
        ActionItemFactory.create(status=Status.IN_PROGRESS, due_date=NOON.astimezone(LOCAL).date())
        assert _figures(coordinator)[2] == 0  # due today: not overdue yet

        traveller.move_to(NOON + datetime.timedelta(days=1))

        assert _figures(coordinator)[2] == 1


def test_an_item_turning_stale_changes_the_cached_report_at_once(coordinator: User) -> None:
    stale_after = datetime.timedelta(days=settings.REMINDER_STALE_DAYS)
    with time_machine.travel(NOON, tick=False) as traveller:
        item = ActionItemFactory.create(
            status=Status.IN_PROGRESS, due_date=NOON.date() + stale_after
        )
        # Last news 30 days ago less one hour: stale in an hour, the same day.
        ActionItem.objects.filter(pk=item.pk).update(
            last_progress_at=NOON - stale_after + datetime.timedelta(hours=1)
        )
        assert _figures(coordinator)[3] == 0

        traveller.move_to(NOON + datetime.timedelta(hours=1, seconds=1))

        assert _figures(coordinator)[3] == 1
        # Caught up, the cached report is the one computed afresh, group by group.
        cached = report_summary(user=coordinator, filters=ReportFilters())
        fresh = report_summary(user=coordinator, filters=ReportFilters(), cached=False)
    assert cached.totals == fresh.totals
    assert [row.tally for row in cached.by_agency] == [row.tally for row in fresh.by_agency]
    assert [row.tally for row in cached.by_theme] == [row.tally for row in fresh.by_theme]
    assert cached.by_recommendation == fresh.by_recommendation
    assert [i.pk for i in cached.stale.items] == [i.pk for i in fresh.stale.items] == [item.pk]


def test_reports_of_other_filters_or_languages_are_not_shared(
    client: Client, coordinator: User
) -> None:
    data = dataset_create(seed=72, items=80, agencies=4)
    everything = report_summary(user=coordinator, filters=ReportFilters())
    one_agency = report_summary(user=coordinator, filters=ReportFilters(agency=data.agencies[0]))
    assert one_agency.totals.total < everything.totals.total

    client.force_login(coordinator)
    english = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    french = client.get("/reports/").content.decode()
    assert "Completed" in english
    assert "Terminé" in french


def _changes(user: object, days: int = 7) -> tuple[int, int, int]:
    changes = report_changes(user=user, filters=ReportFilters(), days=days)
    return (changes.notes, changes.newly_blocked, changes.newly_overdue)


def test_what_changed_is_cached_and_a_write_changes_it_at_once(
    coordinator: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with time_machine.travel(NOON, tick=False):
        item = ActionItemFactory.create(status=Status.IN_PROGRESS, percent_complete=10)
        assert _changes(coordinator) == (0, 0, 0)
        # Read again: the data version, then the cache (the roles are known by then).
        with django_assert_num_queries(1):
            assert _changes(coordinator) == (0, 0, 0)

        action_item_change(
            item=item,
            actor=coordinator,
            expected_version=item.version,
            status=Status.BLOCKED,
            note="Waiting for the regulation",
        )

        assert _changes(coordinator) == (1, 1, 0)
        assert _changes(coordinator, days=30) == (1, 1, 0)


def test_a_new_day_changes_what_changed_at_once(coordinator: User) -> None:
    today = NOON.astimezone(LOCAL).date()
    with time_machine.travel(NOON, tick=False) as traveller:
        item = ActionItemFactory.create(status=Status.IN_PROGRESS, due_date=today)
        action_item_change(
            item=item, actor=coordinator, expected_version=item.version, note="First news"
        )
        assert _changes(coordinator) == (1, 0, 0)  # due today: not overdue yet

        traveller.move_to(NOON + datetime.timedelta(days=1))
        assert _changes(coordinator) == (1, 0, 1)  # overdue since midnight

        # Eight days later the note and the due date have left the last 7 days, not the last 30.
        traveller.move_to(NOON + datetime.timedelta(days=8))
        assert _changes(coordinator) == (0, 0, 0)
        assert _changes(coordinator, days=30) == (1, 0, 1)


def test_what_changed_is_not_shared_between_scopes(coordinator: User) -> None:
    with time_machine.travel(NOON, tick=False):
        data = dataset_create(seed=74, items=30, agencies=3)
        item = data.items[0]
        item.refresh_from_db()
        action_item_change(item=item, actor=coordinator, expected_version=item.version, note="News")
        everyone = report_changes(user=coordinator, filters=ReportFilters(), days=7)
        other = next(a for a in data.agencies if a.pk != item.owner_agency_id)
        elsewhere = report_changes(user=coordinator, filters=ReportFilters(agency=other), days=7)
    assert everyone.notes == 1
    assert elsewhere.notes == 0


def test_the_filter_options_are_cached_and_a_write_changes_them_at_once(
    client: Client, coordinator: User
) -> None:
    item = ActionItemFactory.create()
    client.force_login(coordinator)
    first = client.get("/reports/").content.decode()
    assert f'<option value="{item.recommendation.code}">' in first

    added = RecommendationFactory.create(code="R-99")
    renamed = Agency.objects.get(pk=item.owner_agency_id)
    renamed.name_en = "Renamed Agency"
    renamed.save()

    page = client.get("/reports/").content.decode()
    assert f'<option value="{added.code}">' in page
    assert "Renamed Agency</option>" in page
    assert client.get("/reports/?recommendation=R-99").status_code == 200


def test_a_summary_kept_in_memory_answers_without_the_shared_cache_and_ends_with_it(
    coordinator: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    from django.core.cache import cache

    from reports.selectors import REPORT_CATCH_UP_SECONDS

    with time_machine.travel(NOON, tick=False) as traveller:
        dataset_create(seed=75, items=40, agencies=3)
        first = report_summary(user=coordinator, filters=ReportFilters())
        cache.clear()  # this process's copy must answer alone: no recount of the items
        with django_assert_num_queries(2):
            again = report_summary(user=coordinator, filters=ReportFilters())
        assert again.totals == first.totals

        # A write still changes the answer at once, from memory or not.
        item = ActionItem.objects.filter(status=Status.IN_PROGRESS, percent_complete__lt=90).first()
        assert item is not None
        action_item_change(
            item=item,
            actor=coordinator,
            expected_version=None,
            percent_complete=item.percent_complete + 10,
            note="moved",
        )
        changed = report_summary(user=coordinator, filters=ReportFilters())
        assert changed.totals.progress != again.totals.progress

        # And the copy ends when the shared entry would: computed again, not caught up.
        cache.clear()
        traveller.shift(datetime.timedelta(seconds=REPORT_CATCH_UP_SECONDS + 1))
        with CaptureQueriesContext(connection) as recount:
            later = report_summary(user=coordinator, filters=ReportFilters())
        assert len(recount) > 2  # the figures counted again
        assert later.totals == changed.totals
        with django_assert_num_queries(2):
            report_summary(user=coordinator, filters=ReportFilters())
