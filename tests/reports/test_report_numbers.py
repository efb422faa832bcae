"""Every figure of the report, on random data sets, against a plain-Python count of the rows."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Membership, User
from recommendations.models import ActionItem, Priority, ProgressUpdate, Status
from reports.selectors import (
    LIST_LIMIT,
    ReportFilters,
    ReportSummary,
    StatusTally,
    report_summary,
)
from tests.factories import ActionItemFactory, AgencyFactory, RecommendationFactory, UserFactory
from tests.reports.conftest import member_of
from tests.reports.datasets import Dataset, dataset_create
from tests.reports.oracle import (
    Tally,
    oracle_history,
    oracle_items,
    oracle_lists,
    oracle_slippage_bands,
    oracle_tallies,
)

pytestmark = pytest.mark.django_db


def _assert_tally(actual: StatusTally, expected: Tally | None, label: str) -> None:
    expected = expected or Tally(counts={})
    assert actual.total == expected.total, label
    for status in Status.values:
        assert actual.count(status) == (expected.counts or {}).get(status, 0), (label, status)
    assert actual.overdue == expected.overdue, label
    assert actual.stale == expected.stale, label
    assert actual.slipped == expected.slipped, label
    assert actual.slip_days == expected.slip_days, label
    if expected.progress is None:
        assert actual.progress is None, label
    else:
        assert actual.progress == pytest.approx(expected.progress), label


def _history_months(
    filters: ReportFilters, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The documented window: the period's months up to today, else the last 12 months."""
    last = min(filters.date_to or today, today).replace(day=1)
    if filters.date_from and filters.date_from.replace(day=1) <= last:
        first = filters.date_from.replace(day=1)
    else:
        index = last.year * 12 + last.month - 1 - 11
        first = datetime.date(index // 12, index % 12 + 1, 1)
    return first, last


def _assert_summary_matches_rows(
    summary: ReportSummary, rows: list[dict[str, Any]], data: Dataset, filters: ReportFilters
) -> None:
    today, now = data.today, data.now
    _assert_tally(
        summary.totals, oracle_tallies(rows, group=None, today=today, now=now).get(None), "totals"
    )
    assert summary.totals.total == len(rows)

    for attribute, group, key in (
        ("by_agency", "owner_agency_id", "agency_id"),
        ("by_theme", "theme_id", "theme_id"),
        ("by_recommendation", "recommendation_id", "recommendation_id"),
    ):
        expected = oracle_tallies(rows, group=group, today=today, now=now)
        actual = {getattr(row, key): row for row in getattr(summary, attribute)}
        assert set(actual) == set(expected), attribute
        for group_id, row in actual.items():
            _assert_tally(row.tally, expected[group_id], f"{attribute} {group_id}")
            assert row.share_of_all == pytest.approx(100 * expected[group_id].total / len(rows))
    acronyms = [row.acronym for row in summary.by_agency]
    assert acronyms == sorted(acronyms)
    codes = [row.code for row in summary.by_recommendation]
    assert codes == sorted(codes)

    assert [band.count for band in summary.slippage] == oracle_slippage_bands(rows)
    assert sum(band.count for band in summary.slippage) == len(rows)

    lists = oracle_lists(rows, today=today, now=now, limit=LIST_LIMIT)
    for name in ("overdue", "stale", "most_slipped"):
        total, first_ids = lists[name]
        listed = getattr(summary, name)
        assert listed.total == total, name
        assert [item.pk for item in listed.items] == first_ids, name

    first, last = _history_months(filters, today)
    expected_history = oracle_history(rows, first_month=first, last_month=last, now=now)
    actual_history = [
        (point.month, point.completed, point.open_at_end) for point in summary.history
    ]
    assert actual_history == expected_history


@pytest.mark.parametrize(
    ("seed", "items", "agencies"),
    [(1, 0, 3), (2, 25, 8), (3, 140, 20), (4, 320, 45)],
    ids=["empty", "small", "medium", "large"],
)
def test_every_figure_matches_a_plain_python_count_of_the_rows(
    coordinator: User, seed: int, items: int, agencies: int
) -> None:
    data = dataset_create(seed=seed, items=items, agencies=agencies)
    if items > 100:
        assert {item.status for item in data.items} == set(Status.values)
    if items > 300:
        # Lists longer than the page shows: their totals stay exact.
        assert ActionItem.objects.overdue(data.today).count() > LIST_LIMIT

    summary = report_summary(
        user=coordinator, filters=ReportFilters(), today=data.today, now=data.now
    )

    _assert_summary_matches_rows(summary, oracle_items(scope=None), data, ReportFilters())


def _filter_cases(data: Dataset) -> dict[str, ReportFilters]:
    today = data.today
    return {
        "agency": ReportFilters(agency=data.agencies[1]),
        "theme": ReportFilters(theme=data.themes[0]),
        "recommendation": ReportFilters(recommendation=data.recommendations[2]),
        "priority": ReportFilters(priority=Priority.HIGH),
        "due in a past period": ReportFilters(
            date_from=today - datetime.timedelta(days=200),
            date_to=today - datetime.timedelta(days=20),
        ),
        "due from a date on": ReportFilters(date_from=today - datetime.timedelta(days=90)),
        "due in the future": ReportFilters(
            date_from=today + datetime.timedelta(days=10),
            date_to=today + datetime.timedelta(days=200),
        ),
        "everything at once": ReportFilters(
            agency=data.agencies[2],
            priority=Priority.MEDIUM,
            date_from=today - datetime.timedelta(days=250),
            date_to=today + datetime.timedelta(days=100),
        ),
        "nothing matches": ReportFilters(
            date_from=today + datetime.timedelta(days=900),
            date_to=today + datetime.timedelta(days=901),
        ),
    }


def test_every_filter_selects_exactly_the_matching_items(coordinator: User) -> None:
    data = dataset_create(seed=7, items=220, agencies=10)
    for name, filters in _filter_cases(data).items():
        summary = report_summary(user=coordinator, filters=filters, today=data.today, now=data.now)
        rows = oracle_items(
            scope=None,
            agency=filters.agency.pk if filters.agency else None,
            theme=filters.theme.pk if filters.theme else None,
            recommendation=filters.recommendation.pk if filters.recommendation else None,
            priority=filters.priority,
            date_from=filters.date_from,
            date_to=filters.date_to,
        )
        assert summary.totals.total == len(rows), name
        _assert_summary_matches_rows(summary, rows, data, filters)


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.STAFF])
def test_a_managers_or_staffs_report_covers_their_agencies_and_what_they_lead_or_support(
    role: str,
) -> None:
    data = dataset_create(seed=8, items=160, agencies=9)
    mine = data.agencies[3]
    person = member_of(f"{role}-of-one", role, mine)

    summary = report_summary(user=person, filters=ReportFilters(), today=data.today, now=data.now)

    rows = oracle_items(scope={mine.pk})
    owned_elsewhere = [row for row in rows if row["owner_agency_id"] != mine.pk]
    assert owned_elsewhere, "the data set should give the agency supported work to see"
    assert len(rows) < len(data.items)
    assert [agency.pk for agency in summary.scope or []] == [mine.pk]
    _assert_summary_matches_rows(summary, rows, data, ReportFilters())


