"""The downloadable workbook template of the source import: one sheet per kind with headers in
both languages and a filled example row, drop-down lists (agencies, sections, priorities,
statuses) and a notes sheet that explains each column."""

import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from recommendations.models import Priority, Status, ThemeSection

from .cells import row_safe
from .lookups import agency_acronyms
from .sources import SHEETS, SheetSpec

EXAMPLES: dict[str, dict[str, object]] = {
    "sources": {
        "key": "roundtable-2022",
        "title_en": "Sixth Law Enforcement Roundtable on Drugs: Meeting Summary",
        "title_fr": "Sixième Table ronde des organismes d'application de la loi sur les drogues : résumé",
        "publisher_en": "Public Safety Canada",
        "publisher_fr": "Sécurité publique Canada",
        "published_on": "2022-11-30",
        "url": "",
        "text": "Participants discussed the supply of precursor chemicals. ...",
    },
    "themes": {
        "source": "roundtable-2022",
        "key": "precursors",
        "section": "Gap and opportunity",
        "title_en": "Precursor chemicals",
        "title_fr": "Précurseurs chimiques",
    },
    "recommendations": {
        "code": "RT22-01",
        "source": "roundtable-2022",
        "theme": "precursors",
        "title_en": "Share precursor seizure data",
        "title_fr": "Partager les données sur les saisies de précurseurs",
        "description_en": "",
        "description_fr": "",
        "source_passage": "Participants discussed the supply of precursor chemicals.",
        "priority": "High",
        "lead": "HC",
        "supporting": "CBSA, RCMP",
        "target_date": "2023-12-31",
    },
    "action_items": {
        "recommendation": "RT22-01",
        "number": 1,
        "title_en": "Draft a data-sharing agreement",
        "title_fr": "Rédiger une entente de partage de données",
        "description_en": "",
        "description_fr": "",
        "owner": "HC",
        "due_date": "2023-06-30",
    },
}

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet_name(spec: SheetSpec) -> str:
    return spec.name_fr if translation.get_language() == "fr" else spec.name_en


def _labels(choices: type) -> list[str]:
    return [str(label) for label in choices.labels]  # type: ignore[attr-defined]


def template_workbook() -> bytes:
    """The template, in the active language (sheet names and drop-down labels)."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    lists = {
        "agencies": agency_acronyms(),
        "sections": _labels(ThemeSection),
        "priorities": _labels(Priority),
        "statuses": _labels(Status),
    }
    lists_sheet_name = "Listes" if translation.get_language() == "fr" else "Lists"
    references: dict[str, str] = {}
    for position, (key, entries) in enumerate(lists.items(), start=1):
        letter = get_column_letter(position)
        references[key] = (
            f"{quote_sheetname(lists_sheet_name)}!${letter}$2:${letter}${max(2, len(entries) + 1)}"
        )
    validated = {
        "section": "sections",
        "priority": "priorities",
        "lead": "agencies",
        "owner": "agencies",
    }
    for spec in SHEETS:
        sheet = workbook.create_sheet(_sheet_name(spec))
        sheet.append([column.header for column in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
        example = EXAMPLES[spec.kind]
        sheet.append(row_safe([example.get(column.key, "") for column in spec.columns]))
        for cell in sheet[2]:
            cell.font = Font(italic=True, color="595959")
        sheet.freeze_panes = "A2"
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(50, max(14, len(column.header) + 2))
            list_key = validated.get(column.key)
            if list_key:
                validation = DataValidation(
                    type="list", formula1=references[list_key], allow_blank=not column.required
                )
                validation.error = _("Choose a value from the list.")
                validation.add(f"{letter}2:{letter}5000")
                sheet.add_data_validation(validation)
    notes = workbook.create_sheet("Notes")
    notes.append([_("Sheet"), _("Column"), _("Required"), "English", "Français"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.append(
        [
            "",
            "",
            "",
            "Row 2 of each sheet is an example: replace it. Dates are YYYY-MM-DD. "
            "Import the workbook from the source's page; a preview shows every problem before "
            "anything is saved. Importing it again changes nothing.",
            "La ligne 2 de chaque feuille est un exemple : remplacez-la. Les dates sont au "
            "format AAAA-MM-JJ. Importez le classeur depuis la page de la source; un aperçu "
            "montre chaque problème avant tout enregistrement. Le réimporter ne change rien.",
        ]
    )
    for spec in SHEETS:
        for column in spec.columns:
            notes.append(
                row_safe(
                    [
                        _sheet_name(spec),
                        column.header,
                        _("yes") if column.required else _("no"),
                        column.note_en,
                        column.note_fr,
                    ]
                )
            )
    for letter, width in zip("ABCDE", (18, 40, 10, 70, 70), strict=True):
        notes.column_dimensions[letter].width = width
    lists_sheet = workbook.create_sheet(lists_sheet_name)
    lists_sheet.append([_("Agencies"), _("Sections"), _("Priorities"), _("Statuses")])
    longest = max(len(entries) for entries in lists.values())
    for index in range(longest):
        lists_sheet.append(
            [entries[index] if index < len(entries) else None for entries in lists.values()]
        )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
