"""A small public world: one published recommendation with history, one unpublished, and the
private things (notes, people) that must never appear on the public side."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from agencies.models import Membership, User
from recommendations import services
from recommendations.models import ActionItem, Recommendation, Status
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    MembershipFactory,
    RecommendationFactory,
    UserFactory,
)
from transparency.cache import rate_limit_reset

SECRET_NOTE = "Confidential: the informant in Halifax says"
UNPUBLISHED_TITLE = "Covert pill-press sting operation"


@dataclass
class PublicWorld:
    coordinator: User
    staff: User
    published: Recommendation
    unpublished: Recommendation
    item: ActionItem
    other_item: ActionItem
    hidden_item: ActionItem

    @property
    def people(self) -> list[User]:
        return list(User.objects.all())


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()
    rate_limit_reset()


@pytest.fixture
def world(db: None) -> PublicWorld:
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
    coordinator = MembershipFactory.create(
        user=UserFactory.create(username="coord.secret", email="coord.secret@example.gc.ca"),
        agency=psc,
        role=Membership.Role.COORDINATOR,
    ).user
    staff = MembershipFactory.create(
        user=UserFactory.create(username="rcmp.hidden", email="rcmp.hidden@example.gc.ca"),
        agency=rcmp,
        role=Membership.Role.STAFF,
    ).user
    published = RecommendationFactory.create(
        code="PUB-1",
        title_en="Share precursor chemical data",
        title_fr="Partager les données sur les précurseurs chimiques",
        lead_agency=rcmp,
    )
    published.supporting_agencies.add(cbsa)
    unpublished = RecommendationFactory.create(
        code="SECRET-9",
        title_en=UNPUBLISHED_TITLE,
        title_fr=UNPUBLISHED_TITLE + " (fr)",
        lead_agency=rcmp,
    )
    item = ActionItemFactory.create(
        recommendation=published,
        owner_agency=rcmp,
        sequence=1,
        title_en="Map the data flows",
        title_fr="Cartographier les flux de données",
        assignee=staff,
    )
    other_item = ActionItemFactory.create(
        recommendation=published,
        owner_agency=cbsa,
        sequence=2,
        title_en="Train border officers",
        title_fr="Former les agents frontaliers",
    )
    hidden_item = ActionItemFactory.create(
        recommendation=unpublished,
        owner_agency=rcmp,
        sequence=1,
        title_en="Hidden task",
        title_fr="Tâche cachée",
    )
    services.action_item_change(
        item=item,
        actor=staff,
        expected_version=item.version,
        status=Status.IN_PROGRESS,
        percent_complete=40,
        note=SECRET_NOTE,
    )
    services.action_item_change(
        item=hidden_item,
        actor=staff,
        expected_version=hidden_item.version,
        status=Status.BLOCKED,
        note=SECRET_NOTE,
    )
    services.recommendation_set_published(
        recommendation=published, actor=coordinator, published=True
    )
    for row in (item, other_item, hidden_item, published, unpublished):
        row.refresh_from_db()
    return PublicWorld(coordinator, staff, published, unpublished, item, other_item, hidden_item)


def every_public_address(world: PublicWorld) -> list[str]:
    code = world.published.code
    return [
        "/public/",
        "/public/fr/",
        f"/public/recommendations/{code}/",
        f"/public/fr/recommandations/{code}/",
        "/public/feed.atom",
        "/public/fr/fil.atom",
        "/public/data/action-items.json",
        "/public/data/action-items.csv",
        "/public/data/action-items.csv-metadata.json",
    ]


def a_day_ago() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now() - datetime.timedelta(days=1)
