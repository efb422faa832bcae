"""An item's creation is the first entry of its timeline (``ProgressUpdate.is_creation``): shown on
its page in both languages, listed by the API, and left out by every reader that counts changes,
so that no figure, feed or reminder moves because of it."""

import datetime
import importlib
import itertools
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.services import api_token_create
from notifications.models import Notification
from quarterly.quarters import Quarter
from quarterly.selectors import quarterly_content
from recommendations import services
from recommendations.models import ActionItem, ProgressUpdate, Status, creation_condition
from reports.as_of import report_figures_as_of
from reports.selectors import ReportFilters, report_changes, report_summary
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, complete_through_verification
from tests.ui.helpers import days_from_today, signed_in, text
from transparency.selectors import public_item_rows, public_status_changes

pytestmark = pytest.mark.django_db


def create(roles: RoleMatrix, **values: Any) -> ActionItem:
    fields: dict[str, Any] = {
        "recommendation": roles.item.recommendation,
        "actor": roles.coordinator,
        "title_en": "New work",
        "title_fr": "Nouvelle mesure",
        "owner_agency_id": roles.owner.pk,
        "due_date": days_from_today(90),
        **values,
    }
    return services.action_item_create(**fields)


def test_creating_an_item_records_who_created_it_what_it_started_as_and_when(
    roles: RoleMatrix,
) -> None:
    item = create(roles, assignee=roles.staff)
    (entry,) = item.updates.all()
    assert entry.is_creation
    assert (entry.author, entry.created_at) == (roles.coordinator, item.created_at)
    assert (entry.status_before, entry.status_after) == ("", Status.NOT_STARTED)
    assert (entry.due_date_before, entry.due_date_after) == (None, days_from_today(90))
    assert (entry.assignee_before, entry.assignee_after) == (None, roles.staff)
    assert not (entry.status_changed)
    assert not (entry.due_date_changed)
    assert not (entry.assignee_changed)
    # No extra version and nothing sent beyond what creation sent before.
    assert item.version == 1
    assert not mail.outbox
    assert not Notification.objects.exists()
    # Later changes follow it as usual.
    changed = services.action_item_change(
        item=item, actor=roles.staff, expected_version=1, status=Status.IN_PROGRESS
    )
    assert changed.update.status_before == Status.NOT_STARTED
    assert [u.is_creation for u in item.updates.order_by("created_at", "id")] == [True, False]