def test_a_member_of_two_agencies_sees_both(coordinator: User) -> None:
    data = dataset_create(seed=9, items=120, agencies=8)
    person = member_of("two-hats", Membership.Role.STAFF, data.agencies[0], data.agencies[5])
    filters = ReportFilters(priority=Priority.CRITICAL)

    summary = report_summary(user=person, filters=filters, today=data.today, now=data.now)

    rows = oracle_items(scope={data.agencies[0].pk, data.agencies[5].pk}, priority=filters.priority)
    _assert_summary_matches_rows(summary, rows, data, filters)


def test_history_counts_a_completion_at_midnight_on_the_first_in_the_new_month(
    coordinator: User,
) -> None:
    zone = timezone.get_default_timezone()
    now = datetime.datetime(2025, 6, 15, 12, tzinfo=zone)
    midnight_may_1 = datetime.datetime(2025, 5, 1, tzinfo=zone)
    item = ActionItemFactory.create(status=Status.COMPLETED, percent_complete=100)
    ActionItem.objects.filter(pk=item.pk).update(
        created_at=datetime.datetime(2025, 3, 3, tzinfo=zone)
    )
    ProgressUpdate.objects.create(
        action_item=item,
        created_at=midnight_may_1,
        status_before=Status.IN_PROGRESS,
        status_after=Status.COMPLETED,
        percent_before=50,
        percent_after=100,
    )
    # Reopened, then completed again: one completion in each month, counted once per month.
    reopened = ActionItemFactory.create(status=Status.COMPLETED, percent_complete=100)
    ActionItem.objects.filter(pk=reopened.pk).update(
        created_at=datetime.datetime(2025, 3, 3, tzinfo=zone)
    )
    for day, before, after in (
        (2, Status.NOT_STARTED, Status.COMPLETED),
        (9, Status.COMPLETED, Status.IN_PROGRESS),
        (20, Status.IN_PROGRESS, Status.COMPLETED),
    ):
        ProgressUpdate.objects.create(
            action_item=reopened,
            created_at=datetime.datetime(2025, 4, day, 10, tzinfo=zone),
            status_before=before,
            status_after=after,
            percent_before=0,
            percent_after=0,
        )

    summary = report_summary(
        user=coordinator,
        filters=ReportFilters(date_from=datetime.date(2025, 3, 1)),
        today=now.date(),
        now=now,
    )

    history = {point.month.month: (point.completed, point.open_at_end) for point in summary.history}
    assert history == {3: (0, 2), 4: (1, 1), 5: (1, 0), 6: (0, 0)}


