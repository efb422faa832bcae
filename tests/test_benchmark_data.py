"""The benchmark data generator writes timelines like the services do: each item's starts with its
creation entry, each entry starts where the one before it ended, the last ends at the item's
current status, and the version counts the changes after creation."""

import itertools

import pytest
from django.db import connection

from benchmarks.data import Scale, benchmark_data_generate
from recommendations.models import ActionItem, ProgressUpdate, creation_condition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_generated_timelines_start_with_the_creation_and_form_a_chain() -> None:
    scale = Scale(agencies=10, users=100, themes=3, recommendations=5, items=40, updates_per_item=4)
    benchmark_data_generate(scale=scale, force=True)
    assert ProgressUpdate.objects.count() == scale.updates
    assert ProgressUpdate.objects.filter(creation_condition()).count() == scale.items
    for item in ActionItem.objects.all():
        entries = list(item.updates.order_by("created_at", "id"))
        assert entries[0].is_creation
        assert entries[0].created_at == item.created_at
        assert entries[0].due_date_after == item.original_due_date
        for before, after in itertools.pairwise(entries):
            assert after.status_before == before.status_after
            assert after.percent_before == before.percent_after
        assert (entries[-1].status_after, entries[-1].percent_after) == (
            item.status,
            item.percent_complete,
        )
        assert item.version == len(entries)


def test_columns_the_inserts_do_not_name_get_the_model_default_and_none_is_left_behind() -> None:
    scale = Scale(agencies=8, users=40, themes=2, recommendations=3, items=10, updates_per_item=2)
    benchmark_data_generate(scale=scale, force=True)
    # Not named by the generator's INSERT: the model's default, as Django would have written.
    field = ActionItem._meta.get_field("latest_assessment_rating")
    assert set(ActionItem.objects.values_list("latest_assessment_rating", flat=True)) == {
        field.get_default()
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name = ANY(%s) AND column_default IS NOT NULL "
            "AND column_default NOT LIKE 'nextval%%'",
            [["recommendations_actionitem", "recommendations_progressupdate", "agencies_user"]],
        )
        assert cursor.fetchall() == []
