"""Who may do what. The web views, the API permissions, the admin and the services all ask here.

Each function takes the user's ``Roles`` (one query per request, see ``agencies.selectors``) so
that checking a whole page of items costs nothing more.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.policies import can_see_contact_details, can_view_tracker, roles_of
from agencies.selectors import user_roles

from .models import ActionItem, Recommendation

__all__ = ["can_see_contact_details", "can_view_tracker", "roles_of"]


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


def can_be_assigned(assignee: User, item: ActionItem) -> bool:
    """An item may be assigned only to an active member of its owner agency."""
    return assignee.is_active and item.owner_agency_id in user_roles(assignee).member_of


def can_watch(user: User | object, item: ActionItem) -> bool:
    return can_view_tracker(user)


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


# Refusals: each rule's message is written once, here. ``require_*`` raises Django's
# ``PermissionDenied(message)``; services call them, and web views and the API only translate the
# exception into a 403 page or a DRF 403 carrying the same message.


def refusal_record_progress(item: ActionItem) -> str:
    return _(
        "Only the owner agency (%(agency)s) and coordinators may change this item's status."
    ) % {"agency": item.owner_agency.acronym}


def refusal_assign(item: ActionItem) -> str:
    return _("Only managers of %(agency)s and coordinators may assign or re-date this item.") % {
        "agency": item.owner_agency.acronym
    }


def refusal_add_note() -> str:
    return _("Only the agencies working on this recommendation may add notes to this item.")


def require_record_progress(user: User | object, item: ActionItem) -> None:
    if not can_record_progress(user, item):
        raise PermissionDenied(refusal_record_progress(item))


def require_add_note(user: User | object, item: ActionItem) -> None:
    if not can_add_note(user, item):
        raise PermissionDenied(refusal_add_note())


def require_assign(user: User | object, item: ActionItem) -> None:
    if not can_assign(user, item):
        raise PermissionDenied(refusal_assign(item))


def require_add_action_item(user: User | object, recommendation: Recommendation | None) -> None:
    if not can_edit_recommendation(user, recommendation):
        raise PermissionDenied(_("Only coordinators may add action items."))


def require_edit_item_definition(user: User | object, item: ActionItem | None) -> None:
    if not can_edit_item_definition(user, item):
        raise PermissionDenied(_("Only coordinators may edit action items."))


def require_create_recommendation(user: User | object) -> None:
    if not can_edit_recommendation(user):
        raise PermissionDenied(_("Only coordinators may create recommendations."))


def require_edit_recommendation(user: User | object, recommendation: Recommendation) -> None:
    if not can_edit_recommendation(user, recommendation):
        raise PermissionDenied(_("Only coordinators may edit recommendations."))


def require_writable_fields(user: User | object, item: ActionItem, fields: set[str]) -> None:
    """PermissionDenied naming the first rule that refuses one of ``fields`` (workflow fields
    and ``note``), in the order status/percent, due date/assignee, note."""
    refused = set(fields) - action_item_writable_fields(user, item)
    if refused & {"status", "percent_complete"}:
        raise PermissionDenied(refusal_record_progress(item))
    if refused & {"due_date", "assignee"}:
        raise PermissionDenied(refusal_assign(item))
    if refused:
        raise PermissionDenied(refusal_add_note())
