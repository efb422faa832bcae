"""Who may submit, verify, request and decide extensions, and assess.

Verifiers are the coordinators (the secretariat). The secretariat answers for these commitments to
the roundtable, so it must always be able to verify; a per-agency ``verifier`` role would let an
agency sign off its own work, which is the very thing verification exists to prevent. A
coordinator who submitted an item cannot verify it: another coordinator must.

Each ``*_refusal`` function returns the one message that says why ``user`` may not act (or None);
each ``require_*`` raises Django's ``PermissionDenied`` with that message. The services call the
``require_*`` functions; the pages show the 403 page with the message, and the API answers 403
with it (``recommendations.api.exceptions``). The pages ask the ``can_*`` functions only to decide
which forms to show.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import user_roles

from ..models import ActionItem
from .models import ExtensionRequest, Submission


def can_submit_for_verification(user: User | object, item: ActionItem) -> bool:
    """Staff and managers of the owner agency, and coordinators."""
    roles = user_roles(user)
    return roles.sees_everything or item.owner_agency_id in roles.member_of


def submission_refusal(item: ActionItem) -> str:
    return _("Only the owner agency (%(agency)s) and coordinators may submit this item.") % {
        "agency": item.owner_agency.local_acronym
    }


def require_submit_for_verification(user: User | object, item: ActionItem) -> None:
    if not can_submit_for_verification(user, item):
        raise PermissionDenied(submission_refusal(item))


def can_verify(user: User | object, item: ActionItem | None = None) -> bool:
    return user_roles(user).sees_everything


def verifier_refusal() -> str:
    return _("Only coordinators may verify a submission.")


def require_verify(
    user: User | object, item: ActionItem | None = None, submission: Submission | None = None
) -> None:
    """Refuse anyone but a verifier, and (given the pending submission) its submitter."""
    refusal = (
        verification_refusal(user, submission)
        if submission is not None
        else (None if can_verify(user, item) else verifier_refusal())
    )
    if refusal:
        raise PermissionDenied(refusal)


def verification_refusal(user: User | object, submission: Submission) -> str | None:
    if not can_verify(user, submission.action_item):
        return verifier_refusal()
    if submission.submitted_by_id is not None and submission.submitted_by_id == getattr(
        user, "pk", None
    ):
        return _("You submitted this item; another coordinator must verify it.")
    return None


def can_view_evidence(user: User | object, item: ActionItem) -> bool:
    """Evidence is read like the rest of the tracker: by members of any agency."""
    roles = user_roles(user)
    return roles.sees_everything or bool(roles.member_of)


def require_view_evidence(user: User | object, item: ActionItem) -> None:
    if not can_view_evidence(user, item):
        raise PermissionDenied(_("You may not see the evidence of this item."))


def can_withdraw_evidence(user: User | object, item: ActionItem) -> bool:
    """Evidence is part of the record: only the secretariat withdraws a file, with a reason."""
    return user_roles(user).sees_everything


def require_withdraw_evidence(user: User | object, item: ActionItem) -> None:
    if not can_withdraw_evidence(user, item):
        raise PermissionDenied(_("Only coordinators may withdraw evidence."))


def can_request_extension(user: User | object, item: ActionItem) -> bool:
    """Staff and managers of the owner agency (coordinators re-date directly)."""
    return item.owner_agency_id in user_roles(user).member_of


def require_request_extension(user: User | object, item: ActionItem) -> None:
    if not can_request_extension(user, item):
        raise PermissionDenied(
            _("Only staff and managers of %(agency)s may request an extension of this item.")
            % {"agency": item.owner_agency.local_acronym}
        )


def can_decide_extension(user: User | object, item: ActionItem) -> bool:
    """A coordinator, or a manager of the recommendation's lead agency when it is not the owner
    agency: the lead answers for the recommendation as a whole, but an owner agency's manager
    does not approve their own agency's slip."""
    roles = user_roles(user)
    if roles.sees_everything:
        return True
    lead_id = item.recommendation.lead_agency_id
    return lead_id != item.owner_agency_id and lead_id in roles.manager_of


def extension_decision_refusal(user: User | object, request: ExtensionRequest) -> str | None:
    if not can_decide_extension(user, request.action_item):
        return _(
            "Only coordinators, or managers of the lead agency when it is not the owner agency, "
            "may decide an extension request."
        )
    if request.requested_by_id == getattr(user, "pk", None):
        return _("You asked for this extension; someone else must decide it.")
    return None


def require_decide_extension(user: User | object, request: ExtensionRequest) -> None:
    refusal = extension_decision_refusal(user, request)
    if refusal:
        raise PermissionDenied(refusal)


def can_assess(user: User | object, item: ActionItem | None = None) -> bool:
    """Independent assessments are the secretariat's."""
    return user_roles(user).sees_everything


def require_assess(user: User | object, item: ActionItem) -> None:
    if not can_assess(user, item):
        raise PermissionDenied(_("Only coordinators may assess an item."))
