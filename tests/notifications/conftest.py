"""A small world for reminder tests: one agency with a manager and two staff, a coordinator."""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Agency, Membership, User
from recommendations.models import ActionItem
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    MembershipFactory,
    RecommendationFactory,
    UserFactory,
)


def at(day: datetime.date | str, hour: int = 8) -> datetime.datetime:
    """An aware moment on ``day`` at ``hour`` local time (America/Toronto)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    manager: User
    alice: User
    bob: User
    coordinator: User

    def item(self, *, due: str, assignee: User | None = None, **kwargs: Any) -> ActionItem:
        """An item of the agency; its last update ten days before its due date unless given."""
        due_date = datetime.date.fromisoformat(due)
        kwargs.setdefault("last_progress_at", at(due_date - datetime.timedelta(days=10), 9))
        recommendation = RecommendationFactory.create(lead_agency=self.agency)
        return ActionItemFactory.create(
            recommendation=recommendation,
            owner_agency=self.agency,
            assignee=assignee,
            due_date=due_date,
            **kwargs,
        )


@pytest.fixture
def world(db: None) -> World:
    agency = AgencyFactory.create(acronym="RCMP")
    other = AgencyFactory.create(acronym="CBSA")
    secretariat = AgencyFactory.create(acronym="PSC")

    def member(username: str, where: Agency, role: str, language: str = "en") -> User:
        user = UserFactory.create(username=username, first_name=username.title(), last_name="Test")
        user.language = language
        user.save(update_fields=["language"])
        MembershipFactory.create(user=user, agency=where, role=role)
        return user

    return World(
        agency=agency,
        other_agency=other,
        manager=member("manager", agency, Membership.Role.MANAGER, "fr"),
        alice=member("alice", agency, Membership.Role.STAFF),
        bob=member("bob", agency, Membership.Role.STAFF),
        coordinator=member("coordinator", secretariat, Membership.Role.COORDINATOR),
    )
