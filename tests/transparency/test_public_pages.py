"""The public progress page and its open data show exactly the published content, in both
languages, and nothing private."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries
from pytest_django import Settings as DjangoSettings

from recommendations.models import Status
from tests.factories import ActionItemFactory, RecommendationFactory
from tests.transparency.conftest import PublicWorld
from transparency.opendata import FIELDS, LICENCE_NAME_EN, SCHEMA_VERSION

from .conftest import SECRET_NOTE, UNPUBLISHED_TITLE, every_public_address

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_overview_lists_only_published_recommendations_in_both_languages(
    client: Client, world: PublicWorld
) -> None:
    english = client.get("/public/").content.decode()
    french = client.get("/public/fr/").content.decode()
    assert "Share precursor chemical data" in english
    assert "Partager les données sur les précurseurs chimiques" in french
    assert "Royal Canadian Mounted Police" in english
    assert "Gendarmerie royale du Canada" in french
    assert '<html lang="fr">' in french
    for page in (english, french):
        assert UNPUBLISHED_TITLE not in page
        assert "SECRET-9" not in page


def test_the_language_toggle_leads_to_the_same_page_in_the_other_language(
    client: Client, world: PublicWorld
) -> None:
    page = client.get(f"/public/recommendations/{world.published.code}/").content.decode()
    assert f'href="/public/fr/recommandations/{world.published.code}/" lang="fr"' in page
    page = client.get(f"/public/fr/recommandations/{world.published.code}/").content.decode()
    assert f'href="/public/recommendations/{world.published.code}/" lang="en"' in page


def test_a_recommendation_page_quotes_its_source_and_lists_items_and_status_history(
    client: Client, world: PublicWorld
) -> None:
    page = client.get(f"/public/recommendations/{world.published.code}/").content.decode()
    assert world.published.source_passage in page
    assert "Canada Border Services Agency (CBSA)" in page  # supporting agency, full name
    assert "Map the data flows" in page
    assert "Train border officers" in page
    assert "40%" in page
    history = page.split('id="history-title"')[1]
    assert "PUB-1.1" in history
    assert "In progress" in history
    assert "Not started" in history


def test_an_unpublished_recommendation_has_no_public_page(
    client: Client, world: PublicWorld
) -> None:
    assert client.get(f"/public/recommendations/{world.unpublished.code}/").status_code == 404
    assert client.get("/public/recommendations/NO-SUCH/").status_code == 404


def test_no_public_page_or_file_shows_notes_names_emails_or_unpublished_items(
    client: Client, world: PublicWorld
) -> None:
    """The leak test: every public address, both languages, every private thing."""
    forbidden = [SECRET_NOTE, UNPUBLISHED_TITLE, "Hidden task", "Tâche cachée", "SECRET-9"]
    for person in world.people:
        forbidden += [person.username, person.email]
        if person.get_full_name().strip():
            forbidden.append(person.get_full_name())
    for address in every_public_address(world):
        response = client.get(address)
        assert response.status_code == 200, address
        body = response.content.decode()
        for secret in forbidden:
            assert secret not in body, f"{secret!r} leaks on {address}"
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", body), f"an email address on {address}"


def test_anonymous_readers_get_no_cookie_and_cacheable_responses(
    client: Client, world: PublicWorld
) -> None:
    for address in every_public_address(world):
        response = client.get(address)
        assert not response.cookies, address
        assert response["Cache-Control"].startswith("public, max-age=")
        assert response["ETag"].startswith('"')


def test_a_reader_sending_back_the_etag_gets_not_modified(
    client: Client, world: PublicWorld
) -> None:
    first = client.get("/public/")
    again = client.get("/public/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/public/fr/")["ETag"] != first["ETag"]  # one cache entry per language


def test_writes_to_public_addresses_are_refused(client: Client, world: PublicWorld) -> None:
    response = client.post("/public/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_too_many_requests_from_one_address_are_refused(
    client: Client, world: PublicWorld, settings: DjangoSettings
) -> None:
    settings.PUBLIC_RATE_LIMIT = 3
    statuses = [client.get("/public/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = client.get("/public/data/action-items.json")
    assert refused["Retry-After"] == "60"
    # Another address is not affected.
    assert client.get("/public/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_every_public_page_says_when_it_was_modified(client: Client, world: PublicWorld) -> None:
    for address in every_public_address(world)[:4]:
        page = client.get(address).content.decode()
        assert re.search(
            r'class="date-modified">\s*<dt>[^<]+</dt>\s*<dd><time datetime="\d{4}-\d\d-\d\d"', page
        ), address


def test_the_json_open_data_has_a_versioned_documented_schema_and_the_licence(
    client: Client, world: PublicWorld
) -> None:
    document = json.loads(client.get("/public/data/action-items.json").content)
    assert document["schema_version"] == SCHEMA_VERSION
    assert (
        document["licence"]["name"]["en"] == LICENCE_NAME_EN == "Open Government Licence – Canada"  # noqa: RUF001
    )
    assert [field["name"] for field in document["fields"]] == [field.name for field in FIELDS]
    assert all(
        field["description"]["en"] and field["description"]["fr"] for field in document["fields"]
    )
    items = {row["action_item"]: row for row in document["action_items"]}
    assert set(items) == {"PUB-1.1", "PUB-1.2"}
    assert items["PUB-1.1"]["status"] == "in_progress"
    assert items["PUB-1.1"]["percent_complete"] == 40
    assert items["PUB-1.1"]["supporting_agencies"] == ["CBSA"]
    assert items["PUB-1.1"]["last_status_change"] is not None
    assert items["PUB-1.2"]["last_status_change"] is None
    assert set(items["PUB-1.1"]) == {field.name for field in FIELDS}


def test_the_csv_open_data_has_the_same_rows_and_metadata_naming_the_licence(
    client: Client, world: PublicWorld
) -> None:
    response = client.get("/public/data/action-items.csv")
    assert 'rel="license"' in response["Link"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["action_item"] for row in rows] == ["PUB-1.1", "PUB-1.2"]
    assert rows[0]["supporting_agencies"] == "CBSA"
    assert rows[0]["action_item_title_fr"] == "Cartographier les flux de données"
    metadata = json.loads(client.get("/public/data/action-items.csv-metadata.json").content)
    assert metadata["url"].endswith("/public/data/action-items.csv")
    assert "Open Government Licence – Canada" in metadata["dc:rights"]  # noqa: RUF001
    assert metadata["schema:version"] == SCHEMA_VERSION
    assert [c["name"] for c in metadata["tableSchema"]["columns"]] == list(rows[0])


def test_the_csv_open_data_neutralises_cells_a_spreadsheet_would_run(
    client: Client, world: PublicWorld
) -> None:
    world.item.title_en = '=HYPERLINK("https://evil.example","Open")'
    world.item.title_fr = "@SUM(1+1)"
    world.item.save()
    cache.clear()
    response = client.get("/public/data/action-items.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(row for row in rows if row["action_item"] == "PUB-1.1")
    assert row["action_item_title_en"] == "'" + world.item.title_en
    assert row["action_item_title_fr"] == "'@SUM(1+1)"
    assert not [
        value for row in rows for value in row.values() if value.startswith(("=", "+", "@"))
    ]
    # The JSON is not read by a spreadsheet: it keeps the title as typed.
    document = json.loads(client.get("/public/data/action-items.json").content)
    titles = {r["action_item"]: r["action_item_title_en"] for r in document["action_items"]}
    assert titles["PUB-1.1"] == world.item.title_en


def test_the_atom_feed_lists_status_changes_of_published_items_in_each_language(
    client: Client, world: PublicWorld
) -> None:
    for address, title in (
        ("/public/feed.atom", "In progress"),
        ("/public/fr/fil.atom", "En cours"),
    ):
        response = client.get(address)
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)  # noqa: S314 - our own feed
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 1  # the hidden item's change is not there
        entry_title = entries[0].findtext(f"{ATOM}title")
        assert entry_title is not None
        assert "PUB-1.1" in entry_title
        assert title in entry_title


def _queries(client: Client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured.captured_queries)


def _grow(world: PublicWorld, count: int) -> None:
    for _ in range(count):
        recommendation = RecommendationFactory.create(theme=world.published.theme, published=True)
        recommendation.supporting_agencies.add(world.other_item.owner_agency)
        ActionItemFactory.create_batch(3, recommendation=recommendation, status=Status.IN_PROGRESS)


@pytest.mark.parametrize(
    "address", ["/public/", "/public/data/action-items.json", "/public/feed.atom"]
)
def test_public_queries_do_not_grow_with_the_published_content(
    client: Client, world: PublicWorld, address: str, settings: DjangoSettings
) -> None:
    settings.PUBLIC_CACHE_SECONDS = 0  # render each time (a zero timeout is not stored)
    _grow(world, 2)
    small = _queries(client, address)
    _grow(world, 10)
    large = _queries(client, address)
    assert small == large


def test_a_cached_page_costs_no_query(
    client: Client, world: PublicWorld, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.get("/public/")
    with django_assert_num_queries(0):
        assert client.get("/public/").status_code == 200
