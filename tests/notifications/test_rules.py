"""The reminder rules as pure date functions: no database."""

import datetime

import pytest

from notifications import rules
from tests.notifications.conftest import at

D = datetime.date.fromisoformat
CALENDAR_DAYS = rules.ReminderCalendar(business_days=False)
BUSINESS_DAYS = rules.ReminderCalendar(business_days=True)


def test_reminder_day_starts_at_the_send_hour(settings: object) -> None:
    settings.REMINDER_SEND_HOUR = 7
    assert rules.reminder_day(at("2026-04-20", 6)) == D("2026-04-19")
    assert rules.reminder_day(at("2026-04-20", 7)) == D("2026-04-20")


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-04-12", None),
        ("2026-04-13", "2026-04-20:-7"),
        ("2026-04-18", "2026-04-20:-7"),
        ("2026-04-19", "2026-04-20:-1"),
        ("2026-04-20", None),  # due today: neither due soon nor overdue yet
    ],
)
def test_due_soon_fires_seven_then_one_day_before(today: str, expected: str | None) -> None:
    occurrence = rules.due_soon_occurrence(CALENDAR_DAYS, D("2026-04-20"), D(today))
    assert (occurrence.period if occurrence else None) == expected


def test_a_missed_seven_day_reminder_gives_way_to_the_one_day_reminder() -> None:
    occurrence = rules.due_soon_occurrence(CALENDAR_DAYS, D("2026-04-20"), D("2026-04-19"))
    assert occurrence == rules.Occurrence(period="2026-04-20:-1", period_start=D("2026-04-19"))


@pytest.mark.parametrize(
    ("today", "period", "start"),
    [
        ("2026-04-21", "2026-04-20:w0", "2026-04-21"),
        ("2026-04-27", "2026-04-20:w0", "2026-04-21"),
        ("2026-04-28", "2026-04-20:w1", "2026-04-28"),
        ("2026-05-05", "2026-04-20:w2", "2026-05-05"),
    ],
)
def test_overdue_fires_the_day_after_then_weekly(today: str, period: str, start: str) -> None:
    occurrence = rules.overdue_occurrence(
        CALENDAR_DAYS, D("2026-04-20"), D(today), last_progress_on=D("2026-04-01")
    )
    assert occurrence == rules.Occurrence(period=period, period_start=D(start))


def test_overdue_does_not_fire_on_the_due_date() -> None:
    assert (
        rules.overdue_occurrence(
            CALENDAR_DAYS, D("2026-04-20"), D("2026-04-20"), last_progress_on=D("2026-04-01")
        )
        is None
    )


def test_overdue_reminders_stop_once_an_update_is_recorded_after_the_due_date() -> None:
    due = D("2026-04-20")
    # An update on the due date itself does not stop them; one the day after does, for good.
    assert rules.overdue_occurrence(CALENDAR_DAYS, due, D("2026-04-28"), last_progress_on=due)
    assert (
        rules.overdue_occurrence(
            CALENDAR_DAYS, due, D("2026-04-28"), last_progress_on=D("2026-04-21")
        )
        is None
    )


def test_escalation_fires_once_fourteen_days_after_the_due_date() -> None:
    assert rules.escalation_occurrence(CALENDAR_DAYS, D("2026-04-20"), D("2026-05-03")) is None
    assert rules.escalation_occurrence(
        CALENDAR_DAYS, D("2026-04-20"), D("2026-05-04")
    ) == rules.Occurrence(period="2026-04-20", period_start=D("2026-05-04"))
    # Later scans find the same occurrence: the unique row makes it one email.
    assert rules.escalation_occurrence(CALENDAR_DAYS, D("2026-04-20"), D("2026-06-01")).period == (
        "2026-04-20"
    )


def test_stale_fires_every_thirty_days_without_an_update() -> None:
    assert rules.stale_occurrence(D("2026-04-01"), D("2026-04-30")) is None
    assert rules.stale_occurrence(D("2026-04-01"), D("2026-05-01")).period == "2026-04-01:1"
    assert rules.stale_occurrence(D("2026-04-01"), D("2026-05-31")).period == "2026-04-01:2"


def test_digest_is_weekly_from_the_chosen_day_and_catches_up_later_that_week() -> None:
    monday, friday = 0, 4
    assert rules.digest_occurrence(monday, D("2026-04-20")).period == "2026-W17"
    assert rules.digest_occurrence(monday, D("2026-04-22")).period == "2026-W17"
    assert rules.digest_occurrence(friday, D("2026-04-22")) is None
    assert rules.digest_occurrence(friday, D("2026-04-24")).period_start == D("2026-04-24")


def test_business_days_skip_weekends_and_canada_day() -> None:
    # Due Friday 3 July 2026; Canada Day is Wednesday 1 July.
    due = D("2026-07-03")
    assert BUSINESS_DAYS.add(due, -1) == D("2026-07-02")
    assert BUSINESS_DAYS.add(due, -7) == D("2026-06-23")
    assert BUSINESS_DAYS.add(due, 1) == D("2026-07-06")  # the Monday after
    before = D("2026-06-01")
    assert (
        rules.overdue_occurrence(BUSINESS_DAYS, due, D("2026-07-05"), last_progress_on=before)
        is None
    )
    assert rules.overdue_occurrence(
        BUSINESS_DAYS, due, D("2026-07-06"), last_progress_on=before
    ).period_start == D("2026-07-06")


def test_business_days_can_count_a_provinces_holidays() -> None:
    quebec = rules.ReminderCalendar(business_days=True, subdivision="QC")
    # Saint-Jean-Baptiste (24 June) is a statutory holiday in Quebec only.
    assert quebec.add(D("2026-07-03"), -7) == D("2026-06-22")
    assert not quebec.is_working_day(D("2026-06-24"))
    assert BUSINESS_DAYS.is_working_day(D("2026-06-24"))


def test_the_due_soon_window_covers_every_business_day_threshold() -> None:
    today = D("2026-06-23")
    end = rules.due_soon_window_end(BUSINESS_DAYS, today)
    assert end == D("2026-07-03")
    assert rules.due_soon_occurrence(BUSINESS_DAYS, end, today).period == "2026-07-03:-7"
    assert rules.due_soon_occurrence(BUSINESS_DAYS, D("2026-07-06"), today) is None
