"""A token a web process has read is taken from its memory while the credentials version stands
still; every change to who may call, made by any path, moves the version in the same transaction,
so the next request reads the database again (issue 12: the token query was more than half of a
cached API read)."""

import datetime
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import Settings as DjangoSettings
from rest_framework.test import APIClient

from agencies.models import ApiToken, CredentialsVersion, Membership, User
from agencies.selectors import credentials_version
from agencies.services import api_token_authenticate, api_token_create, api_token_revoke
from tests.conftest import RoleMatrix
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.ui.helpers import signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
NEW_PASSWORD = "a-much-longer-passphrase-2026"


def api_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def me(client: APIClient) -> tuple[int, list[tuple[str, str]]]:
    response = client.get("/api/v1/me/")
    if response.status_code != 200:
        return response.status_code, []
    roles = [(row["agency"], row["role"]) for row in response.json()["memberships"]]
    return 200, sorted(roles)


def known_client(user: User) -> APIClient:
    """A client whose token this process has read (and so remembers)."""
    _token, key = api_token_create(user=user)
    client = api_client(key)
    assert me(client)[0] == 200
    with CaptureQueriesContext(connection) as queries:
        assert me(client)[0] == 200
    assert not any("agencies_apitoken" in query["sql"] for query in queries.captured_queries)
    return client


# Every path moves the version -----------------------------------------------------------------


def _token(roles: RoleMatrix) -> ApiToken:
    return api_token_create(user=roles.staff)[0]


def _password_set(user: User) -> None:
    user.set_password(NEW_PASSWORD)
    user.save()


def _raw_sql(statement: str) -> Callable[[RoleMatrix], None]:
    def run(roles: RoleMatrix) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, [roles.staff.pk])

    return run


