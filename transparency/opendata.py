"""The open data: one definition of its fields, used by the JSON, the CSV, the CSV's metadata
(CSV on the Web, W3C) and the field list shown on the public page and in the README.

The files are language-neutral: every text is given in English and in French. The schema has a
version; a change that removes or renames a field raises its major number.
"""

import csv
import datetime
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from imports.cells import row_safe
from recommendations.models import ActionItem

SCHEMA_VERSION = "1.0"
LICENCE_NAME_EN = "Open Government Licence – Canada"  # noqa: RUF001 - the licence's own name
LICENCE_NAME_FR = "Licence du gouvernement ouvert – Canada"  # noqa: RUF001
LICENCE_URL_EN = "https://open.canada.ca/en/open-government-licence-canada"
LICENCE_URL_FR = "https://ouvert.canada.ca/fr/licence-du-gouvernement-ouvert-canada"
PUBLISHER = "Public Safety Canada / Sécurité publique Canada"


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return value.isoformat()


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # CSVW / JSON Schema datatype: string, integer, date
    description: Any  # lazily translated
    value: Callable[[ActionItem], Any]
    nullable: bool = False


FIELDS: tuple[Field, ...] = (
    Field(
        "recommendation",
        "string",
        _("Reference code of the recommendation."),
        lambda i: i.recommendation.code,
    ),
    Field(
        "recommendation_title_en",
        "string",
        _("Title of the recommendation, in English."),
        lambda i: i.recommendation.title_en,
    ),
    Field(
        "recommendation_title_fr",
        "string",
        _("Title of the recommendation, in French."),
        lambda i: i.recommendation.title_fr,
    ),
    Field(
        "theme_en",
        "string",
        _("Theme of the source the recommendation sits under, in English."),
        lambda i: i.recommendation.theme.title_en,
    ),
    Field(
        "theme_fr",
        "string",
        _("Theme of the source the recommendation sits under, in French."),
        lambda i: i.recommendation.theme.title_fr,
    ),
    Field(
        "lead_agency",
        "string",
        _("Acronym of the lead agency of the recommendation."),
        lambda i: i.recommendation.lead_agency.acronym,
    ),
    Field(
        "lead_agency_name_en",
        "string",
        _("Name of the lead agency, in English."),
        lambda i: i.recommendation.lead_agency.name_en,
    ),
    Field(
        "lead_agency_name_fr",
        "string",
        _("Name of the lead agency, in French."),
        lambda i: i.recommendation.lead_agency.name_fr,
    ),
    Field(
        "supporting_agencies",
        "string",
        _("Acronyms of the supporting agencies (a list in JSON; separated by “;” in CSV)."),
        lambda i: [a.acronym for a in i.recommendation.supporting_agencies.all()],
    ),
    Field(
        "action_item",
        "string",
        _("Reference of the action item: recommendation code, a dot, its number."),
        lambda i: i.reference,
    ),
    Field(
        "action_item_title_en",
        "string",
        _("Title of the action item, in English."),
        lambda i: i.title_en,
    ),
    Field(
        "action_item_title_fr",
        "string",
        _("Title of the action item, in French."),
        lambda i: i.title_fr,
    ),
    Field(
        "owner_agency",
        "string",
        _("Acronym of the agency that owns the action item."),
        lambda i: i.owner_agency.acronym,
    ),
    Field(
        "owner_agency_name_en",
        "string",
        _("Name of the owner agency, in English."),
        lambda i: i.owner_agency.name_en,
    ),
    Field(
        "owner_agency_name_fr",
        "string",
        _("Name of the owner agency, in French."),
        lambda i: i.owner_agency.name_fr,
    ),
    Field(
        "status",
        "string",
        _(
            "Status code: not_started, in_progress, blocked, completed, cancelled (and any status added later)."
        ),
        lambda i: i.status,
    ),
    Field(
        "percent_complete",
        "integer",
        _("Percent complete reported by the owner agency (0 to 100)."),
        lambda i: i.percent_complete,
    ),
    Field(
        "due_date", "date", _("Date the action item is due (ISO 8601)."), lambda i: _iso(i.due_date)
    ),
    Field(
        "completed_on",
        "date",
        _("Date it was completed, if its status is completed (ISO 8601)."),
        lambda i: _iso(i.completed_at) if i.status == "completed" else None,
        nullable=True,
    ),
    Field(
        "last_status_change",
        "date",
        _("Date of its latest status change, if any (ISO 8601)."),
        lambda i: _iso(getattr(i, "last_status_change", None)),
        nullable=True,
    ),
)


def item_record(item: ActionItem) -> dict[str, Any]:
    return {field.name: field.value(item) for field in FIELDS}


def _metadata(modified: datetime.datetime | None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "title": {
            "en": "Law Enforcement Roundtable on Drugs: progress on the recommendations",
            "fr": "Table ronde des forces de l'ordre sur les drogues : avancement des recommandations",
        },
        "publisher": PUBLISHER,
        "licence": {
            "name": {"en": LICENCE_NAME_EN, "fr": LICENCE_NAME_FR},
            "url": {"en": LICENCE_URL_EN, "fr": LICENCE_URL_FR},
        },
        "date_modified": modified.isoformat() if modified else None,
    }


def _field_docs() -> list[dict[str, Any]]:
    from django.utils import translation

    docs = []
    for field in FIELDS:
        descriptions = {}
        for language in ("en", "fr"):
            with translation.override(language):
                descriptions[language] = str(field.description)
        docs.append(
            {
                "name": field.name,
                "type": field.kind,
                "nullable": field.nullable,
                "description": descriptions,
            }
        )
    return docs


def action_items_json(items: Iterable[ActionItem], modified: datetime.datetime | None) -> bytes:
    document = {
        **_metadata(modified),
        "fields": _field_docs(),
        "action_items": [item_record(item) for item in items],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def action_items_csv(items: Iterable[ActionItem]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([field.name for field in FIELDS])
    for item in items:
        record = item_record(item)
        record["supporting_agencies"] = ";".join(record["supporting_agencies"])
        # Titles are typed by people: a cell a spreadsheet would run stays text (one sanitiser
        # for every CSV and XLSX the tracker writes).
        writer.writerow(
            row_safe(["" if record[f.name] is None else record[f.name] for f in FIELDS])
        )
    # A byte-order mark so that spreadsheet programs read the accents as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def action_items_csv_metadata(csv_url: str, modified: datetime.datetime | None) -> bytes:
    """CSV on the Web (W3C) metadata for the CSV: licence, version and every column described."""
    metadata = _metadata(modified)
    columns = []
    for doc in _field_docs():
        columns.append(
            {
                "name": doc["name"],
                "titles": doc["name"],
                "datatype": doc["type"],
                "required": not doc["nullable"],
                "dc:description": [
                    {"@value": doc["description"]["en"], "@language": "en"},
                    {"@value": doc["description"]["fr"], "@language": "fr"},
                ],
                **({"separator": ";"} if doc["name"] == "supporting_agencies" else {}),
            }
        )
    document = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_url,
        "dc:title": [
            {"@value": metadata["title"]["en"], "@language": "en"},
            {"@value": metadata["title"]["fr"], "@language": "fr"},
        ],
        "dc:publisher": PUBLISHER,
        "dc:license": {"@id": LICENCE_URL_EN},
        "dc:rights": f"{LICENCE_NAME_EN} / {LICENCE_NAME_FR}",
        "dc:modified": metadata["date_modified"],
        "schema:version": SCHEMA_VERSION,
        "tableSchema": {"columns": columns, "primaryKey": "action_item"},
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
