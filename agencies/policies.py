"""Who may do what, when only a person's roles decide (no tracker object involved).

``recommendations.policies`` builds its rules on these and re-exports them.
"""

from agencies.models import User
from agencies.selectors import Roles, user_roles


def roles_of(user: User | object) -> Roles:
    return user_roles(user)


def can_view_tracker(user: User | object) -> bool:
    """Members of any agency read everything: the work is shared across agencies."""
    roles = roles_of(user)
    return roles.sees_everything or bool(roles.member_of)


def can_see_contact_details(viewer: User | object, person: User) -> bool:
    """A person's email is shown to themselves, to colleagues of one of their agencies, and to
    coordinators. Reads the person's memberships, so prefetch them when listing people."""
    roles = roles_of(viewer)
    if roles.sees_everything or getattr(viewer, "pk", None) == person.pk:
        return True
    person_agency_ids = {membership.agency_id for membership in person.memberships.all()}
    return bool(roles.member_of & person_agency_ids)