def test_the_item_page_shows_item_created_with_who_and_when_in_both_languages(
    client: Client, roles: RoleMatrix
) -> None:
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:item_create", args=[roles.item.recommendation_id]),
        {
            "title_en": "Made on the web",
            "title_fr": "Créée sur le site",
            "description_en": "",
            "description_fr": "",
            "owner_agency": roles.owner.pk,
            "due_date": datetime.date(2027, 10, 1).isoformat(),
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get(title_en="Made on the web")
    page = text(client.get(reverse("recommendations:item", args=[item.pk])))
    name = roles.coordinator.display_name
    assert f"{name}" in page
    assert "Item created" in page
    assert "Status: Not started" in page
    roles.coordinator.language = "fr"
    roles.coordinator.save()
    page = text(client.get(reverse("recommendations:item", args=[item.pk]) + "?lang=fr"))
    assert "Mesure créée" in page
    assert "État\u00a0: Non commencée" in page or "État : Non commencée" in page.replace(
        "\u00a0", " "
    )


def test_the_api_lists_the_creation_first_with_nothing_before(roles: RoleMatrix) -> None:
    client = APIClient()
    _row, key = api_token_create(user=roles.coordinator)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    created = client.post(
        "/api/v1/action-items/",
        {
            "recommendation": roles.item.recommendation.code,
            "title_en": "By the API",
            "title_fr": "Par l API",
            "owner_agency": roles.owner.acronym,
            "due_date": days_from_today(30).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    assert created["ETag"] == f'"{item_id}-1"'
    listed = client.get(f"/api/v1/action-items/{item_id}/updates/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert len(rows) == 1
    row = rows[0]
    assert row["is_creation"] is True
    assert (row["status_before"], row["status_after"]) == (None, "not_started")
    assert (row["due_date_before"], row["due_date_after"]) == (
        None,
        days_from_today(30).isoformat(),
    )
    assert row["author"] == "coordinator"


def _last_status_change(item: ActionItem) -> Any:
    return item.last_status_change  # type: ignore[attr-defined]  # an annotation


def _figures(roles: RoleMatrix, now: datetime.datetime) -> dict[str, Any]:
    """Everything a reader of the timeline computes, at ``now``."""
    summary = report_summary(user=roles.coordinator, filters=ReportFilters(), cached=False)
    quarter = Quarter.containing(timezone.localdate(now)).previous()
    content = quarterly_content(quarter=quarter, agency=None, now=now)
    moments = [now - datetime.timedelta(days=d) for d in (1, 40, 80, 130, 200)]
    return {
        "history": summary.history,
        "totals": summary.totals,
        "changes": [
            report_changes(user=roles.coordinator, filters=ReportFilters(), days=days)
            for days in (7, 30)
        ],
        "as_of": [report_figures_as_of(scope=None, at=at).totals for at in moments],
        "quarter": (
            content.figures.totals,
            content.previous.totals,
            [i.pk for i in content.completed.rows],
            [u.pk for u in content.redated.rows],
            [i.pk for i in content.due_next.rows],
        ),
        "public": [c.update_id for c in public_status_changes()],
        "open_data": [(i.pk, _last_status_change(i)) for i in public_item_rows()],
        "stale": sorted(ActionItem.objects.stale().values_list("pk", flat=True)),
    }


def test_no_report_feed_or_flag_counts_the_creation_entries(roles: RoleMatrix) -> None:
    """The same figures with and without the creation entries: reports' history (completed per
    month, open at month end), what changed, the quarterly figures and lists, the public status
    history and open data, and stale."""
    recommendation = roles.item.recommendation
    recommendation.published = True
    recommendation.save()
    start = timezone.now() - datetime.timedelta(days=220)
    items = []
    for n, (days_later, story) in enumerate(
        [(0, "completed"), (20, "blocked"), (60, "redated"), (100, "untouched"), (150, "done")]
    ):
        with time_machine.travel(start + datetime.timedelta(days=days_later), tick=False):
            item = create(roles, title_en=f"Item {n}", due_date=days_from_today(60))
        items.append((item, story, start + datetime.timedelta(days=days_later)))
    for item, story, born in items:
        at = born + datetime.timedelta(days=10)
        if story in ("completed", "done"):
            with time_machine.travel(at, tick=False):
                complete_through_verification(
                    item, submitter=roles.staff, verifier=roles.coordinator
                )
        elif story == "blocked":
            with time_machine.travel(at, tick=False):
                services.action_item_change(
                    item=item, actor=roles.staff, expected_version=1, status=Status.BLOCKED
                )
        elif story == "redated":
            with time_machine.travel(at, tick=False):
                services.action_item_change(
                    item=item,
                    actor=roles.coordinator,
                    expected_version=1,
                    due_date=days_from_today(120),
                    note="Later",
                )
    now = timezone.now()
    assert ProgressUpdate.objects.filter(creation_condition()).count() == 5
    with_creations = _figures(roles, now)
    ProgressUpdate.objects.filter(creation_condition()).delete()
    without = _figures(roles, now)
    assert with_creations == without
    # And the figures saw the items at all: two completed, one in the last 30 days' quarter...
    assert with_creations["totals"].count(Status.COMPLETED) == 2
    assert sum(point.completed for point in with_creations["history"]) == 2


def _migration() -> Any:
    return importlib.import_module(
        "recommendations.migrations.0006_progressupdate_creation_entries"
    )


def test_the_migration_gives_existing_items_a_creation_entry_before_their_history(
    roles: RoleMatrix,
) -> None:
    old = roles.item  # made without the service: no creation entry
    untouched = ActionItemFactory.create(
        recommendation=old.recommendation, owner_agency=roles.owner, status=Status.BLOCKED
    )
    first = services.action_item_change(
        item=old,
        actor=roles.staff,
        expected_version=old.version,
        status=Status.IN_PROGRESS,
        percent_complete=30,
        at=old.created_at - datetime.timedelta(days=50),  # back-dated history
    ).update
    services.action_item_change(
        item=first.action_item, actor=roles.staff, expected_version=None, percent_complete=60
    )
    already = create(roles)

    _migration().creation_entries_add(apps, None)
    _migration().creation_entries_add(apps, None)  # again: nothing more

    (entry,) = ProgressUpdate.objects.filter(creation_condition(), action_item=old)
    assert entry.created_at == first.created_at - datetime.timedelta(microseconds=1)
    assert (entry.status_after, entry.percent_after, entry.due_date_after) == (
        Status.NOT_STARTED,
        0,
        old.original_due_date,
    )
    old.refresh_from_db()
    assert old.born_at == entry.created_at
    assert next(iter(old.updates.order_by("created_at", "id"))) == entry
    (entry,) = ProgressUpdate.objects.filter(creation_condition(), action_item=untouched)
    assert (entry.created_at, entry.status_after) == (untouched.created_at, Status.BLOCKED)
    assert already.updates.filter(creation_condition()).count() == 1


def test_load_roundtable_twice_writes_each_creation_once_and_load_demo_back_dates_it() -> None:
    call_command("load_roundtable", verbosity=0)
    count = ProgressUpdate.objects.count()
    assert count == ActionItem.objects.count()
    call_command("load_roundtable", verbosity=0)
    assert ProgressUpdate.objects.count() == count
    call_command("load_demo", verbosity=0)
    for item in ActionItem.objects.all():
        entries = list(item.updates.order_by("created_at", "id"))
        assert entries[0].is_creation
        assert sum(e.is_creation for e in entries) == 1
        assert item.born_at == entries[0].created_at < item.created_at
        assert entries[0].due_date_after == item.original_due_date
        # The chain holds: each entry starts where the one before it ended.
        for before, after in itertools.pairwise(entries):
            assert after.status_before == before.status_after
        assert entries[-1].status_after == item.status
