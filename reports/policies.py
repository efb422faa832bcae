"""Who may read which report."""

from agencies.models import User
from agencies.policies import can_view_tracker, roles_of


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
