"""``load_roundtable`` goes through the workbook import and still loads exactly the file."""

import pytest
import yaml
from django.core.management import call_command

from imports.roundtable import DATA_DIR, ROUNDTABLE_2021
from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Source, Theme

DATA = yaml.safe_load(ROUNDTABLE_2021.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_every_row_is_the_data_files_row() -> None:
    call_command("load_roundtable")
    source = Source.objects.get()
    assert (source.key, source.title_en, source.title_fr, source.publisher_fr) == (
        DATA["source"]["key"],
        DATA["source"]["title_en"],
        DATA["source"]["title_fr"],
        DATA["source"]["publisher_fr"],
    )
    assert source.text == (DATA_DIR / DATA["source"]["text_file"]).read_text(encoding="utf-8")
    themes = list(
        Theme.objects.order_by("position").values_list("key", "section", "title_en", "title_fr")
    )
    assert themes == [
        (t["key"], t["section"], t["title_en"], t["title_fr"]) for t in DATA["themes"]
    ]
    assert Recommendation.objects.count() == len(DATA["recommendations"])
    for data in DATA["recommendations"]:
        recommendation = Recommendation.objects.get(code=data["code"])
        assert recommendation.theme.key == data["theme"]
        assert recommendation.title_en == data["title_en"].strip()
        assert recommendation.title_fr == data["title_fr"].strip()
        assert recommendation.description_fr == data.get("description_fr", "").strip()
        assert recommendation.source_passage == data["source_passage"].strip()
        assert recommendation.priority == data["priority"]
        assert recommendation.lead_agency.acronym == data["lead"]
        assert sorted(a.acronym for a in recommendation.supporting_agencies.all()) == sorted(
            data.get("supporting", [])
        )
        items = list(recommendation.action_items.order_by("sequence"))
        assert [(i.sequence, i.title_en, i.owner_agency.acronym, i.due_date) for i in items] == [
            (n, item["title_en"].strip(), item["owner"], item["due_date"])
            for n, item in enumerate(data["action_items"], start=1)
        ]
    # Created through the services: no timeline entry for a new item, as before.
    assert ProgressUpdate.objects.count() == 0


@pytest.mark.django_db
def test_a_redate_people_made_survives_loading_again() -> None:
    call_command("load_roundtable")
    item = ActionItem.objects.order_by("id")[0]
    moved = item.due_date.replace(year=item.due_date.year + 1)
    ActionItem.objects.filter(pk=item.pk).update(due_date=moved)
    call_command("load_roundtable")
    item.refresh_from_db()
    assert item.due_date == moved
