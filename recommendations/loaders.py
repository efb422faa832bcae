"""Load a source document and its recommendations from a data file (YAML), idempotently.

Running a load again changes nothing: a row is written only when one of its values differs from
the file. The workflow state of an action item (status, percent, assignee, due date) belongs to
the people doing the work and is never touched after the item is first created.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from django.db import models, transaction

from agencies.models import Agency

from .models import ActionItem, Recommendation, Source, Theme

M = TypeVar("M", bound=models.Model)

DATA_DIR = Path(__file__).resolve().parent / "data"
ROUNDTABLE_2021 = DATA_DIR / "roundtable_2021.yaml"


class DataFileError(Exception):
    """The data file is not what the loader expects; the message says where."""


@dataclass
class LoadResult:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    @property
    def changed_anything(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


def _upsert(
    model: type[M], result: LoadResult, lookup: dict[str, Any], values: dict[str, Any]
) -> M:
    """Create the row, or update only the fields whose value differs; count what happened."""
    label = model._meta.model_name or model.__name__
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model._default_manager.create(**lookup, **values)
        result.created[label] += 1
        return instance
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save(update_fields=changed)
        result.updated[label] += 1
    else:
        result.unchanged[label] += 1
    return instance


def _date(value: Any, where: str) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise DataFileError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD).") from error


@transaction.atomic
def source_load(path: Path = ROUNDTABLE_2021) -> LoadResult:
    """Load the source, themes, agencies, recommendations and action items of ``path``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(f"Cannot read {path}: {error}") from error
    result = LoadResult()

    source_data = data["source"]
    text_file = source_data.get("text_file")
    text = (path.parent / text_file).read_text(encoding="utf-8") if text_file else ""
    source = _upsert(
        Source,
        result,
        {"key": source_data["key"]},
        {
            "title_en": source_data["title_en"],
            "title_fr": source_data["title_fr"],
            "publisher_en": source_data["publisher_en"],
            "publisher_fr": source_data["publisher_fr"],
            "published_on": _date(source_data.get("published_on"), "source.published_on"),
            "url": source_data.get("url") or "",
            "text": text,
        },
    )

    themes: dict[str, Theme] = {}
    for position, theme_data in enumerate(data["themes"], start=1):
        themes[theme_data["key"]] = _upsert(
            Theme,
            result,
            {"source": source, "key": theme_data["key"]},
            {
                "section": theme_data["section"],
                "title_en": theme_data["title_en"],
                "title_fr": theme_data["title_fr"],
                "position": position,
            },
        )

    agencies: dict[str, Agency] = {}
    for agency_data in data["agencies"]:
        agencies[agency_data["acronym"]] = _upsert(
            Agency,
            result,
            {"acronym": agency_data["acronym"]},
            {
                **{key: agency_data[key] for key in ("name_en", "name_fr", "level", "kind")},
                # Only where French uses another acronym (GRC for RCMP); else the English one.
                "acronym_fr": agency_data.get("acronym_fr", ""),
            },
        )

    def agency(acronym: str, where: str) -> Agency:
        try:
            return agencies[acronym]
        except KeyError:
            raise DataFileError(f"{where}: no agency with acronym {acronym!r}.") from None

    for rec_data in data["recommendations"]:
        code = rec_data["code"]
        if rec_data["source_passage"] not in text:
            raise DataFileError(f"{code}: the source passage is not word for word in the source.")
        try:
            theme = themes[rec_data["theme"]]
        except KeyError:
            raise DataFileError(f"{code}: no theme with key {rec_data['theme']!r}.") from None
        created_before = result.created["recommendation"]
        recommendation = _upsert(
            Recommendation,
            result,
            {"code": code},
            {
                "source": source,
                "theme": theme,
                "title_en": rec_data["title_en"],
                "title_fr": rec_data["title_fr"],
                "description_en": rec_data.get("description_en", ""),
                "description_fr": rec_data.get("description_fr", ""),
                "source_passage": rec_data["source_passage"],
                "priority": rec_data["priority"],
                "lead_agency": agency(rec_data["lead"], code),
                "target_date": _date(rec_data.get("target_date"), f"{code}.target_date"),
            },
        )
        supporting = {agency(acronym, code).pk for acronym in rec_data.get("supporting", [])}
        current = set(recommendation.supporting_agencies.values_list("pk", flat=True))
        if supporting != current:
            recommendation.supporting_agencies.set(supporting)
            if result.created["recommendation"] == created_before:
                result.updated["recommendation supporting agencies"] += 1

        for sequence, item_data in enumerate(rec_data["action_items"], start=1):
            where = f"{code}.{sequence}"
            descriptive = {
                "title_en": item_data["title_en"],
                "title_fr": item_data["title_fr"],
                "description_en": item_data.get("description_en", ""),
                "description_fr": item_data.get("description_fr", ""),
                "owner_agency": agency(item_data["owner"], where),
            }
            existing = ActionItem.objects.filter(
                recommendation=recommendation, sequence=sequence
            ).first()
            if existing is None:
                due_date = _date(item_data.get("due_date"), f"{where}.due_date")
                if due_date is None:
                    raise DataFileError(f"{where}: an action item needs a due_date.")
                ActionItem.objects.create(
                    recommendation=recommendation,
                    sequence=sequence,
                    due_date=due_date,
                    original_due_date=due_date,
                    **descriptive,
                )
                result.created["actionitem"] += 1
            else:
                _upsert(ActionItem, result, {"pk": existing.pk}, descriptive)
    return result
