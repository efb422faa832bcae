"""``long_date`` and ``long_datetime``: every template writes a date people read through
``agencies.dates.local_date`` (a builtin library, see TEMPLATES in the settings)."""

import datetime

from django import template

from agencies.dates import local_date

register = template.Library()


@register.filter(expects_localtime=False)
def long_date(value: datetime.date | None) -> str:
    return local_date(value)


@register.filter(expects_localtime=False)
def long_datetime(value: datetime.datetime | None) -> str:
    return local_date(value, "DATETIME_FORMAT")
