"""The imports and exports in the REST API: the same planners and services as the pages."""

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from imports.progress import workbook_bytes
from recommendations import services
from recommendations.models import Recommendation
from tests.conftest import RoleMatrix

from .helpers import new_source_sheets, xlsx


@pytest.fixture
def api(roles: RoleMatrix) -> APIClient:
    return APIClient()


def test_a_coordinator_previews_then_confirms_a_source_workbook(
    api: APIClient, roles: RoleMatrix
) -> None:
    api.force_authenticate(roles.coordinator)
    response = api.post(
        "/api/v1/imports/sources/",
        {"file": io.BytesIO(xlsx(new_source_sheets()))},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ok"] is True
    assert {row["kind"]: row["created"] for row in body["summary"]}["Recommendations"] == 2
    assert Recommendation.objects.filter(code__startswith="RT22").count() == 0
    confirmed = api.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert confirmed.status_code == 200
    assert Recommendation.objects.filter(code__startswith="RT22").count() == 2
    assert api.post(f"/api/v1/imports/{body['id']}/confirm/").status_code == 409
    assert api.get(f"/api/v1/imports/{body['id']}/").json()["state"] == "done"


def test_problems_come_back_per_row_and_column(api: APIClient, roles: RoleMatrix) -> None:
    api.force_authenticate(roles.coordinator)
    sheets = new_source_sheets()
    sheets["Recommendations"][1][9] = "XYZ"
    body = api.post(
        "/api/v1/imports/sources/", {"file": io.BytesIO(xlsx(sheets))}, format="multipart"
    ).json()
    assert body["ok"] is False
    assert {
        "sheet": "Recommendations",
        "row": 2,
        "column": "Lead agency / Organisme responsable",
    }.items() <= body["problems"][0].items()
    assert api.post(f"/api/v1/imports/{body['id']}/confirm/").status_code == 400


def test_a_file_that_is_not_a_workbook_is_a_400(api: APIClient, roles: RoleMatrix) -> None:
    api.force_authenticate(roles.coordinator)
    response = api.post(
        "/api/v1/imports/sources/", {"file": io.BytesIO(b"hello")}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()


def test_staff_may_not_import_sources_but_may_upload_progress(
    api: APIClient, roles: RoleMatrix
) -> None:
    api.force_authenticate(roles.staff)
    response = api.post(
        "/api/v1/imports/sources/",
        {"file": io.BytesIO(xlsx(new_source_sheets()))},
        format="multipart",
    )
    assert response.status_code == 403
    book = load_workbook(io.BytesIO(workbook_bytes(roles.staff)))
    book.worksheets[0]["I2"] = 35
    output = io.BytesIO()
    book.save(output)
    output.seek(0)
    body = api.post("/api/v1/imports/progress/", {"file": output}, format="multipart").json()
    assert [row["outcome"] for row in body["rows"]] == ["change"]
    services.action_item_change(
        item=roles.item, actor=roles.manager, expected_version=roles.item.version, note="meanwhile"
    )
    confirmed = api.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["applied"] == 0
    assert [row["outcome"] for row in confirmed.json()["rows"]] == ["conflict"]
    roles.item.refresh_from_db()
    assert roles.item.percent_complete == 0


def test_someone_elses_upload_is_a_404(api: APIClient, roles: RoleMatrix) -> None:
    api.force_authenticate(roles.staff)
    body = api.post(
        "/api/v1/imports/progress/",
        {"file": io.BytesIO(workbook_bytes(roles.staff))},
        format="multipart",
    ).json()
    api.force_authenticate(roles.manager)
    assert api.get(f"/api/v1/imports/{body['id']}/").status_code == 404
