"""Items completed before verification existed are marked verified by the system: a submission
accepted by nobody (the system), with a note saying so, so that "completed" keeps meaning what it
meant and every completed item has a verification record."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SYSTEM_NOTE = (
    "Completed before verification was introduced; marked verified by the system. "
    "Complété avant l'introduction de la vérification; marqué comme vérifié par le système."
)


def mark_completed_items_verified(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ActionItem = apps.get_model("recommendations", "ActionItem")
    Submission = apps.get_model("recommendations", "Submission")
    completed = ActionItem.objects.filter(status="completed").exclude(
        submissions__decision="accepted"
    )
    batch = []
    for item_id, completed_at, updated_at in completed.values_list(
        "pk", "completed_at", "updated_at"
    ).iterator(chunk_size=2000):
        when = completed_at or updated_at
        batch.append(
            Submission(
                action_item_id=item_id,
                submitted_by=None,
                submitted_at=when,
                note=SYSTEM_NOTE,
                links=[],
                percent_before=100,
                decision="accepted",
                decided_by=None,
                decided_at=when,
                decision_reason=SYSTEM_NOTE,
            )
        )
        if len(batch) >= 2000:
            Submission.objects.bulk_create(batch)
            batch = []
    Submission.objects.bulk_create(batch)


def forget_system_verifications(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Submission = apps.get_model("recommendations", "Submission")
    Submission.objects.filter(submitted_by=None, note=SYSTEM_NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0006_accountability")]

    operations = [migrations.RunPython(mark_completed_items_verified, forget_system_verifications)]
