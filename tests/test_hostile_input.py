"""No input makes a 500: oversized or deeply nested JSON (signed in or not), Unicode digits in
page numbers, dates at the ends of the calendar, a NUL in an address; and a small seeded fuzzer
posts hostile values into every form of the web pages."""

import datetime
import html as html_lib
import random
import re
import time
from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import Settings as DjangoSettings
from rest_framework.test import APIClient

from agencies.models import User
from agencies.services import api_token_create
from recommendations.models import ActionItem
from tests.api.conftest import item_url
from tests.conftest import RoleMatrix
from tests.ui.helpers import signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def client_for(db: None) -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")
        return client

    return make


def test_deeply_nested_json_is_refused_without_signing_in() -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_json_nested_past_the_limit_is_refused_on_a_write(
    roles: RoleMatrix, client_for: Callable[[User], APIClient], settings: DjangoSettings
) -> None:
    settings.API_JSON_MAX_DEPTH = 32
    body = '{"note": ' + "[" * 40 + "]" * 40 + "}"
    response = client_for(roles.staff).patch(
        item_url(roles.item.pk),
        body,
        content_type="application/json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    assert response.status_code == 400
    assert "32 levels" in response.json()["detail"]


def test_a_body_over_the_size_limit_gets_413(
    roles: RoleMatrix, client_for: Callable[[User], APIClient], settings: DjangoSettings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"note": "' + "x" * 20_000 + '"}'
    anonymous = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    signed = client_for(roles.staff).patch(
        item_url(roles.item.pk),
        body,
        content_type="application/json",
        HTTP_IF_MATCH=roles.item.etag,
    )
    for response in (anonymous, signed):
        assert response.status_code == 413, response.content
        assert "larger than 10000 bytes" in response.json()["detail"]


@pytest.mark.parametrize("value", ["²", "٣", "１", "9" * 5000, "-1", "0", "1.5"])  # noqa: RUF001
@pytest.mark.parametrize("parameter", ["page", "page_size"])
def test_page_numbers_must_be_plain_whole_numbers(
    roles: RoleMatrix, client_for: Callable[[User], APIClient], parameter: str, value: str
) -> None:
    response = client_for(roles.staff).get("/api/v1/action-items/", {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()


@pytest.mark.parametrize(
    "path", ["/reports/", "/reports/export.csv", "/reports/export.xlsx", "/api/v1/reports/summary/"]
)
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_refused_by_the_reports(
    client: Client,
    roles: RoleMatrix,
    client_for: Callable[[User], APIClient],
    path: str,
    value: str,
) -> None:
    if path.startswith("/api/"):
        response = client_for(roles.coordinator).get(path, {"date_to": value})
        assert response.status_code == 400
        assert "date_to" in response.json()
    else:
        page = signed_in(client, roles.coordinator).get(path, {"date_to": value})
        if path == "/reports/":  # the page shows its form again, with the message by the field
            assert page.status_code == 200
            assert "Enter a date between 1900-01-01 and 2999-12-31" in page.content.decode()
        else:
            assert page.status_code == 400


@pytest.mark.parametrize("token", ["%00", "a%00b", "%C0%80", "x" * 300, "%F0%9F%92%A9"])
def test_a_calendar_address_that_cannot_be_a_token_is_not_found(
    client: Client, db: None, token: str
) -> None:
    assert client.get(f"/notifications/calendar/{token}.ics").status_code == 404


def test_the_calendar_feed_survives_the_last_day_of_the_calendar(
    client: Client, roles: RoleMatrix
) -> None:
    from notifications.preferences import calendar_token_reset

    ActionItem.objects.filter(pk=roles.item.pk).update(due_date=datetime.date.max)
    token = calendar_token_reset(user=roles.staff).calendar_token
    response = client.get(f"/notifications/calendar/{token}.ics")
    assert response.status_code == 200
    assert b"DTSTART;VALUE=DATE:99991231" in response.content


# The form fuzzer -------------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "\x00",
    "²",
    "٣",
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "a" * 5000,
    "\u202e\u0645",
    "completed",
    "cancelled",
    "100",
    "true",
]

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_NAME = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
_ATTR = re.compile(r"(\w+)=\"([^\"]*)\"")


def forms_of(page: str, default_action: str) -> list[tuple[str, str, list[str]]]:
    found = []
    for attributes, body in _FORM.findall(page):
        attrs = dict(_ATTR.findall(attributes))
        action = html_lib.unescape(attrs.get("action") or default_action)
        names = sorted(set(_NAME.findall(body)) - {"csrfmiddlewaretoken"})
        found.append((attrs.get("method", "get").lower(), action, names))
    return found


def fuzz(client: Client, page_path: str, rng: random.Random, rounds: int, deadline: float) -> int:
    page = client.get(page_path)
    assert page.status_code < 500, page_path
    sent = 0
    for method, action, names in forms_of(page.content.decode(), page_path):
        if not names or not action.startswith("/") or "logout" in action:
            continue
        for _round in range(rounds):
            if time.monotonic() > deadline:
                return sent
            data = {name: rng.choice(HOSTILE) for name in names if rng.random() < 0.9}
            response = (client.post if method == "post" else client.get)(action, data)
            assert response.status_code < 500, (action, data, response.status_code)
            sent += 1
    return sent


def test_hostile_values_in_every_web_form_never_make_a_500(
    client: Client, roles: RoleMatrix
) -> None:
    rng = random.Random(20261201)
    deadline = time.monotonic() + 60
    item, recommendation = roles.item, roles.item.recommendation
    anonymous = ["/accounts/login/", "/accounts/password_reset/"]
    pages = [
        "/",
        "/recommendations/",
        f"/recommendations/{recommendation.pk}/",
        f"/recommendations/{recommendation.pk}/edit/",
        f"/recommendations/{recommendation.pk}/items/new/",
        "/recommendations/new/",
        f"/items/{item.pk}/",
        f"/items/{item.pk}/edit/",
        "/reports/",
        "/accounts/profile/",
        "/notifications/preferences/",
    ]
    sent = sum(fuzz(client, path, rng, 6, deadline) for path in anonymous)
    for user in (roles.coordinator, roles.staff):
        signed_in(client, user)
        sent += sum(fuzz(client, path, rng, 6, deadline) for path in pages)
        client.logout()
    assert sent > 100  # the fuzzer found the forms and sent something into each
