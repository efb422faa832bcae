"""Who may do what, when only a person's roles decide (no tracker object involved).

``recommendations.policies`` builds its rules on these and re-exports them.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy

from agencies.models import User
from agencies.selectors import Roles, user_roles


def roles_of(user: User | object) -> Roles:
    return user_roles(user)


def can_view_tracker(user: User | object) -> bool:
    """Members of any agency read everything: the work is shared across agencies."""
    roles = roles_of(user)
    return roles.sees_everything or bool(roles.member_of)


# The one refusal of ``can_view_tracker``: the web pages' 403 and the API's 403 both say this.
NOT_A_MEMBER_YET = gettext_lazy(
    "Your account is not a member of any agency yet, so the tracker has nothing "
    "to show you. Ask your coordinator to add you to your agency."
)


def require_view_tracker(user: User | object) -> None:
    if not can_view_tracker(user):
        raise PermissionDenied(str(NOT_A_MEMBER_YET))


def can_see_contact_details(viewer: User | object, person: User) -> bool:
    """A person's email is shown to themselves, to colleagues of one of their agencies, and to
    coordinators. Reads the person's memberships, so prefetch them when listing people."""
    roles = roles_of(viewer)
    if roles.sees_everything or getattr(viewer, "pk", None) == person.pk:
        return True
    person_agency_ids = {membership.agency_id for membership in person.memberships.all()}
    return bool(roles.member_of & person_agency_ids)
