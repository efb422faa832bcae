"""My work reads its page relation by relation (``selectors.MyWorkList``): the same rows, in the
same order, as slicing the plain ORDER BY (``selectors.my_work_items``), for every sort, filter,
scope and page, the pages that straddle two relations and the last one included."""

import datetime
import random
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from agencies.models import Membership, User
from recommendations import selectors
from recommendations.models import ActionItem, Status
from recommendations.selectors import MY_WORK_SORTS, OPEN, MyWorkFilters, MyWorkList, Scope
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    MembershipFactory,
    RecommendationFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 17, 16, tzinfo=datetime.UTC)  # noon in Toronto
TODAY = datetime.date(2026, 3, 17)
PAGE = 11


class World:
    """Random items around ``me`` (staff of two agencies) and a coordinator, frozen at NOON."""

    def __init__(self, seed: int, count: int) -> None:
        rng = random.Random(seed)
        mine, also_mine, others, secretariat = (
            AgencyFactory.create(acronym=acronym) for acronym in ("MINE", "ALSO", "OTHER", "PSC")
        )
        self.me = UserFactory.create(username="me")
        for agency in (mine, also_mine):
            MembershipFactory.create(user=self.me, agency=agency)
        colleague = MembershipFactory.create(agency=mine).user
        stranger = MembershipFactory.create(agency=others).user
        self.coordinator = MembershipFactory.create(
            agency=secretariat, role=Membership.Role.COORDINATOR
        ).user
        themes = [ThemeFactory.create(), ThemeFactory.create()]
        recommendations = [
            RecommendationFactory.create(theme=themes[index % 2], code=f"R-{code}")
            for index, code in enumerate(rng.sample(range(100, 999), 5))
        ]
        self.theme_id = themes[1].pk
        self.recommendation_id = recommendations[2].pk
        stale_after = datetime.timedelta(days=settings.REMINDER_STALE_DAYS)
        for index in range(count):
            status = rng.choice(list(Status))
            due = TODAY + datetime.timedelta(days=rng.choice((-9, -1, 0, 3, 3, 3, 20, 40)))
            item = ActionItemFactory.create(
                recommendation=rng.choice(recommendations),
                owner_agency=rng.choice((mine, also_mine, others, secretariat)),
                assignee=rng.choice((self.me, self.coordinator, colleague, stranger, None)),
                title_en=f"{rng.choice(('Alpha', 'Beta'))} step {index}",
                status=status,
                percent_complete=100
                if status == Status.COMPLETED
                else rng.choice((0, 10, 50, 50, 90)),
                due_date=due,
                original_due_date=due,
            )
            ActionItem.objects.filter(pk=item.pk).update(
                updated_at=NOON - datetime.timedelta(hours=rng.choice((1, 5, 5, 30))),
                last_progress_at=NOON - stale_after + datetime.timedelta(days=rng.choice((-3, 2))),
            )


@pytest.fixture
def world() -> Iterator[World]:
    with time_machine.travel(NOON, tick=False):
        yield World(seed=12, count=90)


def windows(listed: MyWorkList) -> list[tuple[int, int]]:
    """Every page of PAGE items, the last one short, and windows across each relation's edges."""
    total = len(listed)
    pages = [(start, min(start + PAGE, total)) for start in range(0, total, PAGE)] or [(0, 0)]
    edges, before = [], 0
    for relation in sorted(listed.counts):
        before += listed.counts[relation]
        edges += [(max(before - 3, 0), min(before + 4, total)), (before, min(before + 1, total))]
    return [*pages, *edges, (0, total)]


def assert_same_pages(user: User, filters: MyWorkFilters) -> int:
    listed = MyWorkList(user=user, filters=filters)
    plain = [
        (item.pk, item.relation)  # type: ignore[attr-defined]  # annotated
        for item in selectors.my_work_items(user=user, filters=filters)
    ]
    assert len(listed) == len(plain)
    for start, stop in windows(listed):
        expected = plain[start:stop]
        got = [(item.pk, item.relation) for item in listed[start:stop]]  # type: ignore[attr-defined]  # annotated
        assert got == expected, (filters, start, stop)
    return len(listed.counts)


def test_the_page_equals_the_plain_orders_page_for_every_sort_and_scope(world: World) -> None:
    with time_machine.travel(NOON, tick=False):
        for scope in Scope.values:
            relations = {
                assert_same_pages(user, MyWorkFilters(scope=scope, status=status, sort=sort))
                for sort in MY_WORK_SORTS
                for user in (world.me, world.coordinator)
                for status in (OPEN, "")
            }
            if scope in (Scope.ALL, Scope.MINE):
                assert max(relations) >= 2  # pages straddling relations were compared


FILTERS: list[dict[str, object]] = [
    {"status": Status.BLOCKED},
    {"status": OPEN, "overdue": True},
    {"status": OPEN, "stale": True},
    {"status": "", "stale": True},
    {"status": OPEN, "due_within_days": 7},
    {"status": "", "search": "alpha"},
    {"status": OPEN, "search": "R-"},
    {"status": ""},
]


def test_the_page_equals_the_plain_orders_page_for_every_filter(world: World) -> None:
    narrowed: list[dict[str, object]] = [
        {"theme_id": world.theme_id},
        {"recommendation_id": world.recommendation_id},
    ]
    with time_machine.travel(NOON, tick=False):
        for filters in [*FILTERS, *narrowed]:
            for sort in ("due", "status"):
                for scope in (Scope.MINE, Scope.ALL):
                    assert_same_pages(
                        world.me,
                        MyWorkFilters(scope=scope, sort=sort, **filters),  # type: ignore[arg-type]  # the fields' own types
                    )


def test_the_page_of_a_user_without_an_agency_is_the_plain_orders(world: World) -> None:
    # Not on the web page (the view refuses them), but the selector stays exact.
    loner = UserFactory.create(username="loner")
    with time_machine.travel(NOON, tick=False):
        assert_same_pages(loner, MyWorkFilters(scope=Scope.ALL, status=""))


def test_an_item_is_read_by_its_position_as_in_the_plain_order(world: World) -> None:
    filters = MyWorkFilters(scope=Scope.ALL, status="")
    with time_machine.travel(NOON, tick=False):
        listed = MyWorkList(user=world.me, filters=filters)
        plain = list(selectors.my_work_items(user=world.me, filters=filters))
        assert [listed[0].pk, listed[40].pk, listed[-1].pk] == [
            plain[0].pk,
            plain[40].pk,
            plain[-1].pk,
        ]
        with pytest.raises(IndexError):
            listed[len(plain)]


def test_every_page_of_my_work_shows_the_plain_orders_rows(client: Client, world: World) -> None:
    client.force_login(world.me)
    filters = MyWorkFilters(scope=Scope.ALL, status="")
    with time_machine.travel(NOON, tick=False):
        plain = [item.pk for item in selectors.my_work_items(user=world.me, filters=filters)]
        shown: list[int] = []
        for number in ("1", "2", "3", "4"):
            response = client.get("/", {"scope": Scope.ALL, "status": "", "page": number})
            shown += [item.pk for item in response.context["page"].object_list]
        beyond = client.get("/", {"scope": Scope.ALL, "status": "", "page": "99"})
    assert len(plain) == 90
    assert shown == plain
    assert [item.pk for item in beyond.context["page"].object_list] == plain[75:]
