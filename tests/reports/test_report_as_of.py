"""The report's figures at a past moment, rebuilt from the timeline: equal to ``report_summary``
now, and to a plain-Python recount of the history at a past quarter's end, on random data."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

import pytest
from django.utils import timezone

from agencies.models import User
from recommendations.models import ProgressUpdate, Status
from reports.as_of import report_figures_as_of
from reports.selectors import ReportFilters, StatusTally, report_summary
from tests.conftest import RoleMatrix
from tests.factories import complete_through_verification
from tests.reports.conftest import member_of
from tests.reports.datasets import dataset_create
from tests.reports.oracle import oracle_items, oracle_tallies

pytestmark = pytest.mark.django_db


def _same(actual: StatusTally, expected: StatusTally, label: str) -> None:
    assert actual.total == expected.total, label
    assert actual.counts == expected.counts, label
    assert (actual.overdue, actual.stale) == (expected.overdue, expected.stale), label
    assert (actual.slipped, actual.slip_days) == (expected.slipped, expected.slip_days), label
    assert actual.progress == pytest.approx(expected.progress), label


@pytest.mark.parametrize("seed", [3, 17, 29])
def test_figures_as_of_now_are_the_report_summary(seed: int, coordinator: User) -> None:
    data = dataset_create(seed=seed, items=90, now=timezone.now())
    now = timezone.now()
    summary = report_summary(user=coordinator, filters=ReportFilters(), now=now)
    figures = report_figures_as_of(scope=None, at=now)
    _same(figures.totals, summary.totals, "totals")
    assert [r.agency_id for r in figures.by_agency] == [r.agency_id for r in summary.by_agency]
    for mine, theirs in zip(figures.by_agency, summary.by_agency, strict=True):
        _same(mine.tally, theirs.tally, mine.acronym)
        assert mine.share_of_all == pytest.approx(theirs.share_of_all)
    assert [r.theme_id for r in figures.by_theme] == [r.theme_id for r in summary.by_theme]
    for my_theme, their_theme in zip(figures.by_theme, summary.by_theme, strict=True):
        _same(my_theme.tally, their_theme.tally, my_theme.title_en)
    # A manager's scope: the agencies' items and those of the recommendations they work on.
    manager = member_of("as-of-manager", "manager", data.agencies[0])
    scoped = report_summary(user=manager, filters=ReportFilters(), now=now)
    _same(
        report_figures_as_of(scope=frozenset({data.agencies[0].pk}), at=now).totals,
        scoped.totals,
        "scope",
    )


def _rows_at(rows: list[dict[str, Any]], at: datetime.datetime) -> list[dict[str, Any]]:
    """Each item as it stood at ``at``, read off its timeline in plain Python."""
    timelines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    updates = ProgressUpdate.objects.order_by("created_at", "id").values()
    for update in cast(Iterable[dict[str, Any]], updates):
        timelines[update["action_item_id"]].append(update)
    then = []
    for row in rows:
        timeline = timelines[row["id"]]
        born = min([row["created_at"], *(u["created_at"] for u in timeline)])
        if born >= at:
            continue
        later = [u for u in timeline if u["created_at"] >= at]
        earlier = [u for u in timeline if u["created_at"] < at]
        state = dict(row)
        if later:
            state["status"] = later[0]["status_before"]
            state["percent_complete"] = later[0]["percent_before"]
            state["due_date"] = later[0]["due_date_before"] or row["due_date"]
        if row["last_progress_at"] >= at:
            state["last_progress_at"] = earlier[-1]["created_at"] if earlier else row["created_at"]
        then.append(state)
    return then


@pytest.mark.parametrize("seed", [5, 41])
def test_figures_at_a_past_quarters_end_match_a_recount_of_the_history(seed: int) -> None:
    now = timezone.make_aware(datetime.datetime(2026, 11, 20, 15, 0))
    data = dataset_create(seed=seed, items=120, now=now)
    end = timezone.make_aware(datetime.datetime(2026, 10, 1))  # 2026Q3 ends here
    figures = report_figures_as_of(scope=None, at=end)
    rows = _rows_at(oracle_items(scope=None), end)
    assert len(rows) < len(data.items)  # some items did not exist yet: the test means something
    last_day = datetime.date(2026, 9, 30)
    expected = oracle_tallies(rows, group=None, today=last_day, now=end)[None]
    assert figures.totals.total == expected.total
    assert expected.counts is not None
    for status in Status.values:
        assert figures.totals.count(status) == expected.counts[status], status
    assert figures.totals.overdue == expected.overdue
    assert figures.totals.stale == expected.stale
    assert figures.totals.slipped == expected.slipped
    assert figures.totals.slip_days == expected.slip_days
    assert figures.totals.progress == pytest.approx(expected.progress)
    by_agency = oracle_tallies(rows, group="owner_agency_id", today=last_day, now=end)
    assert {r.agency_id: r.tally.total for r in figures.by_agency} == {
        k: t.total for k, t in by_agency.items()
    }
    for row in figures.by_agency:
        assert row.tally.counts == by_agency[row.agency_id].counts
        assert row.tally.overdue == by_agency[row.agency_id].overdue
    by_theme = oracle_tallies(rows, group="theme_id", today=last_day, now=end)
    for theme_row in figures.by_theme:
        assert theme_row.tally.counts == by_theme[theme_row.theme_id].counts
        assert theme_row.tally.progress == pytest.approx(by_theme[theme_row.theme_id].progress)


def test_a_past_quarter_gives_the_same_figures_after_later_changes(roles: RoleMatrix) -> None:
    from recommendations import services

    end = timezone.now()
    before = report_figures_as_of(scope=None, at=end)
    item = roles.item
    services.action_item_change(
        item=item,
        actor=roles.coordinator,
        expected_version=item.version,
        due_date=item.due_date + datetime.timedelta(days=40),
        note="Re-dated",
    )
    complete_through_verification(item, submitter=roles.staff, verifier=roles.coordinator)
    after = report_figures_as_of(scope=None, at=end)
    _same(after.totals, before.totals, "unchanged past")
    assert report_figures_as_of(scope=None, at=timezone.now()).totals.count(Status.COMPLETED) == 1
