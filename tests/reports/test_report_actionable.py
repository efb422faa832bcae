"""A report a manager can act on: what needs attention comes first and leads to the items, what
changed lately is counted with its period in the address, the scope is said plainly and can be
narrowed to one's own agency, every reference links to its item."""

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Membership, User
from recommendations.models import ActionItem, Status
from recommendations.services import action_item_change
from reports.selectors import ReportFilters, report_changes
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, complete_through_verification
from tests.reports.conftest import member_of

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def change(item: ActionItem, actor: User, *, at: datetime.datetime, **fields: Any) -> None:
    item.refresh_from_db()
    action_item_change(
        item=item, actor=actor, expected_version=item.version, at=at, notify=False, **fields
    )


@pytest.fixture
def history(roles: RoleMatrix) -> RoleMatrix:
    """Changes 2, 3, 4 and 20 days ago on items of the manager's agency."""
    recommendation = roles.item.recommendation
    today = timezone.localdate()
    done, redated, blocked, old = (
        ActionItemFactory.create(recommendation=recommendation, owner_agency=roles.owner)
        for _ in range(4)
    )
    complete_through_verification(
        done, submitter=roles.manager, verifier=roles.coordinator, at=days_ago(2), notify=False
    )
    change(
        redated,
        roles.coordinator,
        at=days_ago(3),
        due_date=redated.due_date + datetime.timedelta(days=20),
        note="Waiting for the regulation",
    )
    change(blocked, roles.manager, at=days_ago(4), status=Status.BLOCKED)
    change(old, roles.manager, at=days_ago(20), status=Status.BLOCKED, note="Old news")
    # Due three days ago and still open: newly overdue in both periods.
    ActionItemFactory.create(
        recommendation=recommendation,
        owner_agency=roles.owner,
        due_date=today - datetime.timedelta(days=3),
    )
    return roles


def test_what_changed_counts_each_kind_of_change_in_the_period(history: RoleMatrix) -> None:
    week = report_changes(user=history.manager, filters=ReportFilters(), days=7)
    month = report_changes(user=history.manager, filters=ReportFilters(), days=30)
    # The completed item's submission and verification carry notes (the closing note, the
    # verifier's): two notes more than the re-date's.
    assert (week.completed, week.redated, week.newly_blocked, week.notes) == (1, 1, 1, 3)
    assert (month.completed, month.redated, month.newly_blocked, month.notes) == (1, 1, 2, 4)
    assert week.newly_overdue == month.newly_overdue == 1


def test_what_changed_follows_the_period_in_the_address(
    client: Client, history: RoleMatrix
) -> None:
    client.force_login(history.manager)
    page = client.get("/reports/?changed=30").content.decode()
    section = page[page.index('id="changes"') : page.index('id="overdue"')]
    assert "What changed in the last 30 days" in section
    assert 'href="?changed=7#changes"' in section
    assert re.search(r"Newly blocked</dt><dd>2<", section)
    refused = client.get("/reports/?changed=9")
    assert refused.status_code == 200  # explained on the page, as every bad filter
    assert "Correct the filters below to see the report." in refused.content.decode()
    assert client.get("/reports/export.csv?changed=30").status_code == 200


def test_what_needs_attention_comes_first_and_the_breakdowns_fold(
    client: Client, history: RoleMatrix
) -> None:
    client.force_login(history.coordinator)
    page = client.get("/reports/").content.decode()
    order = [page.index(f'id="{key}"') for key in ("attention", "changes", "overdue", "agencies")]
    assert order == sorted(order)
    agencies = page[page.index('id="agencies"') :]
    assert agencies.index("<details") < agencies.index('id="table-by_agency"')
    # A coordinator's report is every item: the counts open the same items in My work.
    assert 'href="/?scope=all&amp;overdue=on"' in page
    assert 'href="/?scope=all&amp;status=blocked"' in page


def test_a_manager_reads_the_scope_and_narrows_it_to_the_items_their_agency_owns(
    client: Client, history: RoleMatrix
) -> None:
    client.force_login(history.manager)
    page = client.get("/reports/").content.decode()
    assert "Action items owned by RCMP, and every action item of the recommendations" in page
    assert 'href="?agency=RCMP"' in page
    # The broad scope has no My work equivalent: the counts lead to the report's own lists.
    attention = page[page.index('id="attention"') : page.index('id="changes"')]
    assert 'href="#overdue"' in attention
    narrowed = client.get("/reports/?agency=RCMP").content.decode()
    assert 'href="/?scope=agency&amp;overdue=on"' in narrowed
    assert client.get("/?scope=agency&overdue=on").status_code == 200


def test_every_reference_links_to_its_item_and_an_unassigned_item_shows_nobody(
    client: Client, history: RoleMatrix
) -> None:
    overdue = ActionItemFactory.create(
        recommendation=history.item.recommendation,
        owner_agency=history.owner,
        due_date=timezone.localdate() - datetime.timedelta(days=40),
        assignee=None,
    )
    client.force_login(history.coordinator)
    page = client.get("/reports/").content.decode()
    table = page[page.index('id="table-overdue"') : page.index('id="stale"')]
    assert f'<a class="nowrap" href="/items/{overdue.pk}/">{overdue.reference}</a>' in table
    assert 'data-label="Assignee">Nobody<' in table
    # Phone cards name every value's column.
    assert re.search(r'<td data-label="Days overdue" class="number">40<', table)


def test_managers_of_several_agencies_get_the_report_s_own_lists(
    client: Client, roles: RoleMatrix
) -> None:
    both = member_of("both", Membership.Role.MANAGER, roles.owner, roles.supporting)
    client.force_login(both)
    page = client.get("/reports/?agency=RCMP").content.decode()
    attention = page[page.index('id="attention"') : page.index('id="changes"')]
    assert "/?scope=" not in attention
