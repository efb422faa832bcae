"""The accountability figures of the report, on random data, against a plain-Python recount; and
their cost, the same number of queries at two sizes."""

import datetime
import random
import statistics
from collections import defaultdict
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Membership, User
from recommendations.accountability.models import (
    ExtensionRequest,
    ExtensionStatus,
    Submission,
    SubmissionDecision,
)
from recommendations.models import ActionItem, ProgressUpdate, Status
from reports.accountability import AccountabilityFigures
from reports.selectors import ReportFilters, report_summary
from tests.reports.conftest import member_of
from tests.reports.datasets import dataset_create
from tests.reports.oracle import oracle_items
from tests.reports.readers import body

pytestmark = pytest.mark.django_db


def accountability_create(*, seed: int, now: datetime.datetime) -> None:
    """Random submissions (waiting, accepted, returned), extension requests (pending, approved,
    rejected), re-datings and assessments over the existing items, in bulk."""
    rng = random.Random(seed)
    people = list(User.objects.values_list("pk", flat=True))
    items = list(ActionItem.objects.all())
    submissions: list[Submission] = []
    requests: list[ExtensionRequest] = []
    updates: list[ProgressUpdate] = []
    statuses: list[tuple[int, str]] = []
    for item in items:
        # Submissions: a few decided ones, maybe one waiting at the end.
        moment = now - datetime.timedelta(days=rng.uniform(20, 300))
        for _n in range(rng.choice((0, 0, 1, 2))):
            decided = moment + datetime.timedelta(days=rng.uniform(0.1, 40))
            submissions.append(
                Submission(
                    action_item=item,
                    submitted_by_id=rng.choice(people),
                    submitted_at=moment,
                    note="Done",
                    decision=rng.choice([SubmissionDecision.ACCEPTED, SubmissionDecision.RETURNED]),
                    decided_by_id=rng.choice(people),
                    decided_at=decided,
                )
            )
            moment = decided + datetime.timedelta(days=1)
        if rng.random() < 0.3:
            submissions.append(
                Submission(
                    action_item=item,
                    submitted_by_id=rng.choice(people),
                    submitted_at=now - datetime.timedelta(days=rng.uniform(0, 30)),
                    note="Done",
                )
            )
            statuses.append((item.pk, Status.AWAITING_VERIFICATION))
        # Extension requests: decided ones, maybe one pending.
        due = item.original_due_date
        for n in range(rng.choice((0, 0, 1, 2, 3))):
            proposed = due + datetime.timedelta(days=rng.randint(1, 90))
            status: str = (
                ExtensionStatus.PENDING
                if n == 0 and rng.random() < 0.3
                else rng.choice([ExtensionStatus.APPROVED, ExtensionStatus.REJECTED])
            )
            requests.append(
                ExtensionRequest(
                    action_item=item,
                    requested_by_id=rng.choice(people),
                    requested_at=now - datetime.timedelta(days=rng.uniform(1, 200)),
                    current_due_date=due,
                    proposed_due_date=proposed,
                    reason="More time",
                    status=status,
                    decided_at=None if status == ExtensionStatus.PENDING else now,
                )
            )
            if status == ExtensionStatus.APPROVED:
                updates.append(
                    ProgressUpdate(
                        action_item=item,
                        created_at=now - datetime.timedelta(days=rng.uniform(1, 100)),
                        status_before=item.status,
                        status_after=item.status,
                        percent_before=item.percent_complete,
                        percent_after=item.percent_complete,
                        due_date_before=due,
                        due_date_after=proposed,
                    )
                )
                due = proposed
        # Other re-datings (by a coordinator), sometimes none.
        if rng.random() < 0.25:
            later = due + datetime.timedelta(days=rng.randint(-20, 40))
            updates.append(
                ProgressUpdate(
                    action_item=item,
                    created_at=now - datetime.timedelta(days=rng.uniform(1, 100)),
                    status_before=item.status,
                    status_after=item.status,
                    percent_before=item.percent_complete,
                    percent_after=item.percent_complete,
                    due_date_before=due,
                    due_date_after=later,
                )
            )
            due = later
        if rng.random() < 0.2:  # a note that repeats the due date is no re-dating
            updates.append(
                ProgressUpdate(
                    action_item=item,
                    created_at=now,
                    status_before=item.status,
                    status_after=item.status,
                    percent_before=item.percent_complete,
                    percent_after=item.percent_complete,
                    due_date_before=due,
                    due_date_after=due,
                )
            )
        item.due_date = due
        if rng.random() < 0.3:
            item.latest_assessment_rating = rng.choice(["on_track", "off_track", "at_risk"])
            item.latest_assessment_at = now - datetime.timedelta(days=rng.uniform(0, 400))
    # Pending ones are unique per item: keep the pending request first per item only.
    seen: set[int] = set()
    kept = []
    for request in requests:
        if request.status == ExtensionStatus.PENDING:
            if request.action_item_id in seen:
                continue
            seen.add(request.action_item_id)
        kept.append(request)
    Submission.objects.bulk_create(submissions)
    ExtensionRequest.objects.bulk_create(kept)
    ProgressUpdate.objects.bulk_create(updates)
    ActionItem.objects.bulk_update(
        items, ["due_date", "latest_assessment_rating", "latest_assessment_at"]
    )
    for pk, status in statuses:
        ActionItem.objects.filter(pk=pk).update(status=status)


