"""Dates as people read them, in the active language: the one place that writes them for pages,
emails, exports and documents alike.

Django's French formats write the first of a month as « 1 octobre »; French writes it as an
ordinal, « 1er octobre » (Translation Bureau), which no date format character can say.
"""

import datetime

from django.utils import formats, timezone, translation


def local_date(value: datetime.date | None, format_name: str = "DATE_FORMAT") -> str:
    """``value`` in the active language's ``format_name`` ("DATE_FORMAT" or "DATETIME_FORMAT"),
    an aware datetime in the site's time zone first; "" for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = formats.date_format(value, format_name)
    language = translation.get_language() or ""
    if value.day == 1 and language.startswith("fr") and text.startswith("1 "):
        text = "1er " + text[2:]
    return text
