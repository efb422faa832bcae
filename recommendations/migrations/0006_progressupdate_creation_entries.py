"""Give every existing action item the creation entry that ``action_item_create`` now writes.

The entry is dated at the item's ``created_at``, or, where its history was back-dated before its
creation (``born_at``, the demo's), one microsecond before its first update, so that it stays the
first entry and the figures rebuilt from the timeline (``reports/as_of.py``) do not move. Its
"after" values are what the item started with: the "before" values of its first update, or its
current values when it has none (every change leaves an update). Its author is unknown (null).
Items that already have one (created since) are left alone, so the migration can run again.
"""

import datetime
from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery

BATCH = 2000
CREATION_STATUS_BEFORE = ""


def creation_entries_add(apps: Any, schema_editor: Any) -> None:
    ActionItem = apps.get_model("recommendations", "ActionItem")
    ProgressUpdate = apps.get_model("recommendations", "ProgressUpdate")
    first = ProgressUpdate.objects.filter(action_item=OuterRef("pk")).order_by("created_at", "id")
    items = (
        ActionItem.objects.exclude(
            pk__in=ProgressUpdate.objects.filter(status_before=CREATION_STATUS_BEFORE).values(
                "action_item_id"
            )
        )
        .annotate(
            first_at=Subquery(first.values("created_at")[:1]),
            first_status=Subquery(first.values("status_before")[:1]),
            first_percent=Subquery(first.values("percent_before")[:1]),
            first_due=Subquery(first.values("due_date_before")[:1]),
            first_assignee=Subquery(first.values("assignee_before_id")[:1]),
        )
        .order_by("pk")
        .values(
            "pk",
            "created_at",
            "status",
            "percent_complete",
            "original_due_date",
            "assignee_id",
            "first_at",
            "first_status",
            "first_percent",
            "first_due",
            "first_assignee",
        )
    )
    batch: list[Any] = []
    moved_born: list[tuple[int, datetime.datetime]] = []
    for row in items.iterator(chunk_size=BATCH):
        at = row["created_at"]
        if row["first_at"] is not None and row["first_at"] <= at:
            at = row["first_at"] - datetime.timedelta(microseconds=1)
            moved_born.append((row["pk"], at))
        has_first = row["first_at"] is not None
        percent = row["first_percent"] if has_first else row["percent_complete"]
        batch.append(
            ProgressUpdate(
                action_item_id=row["pk"],
                author_id=None,
                created_at=at,
                status_before=CREATION_STATUS_BEFORE,
                status_after=row["first_status"] if has_first else row["status"],
                percent_before=percent,
                percent_after=percent,
                due_date_before=None,
                due_date_after=(row["first_due"] if has_first else None) or row["original_due_date"],
                assignee_before_id=None,
                assignee_after_id=row["first_assignee"] if has_first else row["assignee_id"],
            )
        )
        if len(batch) >= BATCH:
            ProgressUpdate.objects.bulk_create(batch)
            batch = []
    if batch:
        ProgressUpdate.objects.bulk_create(batch)
    # The history now starts at the creation entry (bulk_create skips ProgressUpdate.save).
    for pk, at in moved_born:
        ActionItem.objects.filter(pk=pk).update(born_at=at)


def creation_entries_remove(apps: Any, schema_editor: Any) -> None:
    ProgressUpdate = apps.get_model("recommendations", "ProgressUpdate")
    ProgressUpdate.objects.filter(status_before=CREATION_STATUS_BEFORE).delete()


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0005_merge_0003_report_speed_0004_merge_20261201_1714")]

    operations = [migrations.RunPython(creation_entries_add, creation_entries_remove)]
