"""``{% item_rows items show_theme=True %}``: the rows of a list of action items, written in
Python with what every row shares (the column labels, the status labels, the item address's
prefix) computed once per list.

The HTML is ``recommendations/_item_row.html``'s, character for character (the template stays
the reference, and renders the lists of a few rows; ``tests/recommendations/test_item_rows.py``
compares the two for every state a row can show, in both languages). My work renders 25 rows,
where including the row template and its three partials per row was half of the page's CPU
(profile, issue 12).
"""

from collections.abc import Iterable

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from agencies.dates import local_date
from recommendations.links import item_address
from recommendations.models import ActionItem, Status

register = template.Library()


class _Labels:
    """The translated text every row shares, escaped once."""

    def __init__(self) -> None:
        escape = conditional_escape
        self.action_item = escape(gettext("Action item"))
        self.owner = escape(gettext("Owner"))
        self.assigned_to = escape(gettext("Assigned to"))
        self.status = escape(gettext("Status"))
        self.due = escape(gettext("Due"))
        self.progress = escape(gettext("Progress"))
        self.nobody = escape(pgettext("assignee", "Nobody"))
        self.no_date = escape(pgettext("date", "None"))
        self.overdue = escape(gettext("Overdue"))
        self.stale = escape(gettext("Stale"))
        self.discrepancy = escape(gettext("Discrepancy"))
        self.percent = gettext("%(percent)s%%")
        self.statuses = {value: escape(str(label)) for value, label in Status.choices}
        self.address = item_address()


def _flags(item: ActionItem, labels: _Labels) -> str:
    status = item.status
    blocked_icon = (
        '<span class="icon icon--alert" aria-hidden="true">!</span>' if status == "blocked" else ""
    )
    label = labels.statuses.get(status) or conditional_escape(item.get_status_display())
    overdue = (
        '<span class="flag flag--overdue"><span class="icon icon--alert" aria-hidden="true">!'
        f"</span>{labels.overdue}</span>"
        if item.is_overdue
        else ""
    )
    stale = f'<span class="flag flag--stale">{labels.stale}</span>' if item.is_stale else ""
    discrepancy = (
        f'<span class="flag flag--discrepancy">{labels.discrepancy}</span>'
        if item.is_discrepant
        else ""
    )
    return (
        f'\n<span class="status status--{conditional_escape(status)}">{blocked_icon}{label}'
        f"</span>\n{overdue}\n{stale}\n{discrepancy}\n"
    )


def _due(item: ActionItem, labels: _Labels) -> str:
    value = item.due_date
    if not value:
        return f'<span class="muted">{labels.no_date}</span>'
    return (
        f'<time datetime="{conditional_escape(date_filter(value, "Y-m-d"))}">'
        f"{conditional_escape(local_date(value))}</time>"
    )


def _percent(value: int, labels: _Labels) -> str:
    shown = conditional_escape(str(value))
    return (
        f'<span class="percent"><progress max="100" value="{shown}" aria-hidden="true">'
        f"</progress> {labels.percent % {'percent': shown}}</span>\n"
    )


def item_row(item: ActionItem, labels: _Labels, *, show_theme: bool) -> str:
    escape = conditional_escape
    classes = "item-row"
    if item.is_overdue:
        classes += " item-row--overdue"
    if item.status == "blocked":
        classes += " item-row--blocked"
    theme = ""
    if show_theme:
        theme = f'<span class="item-context">{escape(item.recommendation.theme.title)}</span>'
    agency = item.owner_agency
    assignee = (
        escape(item.assignee.display_name)
        if item.assignee
        else f'<span class="muted">{labels.nobody}</span>'
    )
    return (
        f'\n<tr class="{classes}">\n'
        f'  <td data-label="{labels.action_item}">\n'
        f'    <a class="item-link" href="{escape(labels.address(item.pk))}"><span class="reference">'
        f"{escape(item.reference)}</span> {escape(item.title)}</a>\n"
        f"    {theme}\n"
        "  </td>\n"
        f'  <td data-label="{labels.owner}"><abbr title="{escape(agency.name)}">'
        f"{escape(agency.local_acronym)}</abbr></td>\n"
        f'  <td data-label="{labels.assigned_to}">{assignee}</td>\n'
        f'  <td data-label="{labels.status}">{_flags(item, labels)}</td>\n'
        f'  <td data-label="{labels.due}" class="nowrap">{_due(item, labels)}</td>\n'
        f'  <td data-label="{labels.progress}">{_percent(item.percent_complete, labels)}</td>\n'
        "</tr>\n"
    )


@register.simple_tag
def item_rows(items: Iterable[ActionItem], show_theme: bool = False) -> SafeString:
    labels = _Labels()
    # Every value above is escaped where it is written.
    return mark_safe("".join(item_row(item, labels, show_theme=show_theme) for item in items))  # noqa: S308
