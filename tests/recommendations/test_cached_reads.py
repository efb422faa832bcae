"""My work's counts and the recommendations list are cached exactly: a write, a new day or an
item turning stale shows at once."""

import datetime

import time_machine
from django.conf import settings
from django.test import Client

from recommendations import selectors
from recommendations.models import ActionItem, Status
from recommendations.selectors import MyWorkFilters, Scope
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, complete_through_verification
from tests.ui.helpers import record

NOON = datetime.datetime(2026, 3, 17, 16, tzinfo=datetime.UTC)  # noon in Toronto


def test_my_work_counts_follow_a_write_at_once(roles: RoleMatrix) -> None:
    before = selectors.my_work_counts(user=roles.staff, scope=Scope.MINE)
    record(roles.item, roles.staff, status=Status.BLOCKED)
    after = selectors.my_work_counts(user=roles.staff, scope=Scope.MINE)
    assert after["blocked"] == before["blocked"] + 1


def test_my_work_counts_follow_the_date_and_stale_crossings(roles: RoleMatrix) -> None:
    stale_after = datetime.timedelta(days=settings.REMINDER_STALE_DAYS)
    with time_machine.travel(NOON, tick=False) as traveller:
        item = ActionItemFactory.create(
            owner_agency=roles.owner, status=Status.IN_PROGRESS, due_date=NOON.date()
        )
        ActionItem.objects.filter(pk=item.pk).update(
            last_progress_at=NOON - stale_after + datetime.timedelta(hours=1)
        )
        first = selectors.my_work_counts(user=roles.staff, scope=Scope.AGENCY)
        traveller.move_to(NOON + datetime.timedelta(hours=2))
        later = selectors.my_work_counts(user=roles.staff, scope=Scope.AGENCY)
        traveller.move_to(NOON + datetime.timedelta(days=1))
        next_day = selectors.my_work_counts(user=roles.staff, scope=Scope.AGENCY)
    assert later["stale"] == first["stale"] + 1
    assert next_day["overdue"] == first["overdue"] + 1


def test_the_my_work_total_follows_a_new_item_at_once(roles: RoleMatrix) -> None:
    filters = MyWorkFilters(scope=Scope.AGENCY)
    before = selectors.my_work_count(user=roles.staff, filters=filters)
    ActionItemFactory.create(owner_agency=roles.owner)
    assert selectors.my_work_count(user=roles.staff, filters=filters) == before + 1


def test_the_recommendations_list_shows_new_progress_at_once(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    assert client.get("/recommendations/").status_code == 200
    complete_through_verification(roles.item, submitter=roles.staff, verifier=roles.coordinator)
    themes = selectors.themes_with_recommendations()
    progress = {
        recommendation.pk: recommendation.completed_count
        for theme in themes
        for recommendation in theme.recommendations_with_progress  # type: ignore[attr-defined]  # set by prefetch to_attr
    }
    assert progress[roles.item.recommendation_id] == 1