def test_an_item_created_after_a_month_is_not_open_in_it_unless_its_history_is_older(
    coordinator: User,
) -> None:
    zone = timezone.get_default_timezone()
    now = datetime.datetime(2025, 6, 15, 12, tzinfo=zone)
    recent = ActionItemFactory.create()
    ActionItem.objects.filter(pk=recent.pk).update(
        created_at=datetime.datetime(2025, 5, 10, tzinfo=zone)
    )
    backdated = ActionItemFactory.create(status=Status.IN_PROGRESS, percent_complete=10)
    ActionItem.objects.filter(pk=backdated.pk).update(
        created_at=datetime.datetime(2025, 6, 1, tzinfo=zone)
    )
    ProgressUpdate.objects.create(
        action_item=backdated,
        created_at=datetime.datetime(2025, 3, 20, tzinfo=zone),
        status_before=Status.NOT_STARTED,
        status_after=Status.IN_PROGRESS,
        percent_before=0,
        percent_after=10,
    )

    summary = report_summary(
        user=coordinator,
        filters=ReportFilters(date_from=datetime.date(2025, 2, 1)),
        today=now.date(),
        now=now,
    )

    open_by_month = {point.month.month: point.open_at_end for point in summary.history}
    assert open_by_month == {2: 0, 3: 1, 4: 1, 5: 2, 6: 2}


def test_slippage_is_the_due_date_against_the_first_planned_one(coordinator: User) -> None:
    today = timezone.localdate()
    for slip in (-3, 0, 1, 30, 31, 90, 91, 180, 181, 400):
        ActionItemFactory.create(
            due_date=today + datetime.timedelta(days=slip),
            original_due_date=today,
        )

    summary = report_summary(user=coordinator, filters=ReportFilters())

    assert [band.count for band in summary.slippage] == [1, 1, 2, 2, 2, 2]
    assert summary.totals.slipped == 8
    assert summary.totals.slip_days == 1 + 30 + 31 + 90 + 91 + 180 + 181 + 400
    assert [
        (item.due_date - item.original_due_date).days for item in summary.most_slipped.items
    ] == [400, 181, 180, 91, 90, 31, 30, 1]


def test_a_recommendations_progress_is_the_mean_of_its_items_not_cancelled(
    coordinator: User,
) -> None:
    lead = AgencyFactory.create()
    recommendation = RecommendationFactory.create(lead_agency=lead)
    for percent, status in (
        (100, Status.COMPLETED),
        (40, Status.IN_PROGRESS),
        (90, Status.CANCELLED),
    ):
        ActionItemFactory.create(
            recommendation=recommendation, percent_complete=percent, status=status
        )

    summary = report_summary(user=coordinator, filters=ReportFilters())

    (row,) = summary.by_recommendation
    assert row.tally.progress == pytest.approx(70.0)
    assert row.tally.total == 3
    assert row.tally.status_share(Status.CANCELLED) == pytest.approx(100 / 3)


def test_an_outsider_has_an_empty_scope_not_everything(coordinator: User) -> None:
    ActionItemFactory.create()
    outsider = UserFactory.create(username="nobody")

    summary = report_summary(user=outsider, filters=ReportFilters())

    assert summary.scope == []
    assert summary.totals.total == 0
