"""The new pages and API lists cost the same number of queries whatever the number of rows."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recommendations.accountability import services
from recommendations.accountability.services import (
    extension_request_create,
    submission_create,
)
from recommendations.models import AssessmentRating
from tests.api.conftest import ClientFor
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/verification/",
    "/extensions/",
    "/api/v1/extension-requests/?status=pending",
    "/api/v1/action-items/",
    "/api/v1/action-items/?discrepancy=true",
]


def _add_work(roles: RoleMatrix, count: int) -> None:
    """``count`` items submitted for verification and ``count`` with a pending extension
    request and an off-track assessment, each by the owner agency."""
    for _ in range(count):
        submitted = ActionItemFactory.create(
            recommendation=roles.item.recommendation, owner_agency=roles.owner
        )
        submission_create(
            item=submitted,
            actor=roles.staff,
            expected_version=None,
            note="Done.",
            links=["https://example.gc.ca/report"],
            notify=False,
        )
        extended = ActionItemFactory.create(
            recommendation=roles.item.recommendation, owner_agency=roles.owner
        )
        extension_request_create(
            item=extended,
            actor=roles.staff,
            proposed_due_date=extended.due_date + datetime.timedelta(days=30),
            reason="Partners late.",
            notify=False,
        )
        services.assessment_create(
            item=extended,
            actor=roles.coordinator,
            rating=AssessmentRating.OFF_TRACK,
            rationale="Nothing delivered.",
        )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def test_the_queues_and_lists_cost_the_same_queries_at_two_sizes(
    client: Client, roles: RoleMatrix, client_for: ClientFor
) -> None:
    client.force_login(roles.coordinator)
    api = client_for(roles.coordinator)

    def measure() -> dict[str, int]:
        # The token known first: adding people moves the credentials version, and the first
        # request after that reads the token again (one query more).
        assert api.get("/api/v1/me/").status_code == 200
        return {url: _queries(api if url.startswith("/api/") else client, url) for url in PAGES}

    _add_work(roles, 2)
    small = measure()
    _add_work(roles, 8)
    large = measure()
    assert large == small
