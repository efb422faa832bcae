"""The reminder rules as pure functions of dates: no database, no clock.

The scan asks the database for candidate items with date ranges computed here, then asks these
functions which occurrence (period) of a rule is due for each. Keeping them pure makes the rules
readable in one place and testable without fixtures.
"""

import datetime
from dataclasses import dataclass
from functools import cache

import holidays
from django.conf import settings
from django.utils import timezone

ONE_DAY = datetime.timedelta(days=1)


@cache
def _canadian_holidays(subdivision: str) -> holidays.HolidayBase:
    # Expanded lazily to the years asked for; cached so the scan builds it once per process.
    return holidays.country_holidays("CA", subdiv=subdivision or None)


@dataclass(frozen=True)
class ReminderCalendar:
    """Counts reminder offsets in calendar days, or in business days (weekends and Canadian
    statutory holidays skipped) when ``business_days`` is on."""

    business_days: bool = False
    subdivision: str = ""

    @classmethod
    def from_settings(cls) -> "ReminderCalendar":
        return cls(
            business_days=settings.REMINDER_BUSINESS_DAYS,
            subdivision=settings.REMINDER_HOLIDAYS_SUBDIVISION,
        )

    def is_working_day(self, day: datetime.date) -> bool:
        if not self.business_days:
            return True
        return day.weekday() < 5 and day not in _canadian_holidays(self.subdivision)

    def add(self, day: datetime.date, count: int) -> datetime.date:
        """The day ``count`` (working) days after ``day``; negative counts go back."""
        if not self.business_days:
            return day + datetime.timedelta(days=count)
        step = ONE_DAY if count >= 0 else -ONE_DAY
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def reminder_day(now: datetime.datetime) -> datetime.date:
    """The day whose reminders are due at ``now``: today from REMINDER_SEND_HOUR, else yesterday.

    Nobody is emailed at 00:15 about the new day; a scan before the send hour only catches up
    with the previous day.
    """
    local = timezone.localtime(now)
    day = local.date()
    return day if local.hour >= settings.REMINDER_SEND_HOUR else day - ONE_DAY


@dataclass(frozen=True)
class Occurrence:
    period: str
    period_start: datetime.date


def due_soon_offsets() -> list[int]:
    return sorted({int(days) for days in settings.REMINDER_DUE_SOON_DAYS if int(days) > 0})


def due_soon_window_end(calendar: ReminderCalendar, today: datetime.date) -> datetime.date:
    """Items due after ``today`` and up to this day may need a due-soon reminder."""
    offsets = due_soon_offsets()
    return calendar.add(today, offsets[-1]) if offsets else today


def due_soon_occurrence(
    calendar: ReminderCalendar, due_date: datetime.date, today: datetime.date
) -> Occurrence | None:
    """The most recent due-soon threshold reached (7 then 1 days before, by default).

    Only the latest one: a scan that missed the 7-day reminder on the day, and runs when the
    1-day threshold is already reached, sends the 1-day reminder and not both.
    """
    if due_date <= today:
        return None
    for offset in due_soon_offsets():  # smallest first: the latest threshold wins
        fires_on = calendar.add(due_date, -offset)
        if fires_on <= today:
            return Occurrence(period=f"{due_date.isoformat()}:-{offset}", period_start=fires_on)
    return None


def overdue_occurrence(
    calendar: ReminderCalendar,
    due_date: datetime.date,
    today: datetime.date,
    *,
    last_progress_on: datetime.date,
) -> Occurrence | None:
    """The day after the due date (the next working day), then every REPEAT days, until an update
    is recorded after the due date: whoever records one has seen the item is late, and from then
    on the stale reminder (no update for STALE days) takes over."""
    if last_progress_on > due_date:
        return None
    first = calendar.add(due_date, 1)
    if today < first:
        return None
    repeat = max(1, settings.REMINDER_OVERDUE_REPEAT_DAYS)
    week = (today - first).days // repeat
    return Occurrence(
        period=f"{due_date.isoformat()}:w{week}",
        period_start=first + datetime.timedelta(days=week * repeat),
    )


def overdue_paused_occurrence(
    calendar: ReminderCalendar,
    due_date: datetime.date,
    today: datetime.date,
    *,
    last_progress_on: datetime.date,
    pause_period: str,
) -> Occurrence | None:
    """Once per pause ("submission:12", "extension:7": the record holding the overdue reminders
    back), on the first day an overdue reminder would have gone during it: the notice, to whoever
    it would have gone to, that it does not."""
    if overdue_occurrence(calendar, due_date, today, last_progress_on=last_progress_on) is None:
        return None
    return Occurrence(period=pause_period, period_start=today)


def escalation_occurrence(
    calendar: ReminderCalendar, due_date: datetime.date, today: datetime.date
) -> Occurrence | None:
    """Once per due date, when the item has been overdue for ESCALATION days."""
    fires_on = calendar.add(due_date, settings.REMINDER_ESCALATION_DAYS)
    if today < fires_on:
        return None
    return Occurrence(period=due_date.isoformat(), period_start=fires_on)


def stale_occurrence(last_progress_on: datetime.date, today: datetime.date) -> Occurrence | None:
    """Every STALE days without a progress update (calendar days, like the derived stale flag)."""
    stale_days = max(1, settings.REMINDER_STALE_DAYS)
    elapsed = (today - last_progress_on).days
    if elapsed < stale_days:
        return None
    count = elapsed // stale_days
    return Occurrence(
        period=f"{last_progress_on.isoformat()}:{count}",
        period_start=last_progress_on + datetime.timedelta(days=count * stale_days),
    )


def digest_occurrence(weekday: int, today: datetime.date) -> Occurrence | None:
    """Once per ISO week, from the user's digest day on (a missed day is caught up later)."""
    if today.weekday() < weekday:
        return None
    year, week, _day = today.isocalendar()
    return Occurrence(
        period=f"{year}-W{week:02d}",
        period_start=today - datetime.timedelta(days=today.weekday() - weekday),
    )


def waiting_occurrence(
    prefix: str, record_id: int, since: datetime.date, today: datetime.date, days: int
) -> Occurrence | None:
    """A decision waiting for more than ``days`` (a submission for its verifier, an extension
    request for its decider): the day after the threshold, then every ``days`` while it waits.
    Submitted on the 1st with 10 days: reminded on the 12th, the 22nd, ..."""
    days = max(1, days)
    elapsed = (today - since).days
    if elapsed <= days:
        return None
    count = (elapsed - 1) // days
    return Occurrence(
        period=f"{prefix}:{record_id}:{count}",
        period_start=since + datetime.timedelta(days=count * days + 1),
    )