def recount(scope: set[int] | None, today: datetime.date) -> dict[str, Any]:
    """The figures by plain counting over every row."""
    chosen = oracle_items(scope=scope)
    ids = {row["id"] for row in chosen}
    items = {item.pk: item for item in ActionItem.objects.filter(pk__in=ids)}
    discrepant = set(ActionItem.objects.discrepant().values_list("pk", flat=True))
    submissions = [s for s in Submission.objects.all() if s.action_item_id in ids]
    decided = [s for s in submissions if s.decision != SubmissionDecision.PENDING]
    requests = [r for r in ExtensionRequest.objects.all() if r.action_item_id in ids]
    redates: dict[int, int] = defaultdict(int)
    for update in ProgressUpdate.objects.filter(action_item_id__in=ids):
        if (
            update.due_date_before is not None
            and update.due_date_after is not None
            and update.due_date_before != update.due_date_after
        ):
            redates[update.action_item_id] += 1
    ext_days: dict[int, int] = defaultdict(int)
    for r in requests:
        if r.status == ExtensionStatus.APPROVED:
            ext_days[r.action_item_id] += (r.proposed_due_date - r.current_due_date).days
    other = {
        pk: (item.due_date - item.original_due_date).days - ext_days[pk]
        for pk, item in items.items()
    }
    by_agency: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items.values():
        row = by_agency[item.owner_agency_id]
        row["reported_complete"] += item.status == Status.AWAITING_VERIFICATION
        row["verified_complete"] += item.status == Status.COMPLETED
        row["discrepancies"] += item.pk in discrepant
    for r in requests:
        row = by_agency[items[r.action_item_id].owner_agency_id]
        row["extensions_requested"] += 1
        row[f"extensions_{r.status}"] += 1
        if r.status == ExtensionStatus.APPROVED:
            row["days_granted"] += (r.proposed_due_date - r.current_due_date).days
    waiting = sorted(
        (s for s in submissions if s.decision == SubmissionDecision.PENDING),
        key=lambda s: (s.submitted_at, s.pk),
    )
    durations = [
        (s.decided_at - s.submitted_at).total_seconds() / 86400
        for s in decided
        if s.decided_at is not None
    ]
    return {
        "reported_complete": sum(r["reported_complete"] for r in by_agency.values()),
        "verified_complete": sum(r["verified_complete"] for r in by_agency.values()),
        "submissions_decided": len(decided),
        "median": round(statistics.median(durations), 1) if durations else None,
        "submissions_waiting": len(waiting),
        "waiting_first": [s.action_item_id for s in waiting[:10]],
        "extensions_requested": len(requests),
        "extensions_approved": sum(r.status == "approved" for r in requests),
        "extensions_rejected": sum(r.status == "rejected" for r in requests),
        "extensions_pending": sum(r.status == "pending" for r in requests),
        "days_granted": sum(r["days_granted"] for r in by_agency.values()),
        "redated_more_than_once": sum(1 for pk in ids if redates[pk] >= 2),
        "slip_days_extensions": sum(ext_days[pk] for pk in ids),
        "slip_days_other": sum(other.values()),
        "slipped_by_extensions": sum(1 for pk in ids if ext_days[pk] > 0),
        "slipped_otherwise": sum(1 for value in other.values() if value != 0),
        "discrepancies": sum(r["discrepancies"] for r in by_agency.values()),
        "by_agency": {agency: dict(row) for agency, row in by_agency.items()},
    }


