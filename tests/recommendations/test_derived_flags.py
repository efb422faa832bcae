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


@pytest.mark.parametrize("status", Status.values)
def test_a_row_loaded_without_the_flags_says_what_the_database_says(status: str) -> None:
    """``is_overdue`` / ``is_stale`` on a plain row (no ``with_flags``) follow the SQL rule: an
    item awaiting verification is neither, as in every figure, reminder and page."""
    long_ago = timezone.now() - datetime.timedelta(days=90)
    item = ActionItemFactory.create(
        status=status,
        percent_complete=100 if status == Status.COMPLETED else 50,
        due_date=timezone.localdate() - datetime.timedelta(days=5),
    )
    ActionItem.objects.filter(pk=item.pk).update(last_progress_at=long_ago)

    plain = ActionItem.objects.get(pk=item.pk)
    flagged = ActionItem.objects.with_flags().get(pk=item.pk)

    assert (plain.is_overdue, plain.is_stale) == (flagged.is_overdue, flagged.is_stale)
