"""Who may do what. The web views, the API permissions, the admin and the services all ask here.

Each function takes the user's ``Roles`` (one query per request, see ``agencies.selectors``) so
that checking a whole page of items costs nothing more.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.policies import (
    can_see_contact_details,
    can_view_tracker,
    require_view_tracker,
    roles_of,
)
from agencies.selectors import user_roles

from .accountability import policies as accountability
from .models import ActionItem, Recommendation, Status

__all__ = ["can_see_contact_details", "can_view_tracker", "require_view_tracker", "roles_of"]


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


def can_manage_item(user: User | object, item: ActionItem) -> bool:
    """Decisions about the item itself (cancel, reopen): managers of the owner agency and
    coordinators."""
    roles = roles_of(user)
    return roles.sees_everything or item.owner_agency_id in roles.manager_of


def can_change_due_date(user: User | object, item: ActionItem) -> bool:
    """Re-date directly: coordinators only, who own the plan. Everyone else asks for an
    extension (``accountability.can_request_extension``), so every slip is requested, decided
    by someone else and counted."""
    return roles_of(user).sees_everything


# Status transitions -----------------------------------------------------------------------------


class Via:
    """The one path through which a transition is made."""

    CHANGE = "change"  # a progress update or PATCH (services.action_item_change)
    SUBMISSION = "submission"  # submitting for verification with evidence
    VERIFICATION = "verification"  # a verifier's accept or return


@dataclass(frozen=True)
class Transition:
    may: Callable[[User | object, ActionItem], bool]
    via: str = Via.CHANGE
    needs_reason: bool = False


_WORK = Transition(can_record_progress)
_SUBMIT = Transition(accountability.can_submit_for_verification, via=Via.SUBMISSION)
_DECISION = Transition(can_manage_item, needs_reason=True)

# Every allowed status transition, who may make it, through which path, and whether it needs a
# reason. Anything not in this table is refused on every path (form, API, admin, commands).
#
#   not_started ⇄ in_progress ⇄ blocked ⇄ not_started       owner agency (staff, managers)
#   not_started | in_progress | blocked → awaiting_verification   by submission with evidence
#   awaiting_verification → completed (accept) | in_progress (return, with a reason)   verifier
#   any open status → cancelled                       manager or coordinator, with a reason
#   completed | cancelled → in_progress (reopen)      manager or coordinator, with a reason
#   cancelled → not_started (reopen)                  manager or coordinator, with a reason
S = Status
STATUS_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.NOT_STARTED, S.IN_PROGRESS): _WORK,
    (S.NOT_STARTED, S.BLOCKED): _WORK,
    (S.IN_PROGRESS, S.NOT_STARTED): _WORK,
    (S.IN_PROGRESS, S.BLOCKED): _WORK,
    (S.BLOCKED, S.IN_PROGRESS): _WORK,
    (S.BLOCKED, S.NOT_STARTED): _WORK,
    (S.NOT_STARTED, S.AWAITING_VERIFICATION): _SUBMIT,
    (S.IN_PROGRESS, S.AWAITING_VERIFICATION): _SUBMIT,
    (S.BLOCKED, S.AWAITING_VERIFICATION): _SUBMIT,
    (S.AWAITING_VERIFICATION, S.COMPLETED): Transition(
        accountability.can_verify, via=Via.VERIFICATION
    ),
    (S.AWAITING_VERIFICATION, S.IN_PROGRESS): Transition(
        accountability.can_verify, via=Via.VERIFICATION, needs_reason=True
    ),
    (S.NOT_STARTED, S.CANCELLED): _DECISION,
    (S.IN_PROGRESS, S.CANCELLED): _DECISION,
    (S.BLOCKED, S.CANCELLED): _DECISION,
    (S.AWAITING_VERIFICATION, S.CANCELLED): _DECISION,
    (S.COMPLETED, S.IN_PROGRESS): _DECISION,
    (S.CANCELLED, S.IN_PROGRESS): _DECISION,
    (S.CANCELLED, S.NOT_STARTED): _DECISION,
}
del S


def status_transition(before: str, after: str) -> Transition | None:
    """The rule for moving an item from ``before`` to ``after``; None if it is not allowed."""
    return STATUS_TRANSITIONS.get((before, after))


def status_choices_for(user: User | object, item: ActionItem) -> list[str]:
    """The statuses ``user`` may set on ``item`` with a progress update (its own first)."""
    return [item.status] + [
        after
        for (before, after), rule in STATUS_TRANSITIONS.items()
        if before == item.status and rule.via == Via.CHANGE and rule.may(user, item)
    ]


def can_confirm_past_due_date(user: User | object, item: ActionItem | None = None) -> bool:
    """Set a due date in the past (a new item or a re-date), confirming it explicitly:
    coordinators only, who record history agreed elsewhere."""
    return roles_of(user).sees_everything


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


# Which rule governs each writable field of an action item. The API asks before it parses a body,
# so a caller learns that a field is not theirs to write (403) before anything about its value.
_FIELD_RULES = {
    "status": can_record_progress,
    "percent_complete": can_record_progress,
    "due_date": can_change_due_date,
    "assignee": can_assign,
    "note": can_add_note,
    "confirm_past_due_date": can_confirm_past_due_date,
}


def action_item_writable_fields(user: User | object, item: ActionItem) -> frozenset[str]:
    """The fields of ``item`` that ``user`` may write: a subset of status, percent_complete,
    due_date, assignee, note and confirm_past_due_date."""
    return frozenset(name for name, rule in _FIELD_RULES.items() if rule(user, item))


# Refusals: each rule's message is written once, here. ``require_*`` raises Django's
# ``PermissionDenied(message)``; services call them, and web views and the API only translate the
# exception into a 403 page or a DRF 403 carrying the same message.


def refusal_record_progress(item: ActionItem) -> str:
    return _(
        "Only the owner agency (%(agency)s) and coordinators may change this item's status."
    ) % {"agency": item.owner_agency.local_acronym}


def refusal_assign(item: ActionItem) -> str:
    return _("Only managers of %(agency)s and coordinators may assign this item.") % {
        "agency": item.owner_agency.local_acronym
    }


def refusal_manage_item(item: ActionItem) -> str:
    return _("Only managers of %(agency)s and coordinators may cancel or reopen this item.") % {
        "agency": item.owner_agency.local_acronym
    }


def refusal_change_due_date() -> str:
    return _(
        "Only coordinators change a due date directly; request an extension instead, "
        "and it is decided by someone else."
    )


def require_change_due_date(user: User | object, item: ActionItem) -> None:
    if not can_change_due_date(user, item):
        raise PermissionDenied(refusal_change_due_date())


def refusal_add_note() -> str:
    return _("Only the agencies working on this recommendation may add notes to this item.")


def refusal_confirm_past_due_date() -> str:
    return _("Only coordinators may set a due date in the past.")


def require_confirm_past_due_date(user: User | object, item: ActionItem | None = None) -> None:
    if not can_confirm_past_due_date(user, item):
        raise PermissionDenied(refusal_confirm_past_due_date())


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
    """PermissionDenied naming the first rule that refuses one of ``fields`` (workflow fields,
    ``note`` and ``confirm_past_due_date``), in the order status/percent, due date/assignee,
    past-date confirmation, note."""
    refused = set(fields) - action_item_writable_fields(user, item)
    if refused & {"status", "percent_complete"}:
        raise PermissionDenied(refusal_record_progress(item))
    if "assignee" in refused:
        raise PermissionDenied(refusal_assign(item))
    if "due_date" in refused:
        raise PermissionDenied(refusal_change_due_date())
    if "confirm_past_due_date" in refused:
        raise PermissionDenied(refusal_confirm_past_due_date())
    if refused:
        raise PermissionDenied(refusal_add_note())
