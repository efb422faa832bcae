"""The quarterly content and the reports page cost the same number of queries whatever the data."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quarterly.quarters import Quarter
from quarterly.selectors import quarterly_content
from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.factories import ActionItemFactory, RecommendationFactory
from tests.quarterly.conftest import QuarterWorld

from .conftest import at

pytestmark = pytest.mark.django_db


def _grow(world: QuarterWorld, count: int) -> None:
    for _ in range(count):
        recommendation = RecommendationFactory.create(lead_agency=world.rcmp)
        item = ActionItemFactory.create(
            recommendation=recommendation,
            owner_agency=world.cbsa,
            due_date=datetime.date(2026, 8, 1),
        )
        ActionItem.objects.filter(pk=item.pk).update(created_at=at("2026-07-02"))
        ProgressUpdate.objects.create(
            action_item=item,
            created_at=at("2026-08-03"),
            status_before=Status.NOT_STARTED,
            status_after=Status.BLOCKED,
            percent_before=0,
            percent_after=0,
            due_date_before=item.due_date,
            due_date_after=datetime.date(2026, 12, 1),
            note="Later",
        )


def _count(quarter: Quarter) -> int:
    with CaptureQueriesContext(connection) as captured:
        content = quarterly_content(quarter=quarter, agency=None)
        for listing in (content.completed, content.overdue_or_blocked, content.due_next):
            for item in listing.rows:
                _ = (item.reference, item.owner_agency.acronym)
        for update in content.redated.rows:
            _ = (update.action_item.reference, update.action_item.owner_agency.acronym)
    return len(captured.captured_queries)


def test_the_quarterly_content_costs_the_same_queries_at_two_sizes(
    quarter_world: QuarterWorld,
) -> None:
    _grow(quarter_world, 2)
    small = _count(Quarter(2026, 3))
    _grow(quarter_world, 12)
    assert _count(Quarter(2026, 3)) == small


def test_the_reports_page_costs_the_same_queries_at_two_sizes(
    client: Client, quarter_world: QuarterWorld
) -> None:
    from django.core.management import call_command

    client.force_login(quarter_world.coordinator)
    call_command("quarterly_report", "--quarter", "2026Q2", "--agency", "RCMP")
    with CaptureQueriesContext(connection) as small:
        client.get("/reports/quarterly/")
    call_command("quarterly_report", "--quarter", "2026Q2", "--agency", "RCMP")
    call_command("quarterly_report", "--quarter", "2026Q1", "--agency", "RCMP")
    with CaptureQueriesContext(connection) as large:
        assert client.get("/reports/quarterly/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
