"""Who may do what. The web views, the API permissions, the admin and the services all ask here.

Each function takes the user's ``Roles`` (one query per request, see ``agencies.selectors``) so
that checking a whole page of items costs nothing more.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import Roles, user_roles

from .models import ActionItem, Recommendation


def roles_of(user: User | object) -> Roles:
    return user_roles(user)


def can_view_tracker(user: User | object) -> bool:
    """Members of any agency read everything: the work is shared across agencies."""
    roles = roles_of(user)
    return roles.sees_everything or bool(roles.member_of)


def _supporting_agency_ids(item: ActionItem) -> set[int]:
    # Uses the prefetched supporting agencies when the caller loaded them.
    return {agency.pk for agency in item.recommendation.supporting_agencies.all()}


def can_record_progress(user: User | object, item: ActionItem) -> bool:
    """Change status and percent: staff, managers of the owner agency, and coordinators."""
    roles = roles_of(user)
    return roles.sees_everything or item.owner_agency_id in roles.member_of


def can_add_note(user: User | object, item: ActionItem) -> bool:
    """Supporting agencies (and the lead agency) may add a note without changing anything."""
    roles = roles_of(user)
    if can_record_progress(user, item):
        return True
    related = {item.recommendation.lead_agency_id} | _supporting_agency_ids(item)
    return bool(roles.member_of & related)


def can_assign(user: User | object, item: ActionItem) -> bool:
    """Assign and re-date: managers of the owner agency, and coordinators."""
    roles = roles_of(user)
    return roles.sees_everything or item.owner_agency_id in roles.manager_of


can_change_due_date = can_assign


def can_edit_item_definition(user: User | object, item: ActionItem | None = None) -> bool:
    """Create and edit recommendations and action items (titles, owners, agencies)."""
    return roles_of(user).sees_everything


def can_edit_recommendation(
    user: User | object, recommendation: Recommendation | None = None
) -> bool:
    return roles_of(user).sees_everything


def can_publish(user: User | object, recommendation: Recommendation | None = None) -> bool:
    """Publish and unpublish on the public progress page: coordinators only."""
    return roles_of(user).sees_everything


def check_publish(user: User | object, recommendation: Recommendation | None = None) -> None:
    """Raise PermissionDenied, saying why, unless ``user`` may publish (one message everywhere)."""
    if not can_publish(user, recommendation):
        raise PermissionDenied(_("Only coordinators may publish or unpublish recommendations."))


def can_be_assigned(assignee: User, item: ActionItem) -> bool:
    """An item may be assigned only to an active member of its owner agency."""
    return assignee.is_active and item.owner_agency_id in user_roles(assignee).member_of


def can_watch(user: User | object, item: ActionItem) -> bool:
    return can_view_tracker(user)


def can_view_reports(user: User | object) -> bool:
    """Progress reports: coordinators (every agency), managers and staff (their agencies).

    Staff read the same report as their manager: it only counts work that every member can
    already read in the tracker, and a team that sees its own figures fixes them sooner.
    Someone with no membership (an outsider) is refused: the readers of the tracker itself.
    """
    return can_view_tracker(user)


def report_scope(user: User | object) -> frozenset[int] | None:
    """The agencies whose work a user's report covers; ``None`` means every agency.

    A report for agencies A covers the items they own and the items of the recommendations they
    lead or support (see ``reports.selectors.report_summary``). Call ``can_view_reports`` first:
    an outsider's scope is empty, not everything.
    """
    roles = roles_of(user)
    if roles.sees_everything:
        return None
    return roles.member_of


# Which rule governs each writable field of an action item. The API asks before it parses a body,
# so a caller learns that a field is not theirs to write (403) before anything about its value.
_FIELD_RULES = {
    "status": can_record_progress,
    "percent_complete": can_record_progress,
    "due_date": can_assign,
    "assignee": can_assign,
    "note": can_add_note,
}


def action_item_writable_fields(user: User | object, item: ActionItem) -> frozenset[str]:
    """The fields of ``item`` that ``user`` may write: a subset of status, percent_complete,
    due_date, assignee and note."""
    return frozenset(name for name, rule in _FIELD_RULES.items() if rule(user, item))


def can_see_contact_details(viewer: User | object, person: User) -> bool:
    """A person's email is shown to themselves, to colleagues of one of their agencies, and to
    coordinators. Reads the person's memberships, so prefetch them when listing people."""
    roles = roles_of(viewer)
    if roles.sees_everything or getattr(viewer, "pk", None) == person.pk:
        return True
    person_agency_ids = {membership.agency_id for membership in person.memberships.all()}
    return bool(roles.member_of & person_agency_ids)
