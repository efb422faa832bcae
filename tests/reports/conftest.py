import pytest

from agencies.models import Agency, Membership, User
from tests.factories import AgencyFactory, MembershipFactory, UserFactory


@pytest.fixture
def coordinator(db: None) -> User:
    secretariat = AgencyFactory(acronym="PSC", name_en="Public Safety Canada")
    return MembershipFactory(
        user=UserFactory(username="report-coordinator"),
        agency=secretariat,
        role=Membership.Role.COORDINATOR,
    ).user


def member_of(username: str, role: str, *agencies: Agency) -> User:
    user = UserFactory(username=username)
    for agency in agencies:
        MembershipFactory(user=user, agency=agency, role=role)
    return user
