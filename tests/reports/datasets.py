"""Random data sets for the report tests: many agencies, every status, dates over a year.

Each item gets a consistent timeline (a chain of progress updates ending in its current
status), sometimes with reopenings, cancellations after completion, notes that change nothing,
and history back-dated before the item's creation (as the demo loader writes it).
"""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from agencies.models import Agency, Membership, User
from recommendations.models import (
    ActionItem,
    Priority,
    ProgressUpdate,
    Recommendation,
    Source,
    Status,
    Theme,
)
from recommendations.services import data_version_bump

OPEN = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED)


@dataclass(frozen=True)
class Dataset:
    agencies: list[Agency]
    themes: list[Theme]
    recommendations: list[Recommendation]
    items: list[ActionItem]
    now: datetime.datetime
    today: datetime.date


def _random_moment(
    rng: random.Random, start: datetime.datetime, end: datetime.datetime
) -> datetime.datetime:
    span = (end - start).total_seconds()
    return start + datetime.timedelta(seconds=rng.uniform(0, max(span, 0)))


def dataset_create(
    *,
    seed: int,
    items: int,
    agencies: int = 12,
    now: datetime.datetime | None = None,
) -> Dataset:
    """Create a random data set of ``items`` action items, all in bulk (a few queries)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    agency_rows = Agency.objects.bulk_create(
        Agency(
            acronym=f"S{seed}A{n:02d}",
            name_en=f"Agency {n} of set {seed}",
            name_fr=f"Agence {n} du jeu {seed}",
            level=Agency.Level.FEDERAL,
            kind=Agency.Kind.POLICE,
        )
        for n in range(agencies)
    )
    source, _ = Source.objects.get_or_create(
        key=f"set-{seed}",
        defaults={
            "title_en": f"Set {seed}",
            "title_fr": f"Jeu {seed}",
            "publisher_en": "PS",
            "publisher_fr": "SP",
        },
    )
    theme_rows = Theme.objects.bulk_create(
        Theme(
            source=source,
            key=f"theme-{n}",
            section=rng.choice(Theme.Section.values),
            title_en=f"Theme {n} of set {seed}",
            title_fr=f"Thème {n} du jeu {seed}",
            position=n,
        )
        for n in range(max(2, min(8, items // 10 + 2)))
    )
    recommendation_rows = Recommendation.objects.bulk_create(
        Recommendation(
            code=f"S{seed}-{n:03d}",
            source=source,
            theme=rng.choice(theme_rows),
            title_en=f"Recommendation {n} of set {seed}",
            title_fr=f"Recommandation {n} du jeu {seed}",
            source_passage="A passage.",
            priority=rng.choice(Priority.values),
            lead_agency=rng.choice(agency_rows),
        )
        for n in range(max(3, items // 6))
    )
    supporting = Recommendation.supporting_agencies.through
    supporting.objects.bulk_create(
        supporting(recommendation_id=recommendation.pk, agency_id=agency.pk)
        for recommendation in recommendation_rows
        for agency in rng.sample(agency_rows, rng.randint(0, min(3, len(agency_rows))))
    )
    users = User.objects.bulk_create(
        User(username=f"s{seed}-member-{n}", first_name="Member", last_name=str(n))
        for n in range(max(2, agencies))
    )
    Membership.objects.bulk_create(
        Membership(user=user, agency=agency_rows[n % len(agency_rows)])
        for n, user in enumerate(users)
    )

    item_rows: list[ActionItem] = []
    timelines: list[list[tuple[datetime.datetime, str, str]]] = []
    created: list[datetime.datetime] = []
    sequences: dict[int, int] = {}
    for _n in range(items):
        recommendation = rng.choice(recommendation_rows)
        sequences[recommendation.pk] = sequences.get(recommendation.pk, 0) + 1
        created_at = now - datetime.timedelta(days=rng.uniform(1, 400))
        # The timeline: a chain of statuses, each update dated after the previous one.
        status: str = rng.choice([Status.NOT_STARTED, *OPEN, Status.COMPLETED])
        history_start = created_at
        if rng.random() < 0.1:
            # Back-dated history, as the demo writes it: updates before the row's creation.
            history_start = created_at - datetime.timedelta(days=rng.uniform(1, 90))
        moments = sorted(
            _random_moment(rng, history_start, now) for _ in range(rng.choice((0, 1, 2, 3, 5)))
        )
        timeline = []
        for moment in moments:
            after = rng.choice(
                [*Status.values, status, Status.COMPLETED]
                if rng.random() < 0.8
                else [status]  # a note: nothing changes
            )
            timeline.append((moment, status, after))
            status = after
        due_date = today + datetime.timedelta(days=rng.randint(-250, 250))
        slip = rng.choice((0, 0, 0, 0, rng.randint(-30, -1), rng.randint(1, 400)))
        percent = 100 if status == Status.COMPLETED else rng.randint(0, 99)
        item_rows.append(
            ActionItem(
                recommendation=recommendation,
                sequence=sequences[recommendation.pk],
                title_en=f"Item {_n} of set {seed}",
                title_fr=f"Mesure {_n} du jeu {seed}",
                owner_agency=rng.choice(agency_rows),
                assignee=rng.choice([None, *users]),
                status=status,
                percent_complete=percent,
                due_date=due_date,
                original_due_date=due_date - datetime.timedelta(days=slip),
                last_progress_at=moments[-1] if moments else created_at,
            )
        )
        timelines.append(timeline)
        created.append(created_at)
    item_rows = ActionItem.objects.bulk_create(item_rows)
    # auto_now_add overwrote created_at on insert; bulk_update writes the values as given.
    for item, created_at in zip(item_rows, created, strict=True):
        item.created_at = created_at
    # born_at as the services write it: the first update, when it is dated before the creation.
    for item, created_at, timeline in zip(item_rows, created, timelines, strict=True):
        if timeline and timeline[0][0] < created_at:
            item.born_at = timeline[0][0]
    ActionItem.objects.bulk_update(item_rows, ["created_at", "born_at"], batch_size=500)
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            action_item=item,
            created_at=moment,
            status_before=before,
            status_after=after,
            percent_before=0,
            percent_after=100 if after == Status.COMPLETED else 0,
        )
        for item, timeline in zip(item_rows, timelines, strict=True)
        for moment, before, after in timeline
    )
    # Bulk writes send no signal: move the data version as every other writer does.
    data_version_bump()
    return Dataset(
        agencies=agency_rows,
        themes=theme_rows,
        recommendations=recommendation_rows,
        items=item_rows,
        now=now,
        today=today,
    )
