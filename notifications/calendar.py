"""The private iCalendar feed: one all-day event per open item on its due date."""

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from agencies.models import User

from . import emails, selectors


def calendar_feed(user: User) -> bytes:
    """The user's items and their agencies' items, in the user's language. Two queries."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "localhost"
    stamp = timezone.now()
    with translation.override(user.language or settings.LANGUAGE_CODE):
        feed = Calendar()
        feed.add("prodid", "-//Recommendations tracker//EN")
        feed.add("version", "2.0")
        feed.add("calscale", "GREGORIAN")
        feed.add("x-wr-calname", _("Action items due"))
        feed.add("x-published-ttl", "PT1H")
        for item in selectors.calendar_items(user):
            event = Event()
            event.add("uid", f"action-item-{item.pk}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", item.due_date)
            event.add("dtend", item.due_date + datetime.timedelta(days=1))
            event.add(
                "summary",
                _("Due: %(reference)s %(title)s")
                % {"reference": item.reference, "title": item.title},
            )
            assignee = item.assignee.display_name if item.assignee else _("nobody")
            event.add(
                "description",
                _("%(agency)s · %(status)s · %(percent)s%% · assigned to %(assignee)s")
                % {
                    "agency": item.owner_agency.local_acronym,
                    "status": item.get_status_display(),
                    "percent": item.percent_complete,
                    "assignee": assignee,
                }
                + "\n"
                + emails.item_url(item),
            )
            event.add("url", emails.item_url(item))
            event.add("transp", "TRANSPARENT")
            feed.add_component(event)
    return feed.to_ical()
