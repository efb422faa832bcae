"""What the quarterly report says: the quarter's figures at its last moment, and its lists."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from quarterly.quarters import Quarter, quarter_due, quarter_ended, quarter_parse, report_day
from quarterly.selectors import quarterly_content
from recommendations.models import Status
from tests.quarterly.conftest import QuarterWorld

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["2026Q5", "2026-Q4", "Q4 2026", "", "20264", "2026Q0"])
def test_a_malformed_quarter_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValidationError, match="2026Q4"):
        quarter_parse(text)


def test_a_quarter_that_has_not_ended_is_refused() -> None:
    with pytest.raises(ValidationError, match="has not ended"):
        quarter_ended("2026Q4", now=at("2026-12-31", 23))
    assert quarter_ended("2026Q4", now=at("2027-01-01", 0)) == Quarter(2026, 4)


def test_quarters_know_their_bounds_and_neighbours() -> None:
    quarter = quarter_parse("2026q1")
    assert (quarter.first_day, quarter.last_day) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 3, 31),
    )
    assert quarter.previous() == Quarter(2025, 4)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)


def test_the_report_is_due_on_the_first_working_day_after_the_quarter() -> None:
    assert report_day(Quarter(2026, 3)) == datetime.date(2026, 10, 1)  # a Thursday
    assert report_day(Quarter(2026, 2)) == datetime.date(2026, 7, 2)  # Canada Day first
    assert report_day(Quarter(2026, 4)) == datetime.date(2027, 1, 4)  # New Year's Day, a weekend
    assert quarter_due(at("2027-01-01")) is None
    assert quarter_due(at("2027-01-04")) == Quarter(2026, 4)
    assert quarter_due(at("2027-01-18")) == Quarter(2026, 4)  # catching up a stopped scheduler
    assert quarter_due(at("2027-02-10")) is None  # later, the operator runs the command


def test_the_figures_are_those_at_the_quarters_last_moment(quarter_world: QuarterWorld) -> None:
    content = quarterly_content(quarter=Quarter(2026, 3), agency=None)
    totals = content.figures.totals
    assert totals.total == 4
    assert totals.count(Status.COMPLETED) == 1  # the later completion does not count
    assert totals.count(Status.BLOCKED) == 1  # it was reopened only in October
    assert totals.overdue == 1  # blocked and due on 1 September; the re-dated one is not
    previous = {line.key: line for line in content.headlines}
    assert previous["total"].previous == 0  # nothing existed at the end of 2026Q2
    assert previous["completed"].change == 1


def test_the_lists_say_what_was_completed_late_re_dated_and_due_next(
    quarter_world: QuarterWorld,
) -> None:
    content = quarterly_content(quarter=Quarter(2026, 3), agency=None)
    assert [item.pk for item in content.completed.rows] == [quarter_world.done.pk]
    late = content.overdue_or_blocked.rows
    assert [item.pk for item in late] == [quarter_world.blocked.pk]
    assert content.redated.rows[0].note == "Waiting for the minister's office"
    # Re-dated into December, it is due next quarter too.
    assert {item.pk for item in content.due_next.rows} == {
        quarter_world.due_next.pk,
        quarter_world.redated.pk,
    }


def test_an_agency_report_covers_its_items_and_its_recommendations(
    quarter_world: QuarterWorld,
) -> None:
    content = quarterly_content(quarter=Quarter(2026, 3), agency=quarter_world.cbsa)
    # CBSA supports PCD-1, so the report covers every item of it (as the reports page does).
    assert content.figures.totals.total == 4
    assert [row.acronym for row in content.figures.by_agency] == ["CBSA", "RCMP"]
