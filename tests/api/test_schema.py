"""The OpenAPI description: valid, complete for the fixed interface, served with its viewer
from local files only."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_schema_generates_without_warnings_and_validates(tmp_path: Path) -> None:
    # --fail-on-warn turns every guess drf-spectacular had to make into a failure.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_schema_describes_every_endpoint_of_the_brief(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    operations = {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item
    }
    assert {
        ("POST", "/api/v1/auth/token/"),
        ("DELETE", "/api/v1/auth/token/"),
        ("GET", "/api/v1/agencies/"),
        ("GET", "/api/v1/agencies/{acronym}/"),
        ("GET", "/api/v1/users/"),
        ("GET", "/api/v1/me/"),
        ("GET", "/api/v1/recommendations/"),
        ("GET", "/api/v1/recommendations/{code}/"),
        ("GET", "/api/v1/action-items/"),
        ("POST", "/api/v1/action-items/"),
        ("GET", "/api/v1/action-items/{id}/"),
        ("PATCH", "/api/v1/action-items/{id}/"),
        ("GET", "/api/v1/action-items/{id}/updates/"),
        ("POST", "/api/v1/action-items/{id}/updates/"),
        ("GET", "/api/v1/progress-updates/"),
    } <= operations
    # No PUT or DELETE on items: a whole-row write would overwrite fields nobody meant to change.
    assert "put" not in schema["paths"]["/api/v1/action-items/{id}/"]
    assert "delete" not in schema["paths"]["/api/v1/action-items/{id}/"]


def test_action_items_carry_the_fields_of_the_brief(schema: dict[str, Any]) -> None:
    fields = schema["components"]["schemas"]["ActionItem"]["properties"]
    brief = ["id", "recommendation", "title", "owner_agency", "assignee", "status", "due_date"]
    brief += ["percent_complete", "is_overdue", "updated_at", "etag", "version", "is_stale"]
    assert set(brief) <= set(fields)
    assert fields["assignee"]["nullable"] is True
    patch = schema["components"]["schemas"]["PatchedActionItemChangeRequest"]["properties"]
    # The brief's four fields and a note, plus the coordinator's optional past-date confirmation.
    assert set(patch) == {
        "status",
        "percent_complete",
        "due_date",
        "assignee",
        "note",
        "confirm_past_due_date",
    }
    assert (patch["percent_complete"]["minimum"], patch["percent_complete"]["maximum"]) == (0, 100)
    assert patch["note"]["maxLength"] == 4000


def test_writes_document_preconditions_errors_and_the_etag(schema: dict[str, Any]) -> None:
    patch = schema["paths"]["/api/v1/action-items/{id}/"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["in"] == "header"
    assert if_match["required"] is True
    assert {"200", "400", "401", "403", "404", "412", "428"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert patch["responses"]["412"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Conflict"
    }
    post = schema["paths"]["/api/v1/action-items/{id}/updates/"]["post"]
    optional = next(p for p in post["parameters"] if p["name"] == "If-Match")
    assert optional.get("required", False) is False
    assert "needs no If-Match" in post["description"]


def test_every_operation_but_sign_in_requires_authentication(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["tokenAuth"]["description"],
    }
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if (method, path) == ("post", "/api/v1/auth/token/"):
                assert "security" not in operation or operation["security"] in ([], [{}])
                assert "401" not in operation["responses"]
            else:
                assert {"tokenAuth": []} in operation["security"], (method, path)
                assert "401" in operation["responses"], (method, path)


def test_docs_page_loads_its_viewer_from_local_files_only(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert not re.search(r"https?://|//cdn", html)
    assert not re.search(r"<script>|<style>", html), "the CSP allows no inline script or style"
    for asset in assets:
        asset = asset.replace("&amp;", "&")
        assert asset.startswith(
            ("/static/drf_spectacular_sidecar/", "/static/css/", "/api/docs/?script")
        ), asset
        assert client.get(asset).status_code == 200, asset


def test_the_past_due_date_confirmation_is_documented_on_create_and_patch(
    schema: dict[str, Any],
) -> None:
    for name in ("PatchedActionItemChangeRequest", "ActionItemCreateRequest"):
        field = schema["components"]["schemas"][name]["properties"]["confirm_past_due_date"]
        assert field["type"] == "boolean"
        assert "coordinators only" in field["description"]
        assert "400" in field["description"]
