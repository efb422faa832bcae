"""Calendar quarters ("2026Q4"), their bounds in the site's time zone, and when their report is
due: the first working day of the next quarter (weekends and Canadian statutory holidays off)."""

import datetime
import re
from dataclasses import dataclass
from functools import cache

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return _("Q%(number)d %(year)d") % {"number": self.number, "year": self.year}

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    @property
    def start(self) -> datetime.datetime:
        return _local_midnight(self.first_day)

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the quarter (exclusive bound)."""
        return self.next().start

    def next(self) -> "Quarter":
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def has_ended(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.end

    @classmethod
    def containing(cls, day: datetime.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def quarter_parse(text: str) -> Quarter:
    """``2026Q4`` → Quarter; ValidationError with a clear message otherwise."""
    match = _QUARTER.match((text or "").strip().upper())
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a quarter: write the year, Q and the quarter, e.g. 2026Q4.")
            % {"value": text}
        )
    return Quarter(int(match[1]), int(match[2]))


def quarter_ended(text: str, now: datetime.datetime | None = None) -> Quarter:
    """The quarter named by ``text``, which must have ended (its report needs its last moment)."""
    quarter = quarter_parse(text)
    if not quarter.has_ended(now):
        raise ValidationError(
            _("%(quarter)s has not ended yet: its report can be produced from %(day)s.")
            % {"quarter": quarter, "day": quarter.next().first_day.isoformat()}
        )
    return quarter


@cache
def _holidays(subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays("CA", subdiv=subdivision or None)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(settings.REMINDER_HOLIDAYS_SUBDIVISION)


def report_day(quarter: Quarter) -> datetime.date:
    """The day the report of ``quarter`` is due: the first working day after it ends."""
    day = quarter.next().first_day
    for _attempt in range(31):  # bounded: a month always has a working day
        if is_working_day(day):
            return day
        day += datetime.timedelta(days=1)
    return day


# A scheduler that was stopped on the report day catches up during this many days; later, an
# operator runs the command (a fresh install does not mail out last quarter's report unasked).
CATCH_UP_DAYS = 14


def quarter_due(now: datetime.datetime | None = None) -> Quarter | None:
    """The quarter whose report is due at ``now``: the one just ended, from its report day and
    for CATCH_UP_DAYS after it."""
    today = timezone.localdate(now or timezone.now())
    previous = Quarter.containing(today).previous()
    first = report_day(previous)
    return previous if first <= today <= first + datetime.timedelta(days=CATCH_UP_DAYS) else None
