"""Load a source document and its recommendations from a data file (YAML), idempotently.

The file is turned into the rows a workbook gives and goes through the workbook import
(``imports.sources``): the same checks, the same services, the same "unchanged" when nothing
differs. Running a load again changes nothing. The workflow state of an action item (status,
percent, assignee, due date) belongs to the people doing the work and is never touched after the
item is first created (``redate=False``).
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import translation

from agencies.models import Agency

from .sources import (
    ImportFailed,
    Rows,
    SourceImportPlan,
    cells_from_values,
    source_import_apply,
    source_import_plan,
)

DATA_DIR = Path(settings.BASE_DIR) / "recommendations" / "data"
ROUNDTABLE_2021 = DATA_DIR / "roundtable_2021.yaml"

_LABELS = {
    "source": "source",
    "theme": "theme",
    "recommendation": "recommendation",
    "action_item": "actionitem",
}


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


def _agencies_save(data: list[dict[str, Any]], result: LoadResult) -> None:
    """The agencies of the data file (the workbook import names agencies, it never adds them)."""
    for agency_data in data:
        values = {key: agency_data[key] for key in ("name_en", "name_fr", "level", "kind")}
        # Only where French uses another acronym (GRC for RCMP); else the English one.
        values["acronym_fr"] = agency_data.get("acronym_fr", "")
        agency = Agency.objects.filter(acronym=agency_data["acronym"]).first()
        if agency is None:
            agency = Agency(acronym=agency_data["acronym"], **values)
            agency.full_clean()
            agency.save()
            result.created["agency"] += 1
            continue
        changed = [name for name, value in values.items() if getattr(agency, name) != value]
        if changed:
            for name in changed:
                setattr(agency, name, values[name])
            agency.full_clean()
            agency.save(update_fields=changed)
            result.updated["agency"] += 1
        else:
            result.unchanged["agency"] += 1


def _rows(items: list[dict[str, Any]]) -> Rows:
    # Numbered as a sheet would be under its header row, so messages point somewhere sensible.
    return [(number, cells_from_values(row)) for number, row in enumerate(items, start=2)]


def data_file_rows(path: Path) -> tuple[dict[str, Any], dict[str, tuple[str, Rows]]]:
    """The data file and its rows, sheet by sheet, as the workbook import reads them."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(f"Cannot read {path}: {error}") from error
    source = data["source"]
    text_file = source.get("text_file")
    try:
        text = (path.parent / text_file).read_text(encoding="utf-8") if text_file else ""
    except OSError as error:
        raise DataFileError(f"Cannot read the source text {text_file}: {error}") from error
    key = source["key"]
    sources = [
        {
            "key": key,
            "title_en": source["title_en"],
            "title_fr": source["title_fr"],
            "publisher_en": source["publisher_en"],
            "publisher_fr": source["publisher_fr"],
            "published_on": source.get("published_on"),
            "url": source.get("url") or "",
            "text": text,
        }
    ]
    themes = [
        {
            "source": key,
            "key": t["key"],
            "section": t["section"],
            "title_en": t["title_en"],
            "title_fr": t["title_fr"],
        }
        for t in data["themes"]
    ]
    recommendations = []
    items = []
    for r in data["recommendations"]:
        recommendations.append(
            {
                "code": r["code"],
                "source": key,
                "theme": r["theme"],
                "title_en": r["title_en"],
                "title_fr": r["title_fr"],
                "description_en": r.get("description_en", ""),
                "description_fr": r.get("description_fr", ""),
                "source_passage": r["source_passage"],
                "priority": r["priority"],
                "lead": r["lead"],
                "supporting": ", ".join(r.get("supporting", [])),
                "target_date": r.get("target_date"),
            }
        )
        for number, item in enumerate(r["action_items"], start=1):
            items.append(
                {
                    "recommendation": r["code"],
                    "number": number,
                    "title_en": item["title_en"],
                    "title_fr": item["title_fr"],
                    "description_en": item.get("description_en", ""),
                    "description_fr": item.get("description_fr", ""),
                    "owner": item["owner"],
                    "due_date": item.get("due_date"),
                }
            )
    rows = {
        "sources": ("Sources", _rows(sources)),
        "themes": ("Themes", _rows(themes)),
        "recommendations": ("Recommendations", _rows(recommendations)),
        "action_items": ("Action items", _rows(items)),
    }
    return data, rows


def _count(plan: SourceImportPlan, result: LoadResult) -> None:
    for step in plan.steps:
        label = _LABELS[step.kind]
        {"create": result.created, "update": result.updated, "unchanged": result.unchanged}[
            step.action
        ][label] += 1


@transaction.atomic
def source_load(path: Path = ROUNDTABLE_2021) -> LoadResult:
    """Load the source, themes, agencies, recommendations and action items of ``path``.

    Nothing is written unless every row is valid (DataFileError lists the refusals).
    """
    data, rows = data_file_rows(path)
    result = LoadResult()
    # Messages for an operator, in English like the rest of the command's output.
    with translation.override("en"):
        _agencies_save(data.get("agencies", []), result)
        plan = source_import_plan(rows, redate=False)
        if not plan.ok:
            raise DataFileError("\n".join(str(problem) for problem in plan.problems))
        try:
            source_import_apply(plan, actor=None)
        except ImportFailed as error:
            raise DataFileError("\n".join(str(p) for p in error.problems)) from error
    _count(plan, result)
    return result
