import pytest

from agencies.models import Agency, Membership, User
from tests.factories import AgencyFactory, MembershipFactory, UserFactory


@pytest.fixture
def coordinator(db: None) -> User:
    secretariat = AgencyFactory.create(acronym="PSC", name_en="Public Safety Canada")
    return MembershipFactory.create(
        user=UserFactory.create(username="report-coordinator"),
        agency=secretariat,
        role=Membership.Role.COORDINATOR,
    ).user


def member_of(username: str, role: str, *agencies: Agency) -> User:
    user = UserFactory.create(username=username)
    for agency in agencies:
        MembershipFactory.create(user=user, agency=agency, role=role)
    return user