def check(figures: AccountabilityFigures, expected: dict[str, Any]) -> None:
    for name in (
        "reported_complete",
        "verified_complete",
        "submissions_decided",
        "submissions_waiting",
        "extensions_requested",
        "extensions_approved",
        "extensions_rejected",
        "extensions_pending",
        "days_granted",
        "redated_more_than_once",
        "slip_days_extensions",
        "slip_days_other",
        "slipped_by_extensions",
        "slipped_otherwise",
        "discrepancies",
    ):
        assert getattr(figures, name) == expected[name], name
    assert figures.median_days_to_decision == pytest.approx(expected["median"], abs=0.051)
    assert [w.item.pk for w in figures.waiting_longest] == expected["waiting_first"]
    assert figures.awaiting_decisions == (
        expected["submissions_waiting"] + expected["extensions_pending"]
    )
    for row in figures.by_agency:
        wanted = expected["by_agency"][row.agency_id]
        for name in (
            "reported_complete",
            "verified_complete",
            "discrepancies",
            "extensions_requested",
            "extensions_approved",
            "extensions_rejected",
            "extensions_pending",
            "days_granted",
        ):
            assert getattr(row, name) == wanted.get(name, 0), (row.acronym, name)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_accountability_figures_match_a_plain_recount_on_random_data(
    seed: int, coordinator: User
) -> None:
    now = timezone.now()
    data = dataset_create(seed=seed, items=90, now=now)
    accountability_create(seed=seed, now=now)
    summary = report_summary(user=coordinator, filters=ReportFilters(), now=now)
    assert summary.accountability is not None
    check(summary.accountability, recount(None, data.today))
    # "Completed" in the existing figures is verified complete.
    assert summary.totals.count(Status.COMPLETED) == summary.accountability.verified_complete
    # A manager's scope: their agency's items and the recommendations it leads or supports.
    agency = data.agencies[seed]
    manager = member_of(f"manager-{seed}", Membership.Role.MANAGER, agency)
    scoped = report_summary(user=manager, filters=ReportFilters(), now=now)
    assert scoped.accountability is not None
    check(scoped.accountability, recount({agency.pk}, data.today))


@pytest.mark.parametrize("size", [20, 120])
def test_the_accountability_figures_cost_the_same_queries_at_two_sizes(
    size: int, coordinator: User
) -> None:
    from reports.accountability import accountability_figures
    from reports.selectors import report_items

    now = timezone.now()
    dataset_create(seed=7, items=size, now=now)
    accountability_create(seed=7, now=now)
    items = report_items(scope=None, filters=ReportFilters())
    with CaptureQueriesContext(connection) as queries:
        accountability_figures(items=items, today=timezone.localdate(now), list_limit=10)
    # Submissions (counts, median, the waiting), extensions by agency, items re-dated more than
    # once, the approved extensions' days per item and those items' slippage, all items'
    # slippage, and the by-agency counts.
    assert len(queries) == 9, [q["sql"][:80] for q in queries]


def test_the_api_the_page_and_the_exports_give_the_accountability_figures(
    client: Any, coordinator: User
) -> None:
    now = timezone.now()
    dataset_create(seed=11, items=40, now=now)
    accountability_create(seed=11, now=now)
    expected = recount(None, timezone.localdate(now))
    client.force_login(coordinator)

    data = client.get("/api/v1/reports/summary/").json()["accountability"]
    for name in ("reported_complete", "verified_complete", "extensions_pending", "days_granted"):
        assert data[name] == expected[name], name
    assert data["awaiting_decisions"] == (
        expected["submissions_waiting"] + expected["extensions_pending"]
    )
    assert [row["item"]["id"] for row in data["waiting_longest"]] == expected["waiting_first"]

    page = client.get("/reports/").content.decode()
    assert 'id="accountability"' in page
    assert 'href="/verification/"' in page
    assert 'href="/extensions/?status=pending"' in page
    assert "Submissions awaiting verification" in page

    csv = body(client.get("/reports/export.csv")).decode("utf-8-sig")
    assert "Verification and extensions" in csv
    assert f"Days granted by approved extensions,{expected['days_granted']}" in csv

    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    french = client.get("/reports/").content.decode()
    assert "Vérification et prolongations" in french
    assert "Soumissions en attente de vérification" in french
