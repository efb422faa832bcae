import pytest
from django.core.management import call_command

from agencies.models import User
from recommendations.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from recommendations.models import ActionItem, ProgressUpdate, Status

pytestmark = pytest.mark.django_db


def test_demo_gives_accounts_and_a_history_and_runs_once(client):
    call_command("load_roundtable", verbosity=0)
    call_command("load_demo", verbosity=0)
    updates = ProgressUpdate.objects.count()
    assert updates > 100
    statuses = set(ActionItem.objects.values_list("status", flat=True))
    assert {Status.IN_PROGRESS, Status.BLOCKED, Status.COMPLETED} <= statuses
    assert ActionItem.objects.overdue().exists()
    call_command("load_demo", verbosity=0)
    assert ProgressUpdate.objects.count() == updates
    assert User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).count() == len(
        DEMO_ACCOUNTS
    )
    assert client.login(username="rcmp.staff", password=DEMO_PASSWORD)


def test_most_open_demo_items_were_updated_in_the_last_month():
    import datetime

    from django.utils import timezone

    call_command("load_roundtable", verbosity=0)
    call_command("load_demo", verbosity=0)
    open_items = ActionItem.objects.exclude(status__in=[Status.COMPLETED, Status.CANCELLED])
    recent = open_items.filter(last_progress_at__gte=timezone.now() - datetime.timedelta(days=30))
    assert recent.count() > open_items.count() / 2
