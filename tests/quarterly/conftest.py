"""A quarter of history: items created, completed, re-dated and blocked during 2026Q3, recorded
through the services at the moments they happened (time-machine)."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from pytest_django import Settings as DjangoSettings

from agencies.models import Agency, Membership, User
from recommendations import services
from recommendations.models import ActionItem, Status
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    MembershipFactory,
    RecommendationFactory,
    UserFactory,
    complete_through_verification,
)


def at(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour))
    )


@dataclass
class QuarterWorld:
    rcmp: Agency
    cbsa: Agency
    coordinator: User
    rcmp_manager: User
    cbsa_manager: User
    rcmp_staff: User
    done: ActionItem
    redated: ActionItem
    blocked: ActionItem
    due_next: ActionItem


@pytest.fixture(autouse=True)
def _media(settings: DjangoSettings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def quarter_world(db: None) -> QuarterWorld:
    rcmp = AgencyFactory.create(
        acronym="RCMP",
        name_en="Royal Canadian Mounted Police",
        name_fr="Gendarmerie royale du Canada",
    )
    cbsa = AgencyFactory.create(
        acronym="CBSA",
        name_en="Canada Border Services Agency",
        name_fr="Agence des services frontaliers du Canada",
    )
    psc = AgencyFactory.create(
        acronym="PSC", name_en="Public Safety Canada", name_fr="Sécurité publique Canada"
    )

    def member(username: str, agency: Agency, role: str, language: str = "en") -> User:
        user = UserFactory.create(username=username, email=f"{username}@example.gc.ca")
        user.language = language
        user.save(update_fields=["language"])
        MembershipFactory.create(user=user, agency=agency, role=role)
        return user

    coordinator = member("coordinator", psc, Membership.Role.COORDINATOR, "fr")
    rcmp_manager = member("rcmp.manager", rcmp, Membership.Role.MANAGER)
    cbsa_manager = member("cbsa.manager", cbsa, Membership.Role.MANAGER, "fr")
    rcmp_staff = member("rcmp.staff", rcmp, Membership.Role.STAFF)
    with time_machine.travel(at("2026-07-06"), tick=False):
        recommendation = RecommendationFactory.create(code="PCD-1", lead_agency=rcmp)
        recommendation.supporting_agencies.add(cbsa)
        done = ActionItemFactory.create(
            recommendation=recommendation,
            owner_agency=rcmp,
            due_date=datetime.date(2026, 9, 15),
            original_due_date=datetime.date(2026, 9, 15),
            title_en="Map the data flows",
            title_fr="Cartographier les flux",
        )
        redated = ActionItemFactory.create(
            recommendation=recommendation,
            owner_agency=rcmp,
            due_date=datetime.date(2026, 8, 31),
            original_due_date=datetime.date(2026, 8, 31),
            title_en="Draft the regulation",
            title_fr="Rédiger le règlement",
        )
        blocked = ActionItemFactory.create(
            recommendation=recommendation,
            owner_agency=cbsa,
            due_date=datetime.date(2026, 9, 1),
            original_due_date=datetime.date(2026, 9, 1),
            title_en="Train border officers",
            title_fr="Former les agents",
        )
        due_next = ActionItemFactory.create(
            recommendation=recommendation,
            owner_agency=cbsa,
            due_date=datetime.date(2026, 11, 30),
            original_due_date=datetime.date(2026, 11, 30),
            title_en="Buy scanners",
            title_fr="Acheter des scanners",
        )
    for item in (done, redated, blocked, due_next):
        ActionItem.objects.filter(pk=item.pk).update(
            created_at=at("2026-07-06"),
            last_progress_at=at("2026-07-06"),
            updated_at=at("2026-07-06"),
        )
        item.refresh_from_db()

    def change(item: ActionItem, when: str, actor: User, **values: Any) -> None:
        item.refresh_from_db()
        with time_machine.travel(at(when), tick=False):
            services.action_item_change(
                item=item, actor=actor, expected_version=item.version, **values
            )

    def complete(item: ActionItem, when: str) -> None:
        # Completed the only way there is: submitted by the agency, accepted by a coordinator.
        item.refresh_from_db()
        with time_machine.travel(at(when), tick=False):
            complete_through_verification(item, submitter=rcmp_staff, verifier=coordinator)

    complete(done, "2026-08-15")
    change(
        redated,
        "2026-09-01",
        coordinator,
        due_date=datetime.date(2026, 12, 15),
        note="Waiting for the minister's office",
    )
    change(blocked, "2026-08-20", coordinator, status=Status.BLOCKED, note="No budget")
    change(due_next, "2026-09-10", coordinator, status=Status.IN_PROGRESS, percent_complete=30)
    # After the quarter: none of this may change the quarter's figures.
    change(blocked, "2026-10-20", coordinator, status=Status.IN_PROGRESS)
    complete(redated, "2026-11-02")
    for item in (done, redated, blocked, due_next):
        item.refresh_from_db()
    return QuarterWorld(
        rcmp,
        cbsa,
        coordinator,
        rcmp_manager,
        cbsa_manager,
        rcmp_staff,
        done,
        redated,
        blocked,
        due_next,
    )


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted in English; a French test before this one must not leak its language.
    from django.utils import translation

    with translation.override("en"):
        yield
