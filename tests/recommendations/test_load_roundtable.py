"""The real 2021 roundtable data: loaded from the repository's data file, never the demo."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.db.models import Count

from agencies.models import Agency
from imports.roundtable import DATA_DIR, ROUNDTABLE_2021, DataFileError, source_load
from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Source, Theme

SOURCE_TEXT = (DATA_DIR / "roundtable-2021-summary.txt").read_text(encoding="utf-8")
DATA = yaml.safe_load(ROUNDTABLE_2021.read_text(encoding="utf-8"))


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Source, Theme, Agency, Recommendation, ActionItem, ProgressUpdate)
    }


@pytest.mark.django_db
def test_loading_twice_changes_nothing() -> None:
    call_command("load_roundtable")
    first = _counts()
    stamps = dict(Recommendation.objects.values_list("code", "updated_at"))
    result = source_load()
    assert not result.changed_anything
    assert _counts() == first
    assert dict(Recommendation.objects.values_list("code", "updated_at")) == stamps


@pytest.mark.django_db
def test_loading_again_keeps_the_work_people_recorded() -> None:
    source_load()
    item = ActionItem.objects.order_by("id").first()
    assert item is not None
    ActionItem.objects.filter(pk=item.pk).update(status="in_progress", percent_complete=30)
    source_load()
    item.refresh_from_db()
    assert (item.status, item.percent_complete) == ("in_progress", 30)


@pytest.mark.django_db
def test_loading_fixes_an_edited_title_and_nothing_else() -> None:
    source_load()
    Recommendation.objects.filter(code="RT21-01").update(title_en="typo")
    result = source_load()
    assert result.updated == {"recommendation": 1}
    assert Recommendation.objects.get(code="RT21-01").title_en != "typo"


@pytest.mark.parametrize("recommendation", DATA["recommendations"], ids=lambda r: r["code"])
def test_every_quote_is_word_for_word_in_the_source(recommendation: dict[str, Any]) -> None:
    assert recommendation["source_passage"] in SOURCE_TEXT


def test_every_figure_in_english_text_is_a_figure_of_the_source() -> None:
    figures_in_source = set(re.findall(r"\d[\d,.]*\d|\d", SOURCE_TEXT))
    for recommendation in DATA["recommendations"]:
        text = " ".join([recommendation["title_en"], recommendation.get("description_en", "")])
        for figure in re.findall(r"\d[\d,.]*\d|\d", text):
            assert figure.rstrip(".,") in figures_in_source, (recommendation["code"], figure)


def test_every_theme_title_is_a_heading_of_the_source() -> None:
    headings = {line.strip().removesuffix("Footnote2") for line in SOURCE_TEXT.splitlines()}
    sections = {theme["section"] for theme in DATA["themes"]}
    assert sections == {"key_theme", "gap_opportunity", "future_discussion"}
    for theme in DATA["themes"]:
        assert theme["title_en"] in headings


@pytest.mark.django_db
def test_the_roundtable_covers_what_the_summary_raises() -> None:
    source_load()
    assert Recommendation.objects.count() >= 18
    assert set(Agency.objects.values_list("acronym", flat=True)) >= {
        "PSC",
        "RCMP",
        "CBSA",
        "HC",
        "FINTRAC",
        "CPC",
        "PPSC",
        "DEA",
        "UNODC",
        "OPP",
    }
    text = " ".join(
        f"{r.title_en} {r.description_en} {r.source_passage}".lower()
        for r in Recommendation.objects.all()
    )
    for topic in (
        "precursor",
        "substance-by-substance",
        "punches and dies",
        "resale",
        "cdsa",
        "drug enforcement administration",
        "early warning advisory",
        "courier",
        "small packages",
        "northern",
        "trust",
        "decryption",
        "drones",
        "slang",
        "dark web",
        "virtual currency",
        "recovery-oriented",
        "drug treatment courts",
        "nadd",
        "drug samples",
        "threshold",
        "funding",
        "training",
    ):
        assert topic in text, topic
    # The four topics the tracker was set up for are themes of their own.
    theme_titles = " ".join(Theme.objects.values_list("title_en", flat=True)).lower()
    for topic in ("precursor chemicals", "northern", "postal service", "simple possession"):
        assert topic in theme_titles


@pytest.mark.django_db
def test_each_recommendation_has_owners_and_one_to_four_dated_items() -> None:
    source_load()
    for recommendation in Recommendation.objects.annotate(n=Count("action_items")):
        assert 1 <= recommendation.n <= 4, recommendation.code
        assert recommendation.title_fr
        assert recommendation.description_fr
        assert recommendation.lead_agency not in recommendation.supporting_agencies.all()
        related = {recommendation.lead_agency_id} | set(
            recommendation.supporting_agencies.values_list("id", flat=True)
        )
        for item in recommendation.action_items.all():
            assert item.owner_agency_id in related
            assert item.due_date == item.original_due_date
            assert item.title_fr


@pytest.mark.django_db
def test_a_misquoted_passage_is_refused_with_its_code(tmp_path: Path) -> None:
    data = yaml.safe_load(ROUNDTABLE_2021.read_text(encoding="utf-8"))
    data["recommendations"][0]["source_passage"] = "Words the summary never said."
    data["source"]["text_file"] = str(DATA_DIR / "roundtable-2021-summary.txt")
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="RT21-01"):
        source_load(broken)
    assert Recommendation.objects.count() == 0  # nothing half-loaded
