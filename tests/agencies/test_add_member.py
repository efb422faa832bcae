import pytest
from django.core.management import CommandError, call_command

from agencies.models import Membership, User
from agencies.selectors import user_roles
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_add_member_creates_the_user_and_gives_the_role() -> None:
    AgencyFactory.create(acronym="RCMP")
    call_command(
        "add_member",
        "jdoe",
        "--agency",
        "rcmp",
        "--role",
        "manager",
        "--email",
        "jdoe@example.gc.ca",
        "--password",
        "s3cret-pass",
        "--language",
        "fr",
    )
    user = User.objects.get(username="jdoe")
    assert user.check_password("s3cret-pass")
    assert (user.email, user.language) == ("jdoe@example.gc.ca", "fr")
    assert user.memberships.get().role == Membership.Role.MANAGER


def test_add_member_again_changes_the_role_and_keeps_the_password() -> None:
    agency = AgencyFactory.create(acronym="CBSA")
    call_command(
        "add_member", "jdoe", "--agency", "CBSA", "--role", "staff", "--password", "pw-one-1"
    )
    call_command("add_member", "jdoe", "--agency", "CBSA", "--role", "coordinator")
    user = User.objects.get(username="jdoe")
    assert user.check_password("pw-one-1")
    assert Membership.objects.get(user=user, agency=agency).role == "coordinator"
    assert user_roles(User.objects.get(pk=user.pk)).is_coordinator


def test_a_user_may_belong_to_several_agencies() -> None:
    AgencyFactory.create(acronym="HC")
    AgencyFactory.create(acronym="PSC")
    call_command("add_member", "amy", "--agency", "HC", "--role", "staff")
    call_command("add_member", "amy", "--agency", "PSC", "--role", "manager")
    roles = user_roles(User.objects.get(username="amy"))
    assert len(roles.member_of) == 2
    assert len(roles.manager_of) == 1


def test_unknown_agency_is_a_clear_error() -> None:
    AgencyFactory.create(acronym="RCMP")
    with pytest.raises(CommandError, match=r"No agency 'XYZ'\. Known acronyms: RCMP"):
        call_command("add_member", "jdoe", "--agency", "XYZ", "--role", "staff")
    assert not User.objects.exists()
