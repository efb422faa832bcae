"""The CSV and the Excel workbook hold exactly what the page shows, with its filters."""

import datetime
from typing import Any

import pytest
from django.test import Client

from agencies.models import User
from recommendations.models import Priority, Status
from reports.selectors import LIST_LIMIT
from reports.tables import Column, Kind
from tests.factories import ActionItemFactory, RecommendationFactory
from tests.reports.datasets import dataset_create
from tests.reports.oracle import OPEN, oracle_items
from tests.reports.readers import (
    COUNT_SHARE,
    Cell,
    body,
    csv_sections,
    page_tables,
    plain_number,
    workbook,
)

pytestmark = pytest.mark.django_db

# The report's lists of items, and the summary's attribute for each.
LISTS = {"overdue": "overdue", "stale": "stale", "most_slipped": "most_slipped"}


def _page_row_as_csv(row: list[Cell], columns: list[Column]) -> list[str]:
    cells: list[str] = []
    for cell, column in zip(row, columns, strict=True):
        if column.kind is Kind.ABBREVIATION:
            cells += [cell.text, cell.abbr_title]
        elif column.kind is Kind.COUNT_SHARE:
            match = COUNT_SHARE.match(cell.text)
            assert match, cell.text
            cells += [plain_number(match["count"]), match["share"] or ""]
        elif column.kind in (Kind.COUNT, Kind.PERCENT, Kind.DECIMAL):
            cells.append("" if "not applicable" in cell.text else plain_number(cell.text))
        elif column.kind is Kind.MONTH:
            cells.append(cell.datetime)
        else:
            cells.append(cell.text)
    return cells


def _export_kinds(columns: list[Column]) -> list[Kind]:
    kinds: list[Kind] = []
    for column in columns:
        if column.kind is Kind.COUNT_SHARE:
            kinds += [Kind.COUNT, Kind.PERCENT]
        elif column.kind is Kind.ABBREVIATION:
            kinds += [Kind.TEXT, Kind.TEXT]
        else:
            kinds.append(column.kind)
    return kinds


def _excel_as_csv(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind in (Kind.DATE, Kind.MONTH):
        # A real date in the workbook, not text.
        assert isinstance(value, datetime.datetime), value
        return value.strftime("%Y-%m") if kind is Kind.MONTH else value.date().isoformat()
    if kind in (Kind.PERCENT, Kind.DECIMAL):
        # A number, not text (a whole one, such as 100.0, reads back as an int).
        assert isinstance(value, int | float), value
        return f"{value:.1f}"
    return str(value)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?priority=high",
        "?date_from={past}&date_to={future}&priority=medium",
    ],
    ids=["no filters", "priority", "period and priority"],
)
def test_csv_and_excel_hold_exactly_the_tables_of_the_page(
    client: Client, coordinator: User, query: str
) -> None:
    data = dataset_create(seed=31, items=260, agencies=15)
    query = query.format(
        past=(data.today - datetime.timedelta(days=200)).isoformat(),
        future=(data.today + datetime.timedelta(days=60)).isoformat(),
    )
    client.force_login(coordinator)

    page = client.get(f"/reports/{query}")
    csv_response = client.get(f"/reports/export.csv{query}")
    excel_response = client.get(f"/reports/export.xlsx{query}")

    assert page.status_code == csv_response.status_code == excel_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in excel_response["Content-Disposition"]
    document = page.context["report"]
    tables = page_tables(page.content.decode())
    _metadata, sections = csv_sections(body(csv_response))
    book = workbook(body(excel_response))
    assert [section.title for section in sections] == [table.title for table in document.tables]
    assert len(book.worksheets) == 1 + len(document.tables)
    for table, section, sheet in zip(document.tables, sections, book.worksheets[1:], strict=True):
        shown = tables[table.key]
        assert shown.header == [column.label for column in table.columns]
        assert section.header == table.export_header()
        page_rows = [row for row in shown.rows if len(row) > 1 or len(table.columns) == 1]
        if table.key in LISTS:
            # The page shows the first rows of a list; the exports carry every row.
            total = getattr(page.context["summary"], LISTS[table.key]).total
            assert len(section.rows) == total, table.key
            assert len(page_rows) == min(total, LIST_LIMIT)
            assert [_page_row_as_csv(row, table.columns) for row in page_rows] == section.rows[
                : len(page_rows)
            ], table.key
        else:
            assert [_page_row_as_csv(row, table.columns) for row in page_rows] == section.rows, (
                table.key
            )
            assert section.note == table.note
        assert [cell.value for cell in sheet[1]] == section.header
        kinds = _export_kinds(table.columns)
        excel_rows = [
            [_excel_as_csv(value, kind) for value, kind in zip(row, kinds, strict=True)]
            for row in sheet.iter_rows(min_row=2, values_only=True)
        ]
        assert excel_rows == section.rows, table.key

    # And the numbers are the items': a plain count of the rows behind the filters.
    filters = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
    rows = oracle_items(
        scope=None,
        priority=filters.get("priority", ""),
        date_from=datetime.date.fromisoformat(filters["date_from"])
        if "date_from" in filters
        else None,
        date_to=datetime.date.fromisoformat(filters["date_to"]) if "date_to" in filters else None,
    )
    key_figures = {row[0]: row[1] for row in sections[0].rows}
    assert key_figures["Action items"] == str(len(rows))
    assert key_figures["Open"] == str(sum(row["status"] in OPEN for row in rows))
    assert key_figures["Completed"] == str(sum(row["status"] == Status.COMPLETED for row in rows))


