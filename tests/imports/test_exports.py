"""Streamed exports of recommendations, action items and the timeline, as CSV and XLSX."""

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from agencies.services import api_token_create
from imports.cells import cell_safe
from recommendations import services
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, RecommendationFactory, SourceFactory

FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def _body(response: HttpResponseBase) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response)


def _csv(response: HttpResponseBase) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _xlsx(response: HttpResponseBase) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(_body(response))).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_sanitiser_quotes_what_a_spreadsheet_would_run() -> None:
    for value in FORMULAS:
        assert cell_safe(value) == "'" + value
    assert cell_safe("Plain title") == "Plain title"
    assert cell_safe(-5) == -5  # numbers stay numbers


@pytest.mark.parametrize("kind", ["recommendations", "action-items", "timeline"])
def test_every_export_neutralises_formulas_in_csv_and_xlsx(
    client: Client, roles: RoleMatrix, kind: str
) -> None:
    recommendation = roles.item.recommendation
    recommendation.title_en = FORMULAS[0]
    recommendation.save()
    roles.item.title_en = FORMULAS[1]
    roles.item.save()
    services.action_item_change(
        item=roles.item, actor=roles.staff, expected_version=roles.item.version, note=FORMULAS[3]
    )
    client.force_login(roles.staff)
    csv_rows = _csv(client.get(f"/spreadsheets/exports/{kind}.csv"))
    xlsx_rows = _xlsx(client.get(f"/spreadsheets/exports/{kind}.xlsx"))
    for rows in (csv_rows, xlsx_rows):
        cells = [str(value) for row in rows for value in row if value is not None]
        assert not [
            value
            for value in cells
            if value.startswith(("=", "+", "@", "\t", "\r")) and not value.startswith("'")
        ]
        assert any(value.startswith("'") for value in cells)


def test_the_progress_download_and_the_report_neutralise_formulas_too(
    client: Client, roles: RoleMatrix
) -> None:
    roles.item.title_en = '=HYPERLINK("http://evil")'
    roles.item.save()
    client.force_login(roles.staff)
    book = load_workbook(io.BytesIO(_body(client.get("/spreadsheets/progress/my-open-items.xlsx"))))
    titles = [row[2].value for row in book.worksheets[0].iter_rows(min_row=2)]
    assert titles == ["'" + roles.item.title_en]
    assert book.worksheets[0]["C2"].data_type == "s"


def test_the_items_export_is_streamed_filtered_and_carries_the_flags(
    client: Client, roles: RoleMatrix
) -> None:
    other = ActionItemFactory.create(owner_agency=roles.unrelated)
    client.force_login(roles.staff)
    response = client.get("/spreadsheets/exports/action-items.csv?agency=RCMP")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:2] == ["Reference", "Recommendation"]
    assert "Overdue" in rows[0]
    assert [row[0] for row in rows[1:]] == [roles.item.reference]
    assert other.reference not in str(rows)
    xlsx = client.get("/spreadsheets/exports/action-items.xlsx?agency=RCMP")
    assert isinstance(xlsx, FileResponse)
    assert [row[0] for row in _xlsx(xlsx)[1:]] == [roles.item.reference]


def test_source_is_a_dimension_of_exports_and_the_api(client: Client, roles: RoleMatrix) -> None:
    source = SourceFactory.create(key="rt-2022")
    new = ActionItemFactory.create(
        recommendation=RecommendationFactory.create(source=source, theme__source=source)
    )
    client.force_login(roles.staff)
    rows = _csv(client.get("/spreadsheets/exports/action-items.csv?source=rt-2022"))
    assert [row[0] for row in rows[1:]] == [new.reference]
    api = client.get("/api/v1/action-items/?source=rt-2022").json()
    assert [item["id"] for item in api["results"]] == [new.pk]
    recommendations = client.get("/api/v1/recommendations/?source=rt-2022").json()
    assert [r["code"] for r in recommendations["results"]] == [new.recommendation.code]
    # The pages default to every source and narrow to one with ?source=.
    everything = client.get("/recommendations/").content.decode()
    assert new.recommendation.code in everything
    assert roles.item.recommendation.code in everything
    one = client.get("/recommendations/?source=rt-2022").content.decode()
    assert new.recommendation.code in one
    assert roles.item.recommendation.code not in one
    client.force_login(roles.coordinator)  # a report covering every agency
    assert client.get("/reports/?source=rt-2022").status_code == 200
    one_source = client.get("/api/v1/reports/summary/?source=rt-2022").json()
    assert one_source["totals"]["total"] == 1
    assert client.get("/api/v1/reports/summary/").json()["totals"]["total"] == 2


def test_bad_filters_are_a_clear_400(client: Client, roles: RoleMatrix) -> None:
    client.force_login(roles.staff)
    response = client.get("/spreadsheets/exports/action-items.csv?due_after=tomorrow")
    assert response.status_code == 400
    assert "due_after" in response.content.decode()
    assert client.get("/spreadsheets/exports/nothing.csv").status_code == 400


def test_an_outsider_cannot_export(client: Client, roles: RoleMatrix) -> None:
    client.force_login(roles.outsider)
    assert client.get("/spreadsheets/exports/action-items.csv").status_code == 403
    client.logout()
    assert client.get("/spreadsheets/exports/action-items.csv").status_code == 302


def test_the_api_export_is_the_pages_export(client: Client, roles: RoleMatrix) -> None:
    _row, token = api_token_create(user=roles.staff)
    client.force_login(roles.staff)
    page = _body(client.get("/spreadsheets/exports/timeline.csv"))
    client.logout()
    api = client.get("/api/v1/exports/timeline.csv", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.status_code == 200
    assert _body(api) == page
    assert (
        client.get("/api/v1/exports/timeline.pdf", HTTP_AUTHORIZATION=f"Token {token}").status_code
        == 404
    )


@pytest.mark.parametrize("kind", ["recommendations", "action-items", "timeline"])
def test_an_export_costs_the_same_queries_for_more_rows(
    client: Client, roles: RoleMatrix, kind: str
) -> None:
    client.force_login(roles.staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _body(client.get(f"/spreadsheets/exports/{kind}.csv"))
            _body(client.get(f"/spreadsheets/exports/{kind}.xlsx"))
        return len(captured)

    few = queries()
    for _ in range(5):
        item = ActionItemFactory.create(
            recommendation=RecommendationFactory.create(), owner_agency=roles.owner
        )
        services.action_item_change(
            item=item, actor=roles.staff, expected_version=item.version, percent_complete=10
        )
    assert queries() == few