CHANGES: dict[str, Callable[[RoleMatrix], object]] = {
    "a token created": _token,
    "a token revoked": lambda roles: api_token_revoke(user=roles.staff, token_id=_token(roles).pk),
    "tokens deleted by a queryset": lambda roles: ApiToken.objects.filter(
        user=roles.staff
    ).delete(),
    "a token re-keyed by a queryset": lambda roles: ApiToken.objects.filter(
        pk=_token(roles).pk
    ).update(digest="0" * 64),
    "a token given to someone else": lambda roles: ApiToken.objects.filter(user=roles.staff).update(
        user=roles.manager
    ),
    "a password set and saved": lambda roles: _password_set(roles.staff),
    "a deactivation by a queryset": lambda roles: User.objects.filter(pk=roles.staff.pk).update(
        is_active=False
    ),
    "a language changed by a queryset": lambda roles: User.objects.filter(pk=roles.staff.pk).update(
        language="fr"
    ),
    "a person deleted": lambda roles: roles.staff.delete(),
    "a membership added": lambda roles: MembershipFactory.create(
        user=roles.staff, agency=AgencyFactory.create()
    ),
    "a role changed by a queryset": lambda roles: Membership.objects.filter(
        user=roles.staff
    ).update(role=Membership.Role.MANAGER),
    "a membership removed": lambda roles: Membership.objects.filter(user=roles.staff).delete(),
    "a role changed in plain SQL": _raw_sql(
        "UPDATE agencies_membership SET role = 'manager' WHERE user_id = %s"
    ),
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_every_change_to_who_may_call_moves_the_credentials_version(
    roles: RoleMatrix, change: Callable[[RoleMatrix], object]
) -> None:
    _token(roles)  # so that there is a token to revoke, re-key or hand over
    before = credentials_version()
    change(roles)
    assert credentials_version() > before


def test_deleting_an_agency_with_members_moves_it(roles: RoleMatrix) -> None:
    agency = AgencyFactory.create()
    MembershipFactory.create(user=roles.staff, agency=agency)
    before = credentials_version()
    agency.delete()  # its memberships go with it, in a cascade
    assert credentials_version() > before


def test_recording_a_tokens_last_use_does_not_move_it(roles: RoleMatrix) -> None:
    token = _token(roles)
    before = credentials_version()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    UserFactory.create()  # a new person holds no token and no role yet
    assert credentials_version() == before


def test_the_version_counts_again_from_an_emptied_table(roles: RoleMatrix) -> None:
    # A test's flush empties every table: the triggers create the row again.
    CredentialsVersion.objects.all().delete()
    assert credentials_version() == 0
    _token(roles)
    assert CredentialsVersion.objects.get().value == 1


# Over HTTP: a known token answers to the change on the next request ------------------------------


def test_a_known_token_revoked_from_the_profile_is_refused_at_once(
    client: Client, roles: RoleMatrix
) -> None:
    api = known_client(roles.staff)
    web = signed_in(client, roles.staff)
    assert web.post(reverse("api_tokens_revoke_all")).status_code == 302
    assert me(api)[0] == 401


def test_a_password_change_refuses_a_known_token_at_once(client: Client, roles: RoleMatrix) -> None:
    api = known_client(roles.staff)
    web = signed_in(client, roles.staff)
    response = web.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert me(api)[0] == 401


def test_a_deactivation_that_skips_save_still_refuses_a_known_token(roles: RoleMatrix) -> None:
    api = known_client(roles.staff)
    User.objects.filter(pk=roles.staff.pk).update(is_active=False)  # no signal, no save()
    assert me(api)[0] == 401


def _reassign(api: APIClient, roles: RoleMatrix) -> int:
    """What only a manager (or a coordinator) may do: reassign the item."""
    roles.item.refresh_from_db()
    response = api.patch(
        f"/api/v1/action-items/{roles.item.pk}/",
        {"assignee": roles.manager.username},
        format="json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    return response.status_code


def test_a_role_changed_through_the_admin_acts_on_the_next_request(
    client: Client, roles: RoleMatrix
) -> None:
    api = known_client(roles.staff)
    assert _reassign(api, roles) == 403
    admin = signed_in(client, UserFactory.create(is_staff=True, is_superuser=True))
    membership = roles.staff.memberships.get()
    response = admin.post(
        reverse("admin:agencies_membership_change", args=[membership.pk]),
        {"user": roles.staff.pk, "agency": roles.owner.pk, "role": Membership.Role.MANAGER},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert me(api) == (200, [(roles.owner.acronym, "manager")])
    assert _reassign(api, roles) == 200


def test_a_queryset_role_change_acts_on_the_next_request(roles: RoleMatrix) -> None:
    api = known_client(roles.manager)
    assert me(api) == (200, [(roles.owner.acronym, "manager")])
    Membership.objects.filter(user=roles.manager).update(role=Membership.Role.STAFF)
    assert _reassign(api, roles) == 403


# Expiry and the record of last use stay with the database ----------------------------------------


def test_a_known_token_is_read_again_and_its_use_recorded_after_a_few_minutes(
    roles: RoleMatrix,
) -> None:
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        token, key = api_token_create(user=roles.staff)
        api = api_client(key)
        assert me(api)[0] == 200
        clock.shift(datetime.timedelta(minutes=6))
        assert me(api)[0] == 200
        token.refresh_from_db()
        assert token.last_used_at == start + datetime.timedelta(minutes=6)


def test_a_known_token_idle_for_longer_than_the_limit_expires(
    roles: RoleMatrix, settings: DjangoSettings
) -> None:
    settings.API_TOKEN_IDLE_DAYS = 30
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _token, key = api_token_create(user=roles.staff)
        api = api_client(key)
        assert me(api)[0] == 200
        clock.shift(datetime.timedelta(days=31))
        assert me(api)[0] == 401
        assert not ApiToken.objects.filter(user=roles.staff).exists()


def test_each_request_gets_its_own_person(roles: RoleMatrix) -> None:
    _token, key = api_token_create(user=roles.staff)
    first = api_token_authenticate(key=key)
    second = api_token_authenticate(key=key)
    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    assert first.user.pk == second.user.pk
    assert first.user is not second.user
    first.user.first_name = "Changed by one request"
    third = api_token_authenticate(key=key)
    assert third is not None
    assert third.user.first_name == roles.staff.first_name
