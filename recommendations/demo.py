"""Demo accounts and a plausible history, for ``make run``. Never loaded by the real-data tests.

Everything goes through the same services as real use, back-dated with their ``at`` argument, so
the timeline, the derived flags and the reports look exactly as they would after months of work.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.services import member_add

from .accountability import services as accountability
from .models import ActionItem, AssessmentRating, ProgressUpdate, Status
from .services import action_item_change

DEMO_PASSWORD = "demo-tracker-2021"  # noqa: S105 - printed in the README on purpose


@dataclass(frozen=True)
class DemoAccount:
    username: str
    agency: str
    role: str
    first_name: str
    last_name: str
    language: str = "en"


DEMO_ACCOUNTS = (
    DemoAccount("coordinator", "PSC", Membership.Role.COORDINATOR, "Claire", "Tremblay", "fr"),
    DemoAccount("rcmp.manager", "RCMP", Membership.Role.MANAGER, "Marc", "Gagnon"),
    DemoAccount("rcmp.staff", "RCMP", Membership.Role.STAFF, "Priya", "Singh"),
    DemoAccount("cbsa.manager", "CBSA", Membership.Role.MANAGER, "Sophie", "Roy", "fr"),
    DemoAccount("cbsa.staff", "CBSA", Membership.Role.STAFF, "Daniel", "Wong"),
    DemoAccount("hc.staff", "HC", Membership.Role.STAFF, "Amélie", "Côté", "fr"),
    DemoAccount("fintrac.staff", "FINTRAC", Membership.Role.STAFF, "James", "Okafor"),
    DemoAccount("cpc.staff", "CPC", Membership.Role.STAFF, "Laura", "MacDonald"),
)


def demo_accounts_create() -> list[User]:
    users = []
    for account in DEMO_ACCOUNTS:
        agency = Agency.objects.get(acronym=account.agency)
        user, _membership, _created = member_add(
            username=account.username,
            agency=agency,
            role=account.role,
            email=f"{account.username}@example.gc.ca",
            password=DEMO_PASSWORD,
            language=account.language,
        )
        if (user.first_name, user.last_name) != (account.first_name, account.last_name):
            user.first_name, user.last_name = account.first_name, account.last_name
            user.save(update_fields=["first_name", "last_name"])
        users.append(user)
    return users


NOTES = (
    "Working group convened; terms of reference circulated.",
    "Data-sharing agreement drafted and sent to legal services.",
    "Waiting on provincial partners for their figures.",
    "Briefing note prepared for the ADM committee.",
    "Pilot started in two regions.",
    "Consultation with partners complete; drafting recommendations.",
)


STORIES = (
    "untouched",
    "progress",
    "blocked",
    "completed",
    "stale",
    "slipped",
    "awaiting",
    "returned",
    "extension_pending",
    "extension_approved",
    "extension_rejected",
    "discrepancy",
)
STORY_WEIGHTS = (1, 6, 2, 3, 1, 2, 1, 1, 1, 1, 1, 1)


@transaction.atomic
def demo_history_create(*, seed: int = 2021, today: datetime.date | None = None) -> int:
    """Give the action items a history over the past months. Returns how many updates it wrote.

    Runs once: if any demo user has already recorded an update, it does nothing.
    """
    demo_users = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    if ProgressUpdate.objects.filter(author__in=demo_users).exists():
        return 0
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    coordinator = User.objects.get(username="coordinator")
    members_by_agency: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(user__in=demo_users).select_related("user"):
        members_by_agency.setdefault(membership.agency_id, []).append(membership.user)

    written = 0
    items = list(ActionItem.objects.select_related("recommendation", "owner_agency").order_by("id"))
    for index, item in enumerate(items):
        # A third of the items were given earlier deadlines, so some are overdue today.
        if index % 3 == 0:
            past_due = today - datetime.timedelta(days=rng.randint(3, 60))
            ActionItem.objects.filter(pk=item.pk).update(
                due_date=past_due, original_due_date=past_due
            )
            item.refresh_from_db()
        members = members_by_agency.get(item.owner_agency_id, [])
        actor = members[0] if members else coordinator
        start = now - datetime.timedelta(days=rng.randint(60, 200))
        item.last_progress_at = start
        ActionItem.objects.filter(pk=item.pk).update(last_progress_at=start)
        if members and index % 2 == 0:
            assignee = members[-1]
            change = action_item_change(
                item=item,
                actor=coordinator,
                expected_version=None,
                notify=False,
                assignee=assignee,
                note="Assigned at the kick-off meeting.",
                at=start,
            )
            item, written = change.item, written + 1
        # Every story appears once first, so each accountability state is on show after
        # ``make run``; then most work is moving, as in a tracker people use: a few items are
        # left untouched or stale, so the "stale" badge means something.
        if index < len(STORIES):
            story = STORIES[index]
        else:
            story = rng.choices(STORIES, weights=STORY_WEIGHTS)[0]
        if story == "untouched":
            continue
        moment = start
        percent = 0
        for step in range(rng.randint(1, 4)):
            moment += datetime.timedelta(days=rng.randint(5, 30))
            if moment >= now - datetime.timedelta(days=1):
                break
            if story == "stale" and moment > now - datetime.timedelta(days=45):
                break
            percent = min(90, percent + rng.choice((10, 15, 20, 25)))
            change = action_item_change(
                item=item,
                actor=actor,
                expected_version=None,
                notify=False,
                status=Status.IN_PROGRESS,
                percent_complete=percent,
                note=NOTES[(index + step) % len(NOTES)],
                at=moment,
            )
            item, written = change.item, written + 1
        finish = min(moment + datetime.timedelta(days=rng.randint(3, 20)), now)
        if story == "blocked":
            change = action_item_change(
                item=item,
                actor=actor,
                expected_version=None,
                notify=False,
                status=Status.BLOCKED,
                note="Blocked: waiting for a regulatory amendment.",
                at=finish,
            )
            written += 1
        elif story in {"completed", "awaiting", "returned"} and actor != coordinator:
            submission = accountability.submission_create(
                item=item,
                actor=actor,
                expected_version=None,
                notify=False,
                note="Delivered; the final report is on the departmental site.",
                links=["https://www.publicsafety.gc.ca/"],
                at=finish,
            )
            written += 1
            if story != "awaiting":
                accountability.verification_decide(
                    item=submission.action_item,
                    actor=coordinator,
                    expected_version=None,
                    notify=False,
                    decision=accountability.ACCEPT
                    if story == "completed"
                    else accountability.RETURN,
                    reason="Signed off."
                    if story == "completed"
                    else "The report covers one region only; add the others.",
                    at=min(finish + datetime.timedelta(days=2), now),
                )
                written += 1
        elif story.startswith("extension") and actor != coordinator:
            request = accountability.extension_request_create(
                item=item,
                actor=actor,
                notify=False,
                proposed_due_date=item.due_date + datetime.timedelta(days=60),
                reason="The partners' data arrives two months late.",
                at=finish,
            )
            if story != "extension_pending":
                accountability.extension_request_decide(
                    request=request,
                    actor=coordinator,
                    notify=False,
                    decision=accountability.APPROVE
                    if story == "extension_approved"
                    else accountability.REJECT,
                    reason="Agreed at the secretariat meeting."
                    if story == "extension_approved"
                    else "The deadline is set by the ministerial commitment.",
                    at=min(finish + datetime.timedelta(days=3), now),
                )
        elif story == "discrepancy":
            accountability.assessment_create(
                item=item,
                actor=coordinator,
                rating=AssessmentRating.OFF_TRACK,
                rationale="No deliverable seen since the kick-off; the plan needs revising.",
                at=finish,
            )
        elif story == "slipped":
            new_due = item.due_date + datetime.timedelta(days=rng.choice((30, 60, 90)))
            change = action_item_change(
                item=item,
                actor=coordinator,
                expected_version=None,
                notify=False,
                due_date=new_due,
                # The demo's history is in the past: its re-dates may be too, confirmed.
                confirm_past_due_date=True,
                note="Re-dated: consultations took longer than planned.",
                at=finish,
            )
            written += 1
        if story not in ("untouched", "stale", "completed"):
            # A recent check-in: most open items were updated in the last month.
            item.refresh_from_db()
            recent = now - datetime.timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 8))
            if item.last_progress_at < recent:
                action_item_change(
                    item=item,
                    actor=actor,
                    expected_version=None,
                    notify=False,
                    note=NOTES[(index + 3) % len(NOTES)],
                    at=recent,
                )
                written += 1
    return written
