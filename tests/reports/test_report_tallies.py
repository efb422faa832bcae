"""The report's one tally builder: its GROUPING SETS query (PostgreSQL) and its portable path
(one aggregate and a GROUP BY per breakdown, the embedded default's) give the same rows, for
the report of the present and of a past moment. The report-number tests check either path
against a plain-Python recount: the portable one on SQLite, GROUPING SETS on PostgreSQL."""

import datetime

import pytest
from django.db.models import Count, Q
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from agencies.models import User
from recommendations.models import DaysBetween
from reports.as_of import AS_OF_COLUMNS, items_as_of
from reports.selectors import (
    ReportFilters,
    report_items,
    report_tally_tables,
)
from tests.reports.datasets import dataset_create

pytestmark = pytest.mark.django_db


def _current(scope: frozenset[int] | None, filters: ReportFilters) -> object:
    data_today = timezone.localdate()
    return (
        report_items(scope=scope, filters=filters)
        .order_by()
        .with_flags(today=data_today)
        .annotate(slip_days=DaysBetween("due_date", "original_due_date"))
    )


@pytest.mark.postgres
def test_grouping_sets_give_the_portable_paths_figures(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    data = dataset_create(seed=91, items=260, agencies=9)
    extra = {"n_high": Count("id", filter=Q(recommendation__priority="high"))}
    cases = {
        "everything": (None, ReportFilters()),
        "a scope": (frozenset({data.agencies[0].pk, data.agencies[3].pk}), ReportFilters()),
        "an empty scope": (frozenset(), ReportFilters()),
        "a filter": (None, ReportFilters(agency=data.agencies[2])),
        "nothing matches": (None, ReportFilters(date_from=data.today + datetime.timedelta(999))),
    }
    for name, (scope, filters) in cases.items():
        items = _current(scope, filters)
        with django_assert_max_num_queries(1):  # none for an empty scope
            one = report_tally_tables(items, totals_extra=extra, grouping_sets=True)  # type: ignore[arg-type]
        four = report_tally_tables(items, totals_extra=extra, grouping_sets=False)  # type: ignore[arg-type]
        assert one.totals == four.totals, name
        assert one.totals_row["n_high"] == four.totals_row["n_high"], name
        assert one.by_agency == four.by_agency, name
        assert one.by_theme == four.by_theme, name
        assert one.by_recommendation == four.by_recommendation, name
    assert report_tally_tables(_current(None, ReportFilters())).totals.total == 260  # type: ignore[arg-type]


@pytest.mark.postgres
def test_grouping_sets_give_the_portable_paths_figures_at_a_past_moment() -> None:
    now = timezone.now()
    dataset_create(seed=92, items=150, agencies=6, now=now)
    at = now - datetime.timedelta(days=60)
    items = items_as_of(scope=None, at=at)
    groups = ("agency", "theme")
    one = report_tally_tables(items, columns=AS_OF_COLUMNS, groups=groups, grouping_sets=True)
    two = report_tally_tables(items, columns=AS_OF_COLUMNS, groups=groups, grouping_sets=False)
    assert 0 < one.totals.total < 150
    assert (one.totals, one.by_agency, one.by_theme) == (two.totals, two.by_agency, two.by_theme)
    assert one.by_recommendation == two.by_recommendation == []


def test_the_portable_path_runs_everywhere(coordinator: User) -> None:
    data = dataset_create(seed=93, items=40, agencies=4)
    tables = report_tally_tables(_current(None, ReportFilters()), grouping_sets=False)  # type: ignore[arg-type]
    assert tables.totals.total == 40
    assert sum(row.tally.total for row in tables.by_agency) == 40
    assert sum(row.tally.total for row in tables.by_recommendation) == 40
    assert {row.agency_id for row in tables.by_agency} <= {a.pk for a in data.agencies}
