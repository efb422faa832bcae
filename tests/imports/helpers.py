"""Workbooks built in memory for the import tests."""

import io
from typing import TypeAlias

from openpyxl import Workbook

from imports.sources import SHEETS

SOURCE_TEXT = (
    "The participants agreed that precursor chemicals arrive by courier. "
    "Northern communities need more resources for interdiction."
)

# A sheet as rows of cell values, the way a person types them: text, whole numbers, blanks.
Cell: TypeAlias = str | int | None
Sheets: TypeAlias = dict[str, list[list[Cell]]]


def xlsx(sheets: Sheets, *, hidden: tuple[str, ...] = ()) -> bytes:
    workbook = Workbook()
    assert workbook.active is not None  # a new workbook has one empty sheet
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def headers(kind: str, language: str = "both") -> list[Cell]:
    """The header row of a sheet of the template, as a row of cells."""
    spec = next(s for s in SHEETS if s.kind == kind)
    return [{"both": c.header, "en": c.en, "fr": c.fr}[language] for c in spec.columns]


def new_source_sheets(language: str = "both") -> Sheets:
    """A complete import: one source, one theme, two recommendations, three items."""
    names = (
        ("Sources", "Themes", "Recommendations", "Action items")
        if language != "fr"
        else ("Sources", "Thèmes", "Recommandations", "Mesures")
    )
    return {
        names[0]: [
            headers("sources", language),
            [
                "rt-2022",
                "Roundtable 2022",
                "Table ronde 2022",
                "Public Safety Canada",
                "Sécurité publique Canada",
                "2022-11-30",
                "",
                SOURCE_TEXT,
            ],
        ],
        names[1]: [
            headers("themes", language),
            ["", "precursors", "Gap and opportunity", "Precursors", "Précurseurs"],
        ],
        names[2]: [
            headers("recommendations", language),
            [
                "RT22-01",
                "",
                "precursors",
                "Track courier shipments",
                "Suivre les envois",
                "",
                "",
                "precursor chemicals arrive by courier",
                "High",
                "CBSA",
                "RCMP",
                "2023-12-31",
            ],
            [
                "RT22-02",
                "",
                "precursors",
                "Resource the North",
                "Ressources pour le Nord",
                "",
                "",
                "Northern communities need more resources",
                "Moyenne",
                "RCMP",
                "",
                "",
            ],
        ],
        names[3]: [
            headers("action_items", language),
            [
                "RT22-01",
                1,
                "Map courier routes",
                "Cartographier les routes",
                "",
                "",
                "CBSA",
                "2023-06-30",
            ],
            [
                "RT22-01",
                2,
                "Share seizure data",
                "Partager les saisies",
                "",
                "",
                "RCMP",
                "2023-09-30",
            ],
            [
                "RT22-02",
                "",
                "Fund detachments",
                "Financer les détachements",
                "",
                "",
                "RCMP",
                "2024-01-31",
            ],
        ],
    }
