from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from apis.versions import version_read

from .models import Agency, ApiToken, CredentialsVersion, Membership, User


@dataclass(frozen=True)
class Roles:
    """What one user is, across all their agencies. Loaded once per request (one query)."""

    member_of: frozenset[int] = field(default_factory=frozenset)
    manager_of: frozenset[int] = field(default_factory=frozenset)
    is_coordinator: bool = False
    is_superuser: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.is_coordinator or self.is_superuser


_ROLES_CACHE_ATTRIBUTE = "_tracker_roles"


def credentials_version() -> int:
    """The current credentials version (see ``CredentialsVersion``): one primary-key read."""
    return version_read(CredentialsVersion)


def user_roles(user: object) -> Roles:
    """The roles of ``user``, memoised on the user object so a request asks the database once.

    Anyone who is not a signed-in User (AnonymousUser, None) has no role.
    """
    if not isinstance(user, User) or not user.is_authenticated:
        return Roles()
    cached: Roles | None = getattr(user, _ROLES_CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    memberships = Membership.objects.filter(user_id=user.pk)
    return user_roles_remember(user, memberships.values_list("agency_id", "role"))


def user_roles_remember(user: User, memberships: Iterable[tuple[int | None, str | None]]) -> Roles:
    """The roles given by ``memberships`` (agency id and role pairs; a pair of None is no
    membership, as a left join gives it), memoised on ``user`` as ``user_roles`` does. The API's
    token lookup reads them in its own query (``services.api_token_authenticate``)."""
    member_of: set[int] = set()
    manager_of: set[int] = set()
    is_coordinator = False
    for agency_id, role in memberships:
        if agency_id is None:
            continue
        member_of.add(agency_id)
        if role == Membership.Role.MANAGER:
            manager_of.add(agency_id)
        elif role == Membership.Role.COORDINATOR:
            is_coordinator = True
    roles = Roles(
        member_of=frozenset(member_of),
        manager_of=frozenset(manager_of),
        is_coordinator=is_coordinator,
        is_superuser=user.is_superuser,
    )
    setattr(user, _ROLES_CACHE_ATTRIBUTE, roles)
    return roles


def user_roles_forget(user: User) -> None:
    """Drop the memoised roles, after a membership of ``user`` changed."""
    if hasattr(user, _ROLES_CACHE_ATTRIBUTE):
        delattr(user, _ROLES_CACHE_ATTRIBUTE)


def agency_list() -> QuerySet[Agency]:
    return Agency.objects.order_by("acronym")


def agency_members(*, agency: Agency, roles: list[str] | None = None) -> QuerySet[User]:
    """Active users with a membership in ``agency`` (optionally only some roles)."""
    memberships = Membership.objects.filter(agency=agency)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return (
        User.objects.filter(is_active=True, memberships__in=memberships)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def user_directory() -> QuerySet[User]:
    """Active people who belong to at least one agency, each with their memberships and agencies
    prefetched (two queries, however many people)."""
    return (
        User.objects.filter(Exists(Membership.objects.filter(user=OuterRef("pk"))), is_active=True)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("agency").order_by("agency__acronym"),
            )
        )
        .order_by("username")
    )


def user_memberships(*, user: User) -> QuerySet[Membership]:
    """The user's memberships with their agencies, by acronym (one query)."""
    return Membership.objects.filter(user=user).select_related("agency").order_by("agency__acronym")


def user_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    """The person's live API tokens, newest first (an idle-expired one is not live)."""
    since = timezone.now() - timedelta(days=settings.API_TOKEN_IDLE_DAYS)
    return ApiToken.objects.filter(user=user, last_used_at__gte=since)
