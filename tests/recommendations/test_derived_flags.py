import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import ActionItem, Status
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db


def test_overdue_and_stale_are_computed_by_the_database() -> None:
    today = timezone.localdate()
    now = timezone.now()
    overdue = ActionItemFactory.create(due_date=today - datetime.timedelta(days=1))
    due_today = ActionItemFactory.create(due_date=today)
    done_late = ActionItemFactory.create(
        due_date=today - datetime.timedelta(days=9), status=Status.COMPLETED, percent_complete=100
    )
    stale = ActionItemFactory.create(last_progress_at=now - datetime.timedelta(days=31))
    fresh = ActionItemFactory.create(last_progress_at=now - datetime.timedelta(days=29))
    cancelled_stale = ActionItemFactory.create(
        status=Status.CANCELLED, last_progress_at=now - datetime.timedelta(days=90)
    )

    assert set(ActionItem.objects.overdue()) == {overdue}
    assert set(ActionItem.objects.stale()) == {stale}
    with CaptureQueriesContext(connection) as queries:
        flags = {
            item.pk: (item.is_overdue, item.is_stale) for item in ActionItem.objects.with_flags()
        }
    assert len(queries) == 1
    assert flags[overdue.pk] == (True, False)
    assert flags[due_today.pk] == (False, False)
    assert flags[done_late.pk] == (False, False)
    assert flags[stale.pk] == (False, True)
    assert flags[fresh.pk] == (False, False)
    assert flags[cancelled_stale.pk] == (False, False)