def test_exports_say_which_filters_and_scope_they_cover(client: Client, coordinator: User) -> None:
    data = dataset_create(seed=32, items=40, agencies=5)
    agency = data.agencies[0]
    client.force_login(coordinator)
    query = f"?agency={agency.acronym}&priority=high"

    metadata, _sections = csv_sections(body(client.get(f"/reports/export.csv{query}")))
    cover = workbook(body(client.get(f"/reports/export.xlsx{query}"))).worksheets[0]

    lines = {line[0]: line[1] for line in metadata[1:]}
    assert metadata[0] == ["Progress report"]
    assert lines["Owner agency"] == f"{agency.acronym} \N{EN DASH} {agency.name_en}"
    assert lines["Priority"] == "High"
    assert lines["Scope"] == "Every action item, of every agency."
    assert "Generated" in lines
    cover_lines = {row[0]: row[1] for row in cover.iter_rows(values_only=True) if row[0]}
    assert cover_lines["Owner agency"] == lines["Owner agency"]
    assert cover_lines["Priority"] == "High"


def test_a_bad_filter_gives_a_clear_400_not_a_file(client: Client, coordinator: User) -> None:
    client.force_login(coordinator)

    response = client.get("/reports/export.csv?agency=NOPE&date_from=2025-05-01&date_to=2025-01-01")

    assert response.status_code == 400
    text = response.content.decode()
    assert "Owner agency" in text
    assert "The end of the period must not be before its start." in text
    assert client.get("/reports/export.xlsx?priority=urgent").status_code == 400


def test_excel_headers_and_sheet_names_are_in_the_users_language(
    client: Client, coordinator: User
) -> None:
    dataset_create(seed=33, items=30, agencies=4)
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)

    book = workbook(body(client.get(f"/reports/export.xlsx?priority={Priority.HIGH}")))
    _metadata, sections = csv_sections(body(client.get("/reports/export.csv")))

    assert book.sheetnames[0] == "Rapport"
    assert "Par état" in book.sheetnames
    assert [cell.value for cell in book["Par état"][1]] == [
        "État",
        "Mesures",
        "Part des mesures (%)",
    ]
    assert sections[1].title == "Mesures par état"
    assert sections[1].header == ["État", "Mesures", "Part des mesures (%)"]
    assert [row[0] for row in sections[1].rows] == [
        "Non commencée",
        "En cours",
        "Bloquée",
        "En attente de vérification",
        "Terminée",
        "Annulée",
    ]


def test_a_title_that_looks_like_a_formula_stays_text_in_both_exports(
    client: Client, coordinator: User
) -> None:
    recommendation = RecommendationFactory.create(title_en='=HYPERLINK("http://example.com","x")')
    ActionItemFactory.create(recommendation=recommendation)
    client.force_login(coordinator)

    _metadata, sections = csv_sections(body(client.get("/reports/export.csv")))
    book = workbook(body(client.get("/reports/export.xlsx")))

    by_recommendation = next(s for s in sections if s.title == "Progress by recommendation")
    assert by_recommendation.rows[0][1] == "'" + recommendation.title_en
    # One sanitiser for every file (imports.cells): the workbook quotes it too, so it stays text
    # even after someone saves the sheet as CSV.
    cell = book["By recommendation"]["B2"]
    assert cell.value == "'" + recommendation.title_en
    assert cell.data_type == "s"
