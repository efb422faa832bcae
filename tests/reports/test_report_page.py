"""The reports page: who may read it, its filters in the address, charts, print, languages,
and a fixed number of queries whatever the size of the data."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from agencies.models import Membership, User
from recommendations.models import Status
from tests.conftest import RoleMatrix
from tests.reports.conftest import member_of
from tests.reports.datasets import dataset_create
from tests.reports.readers import page_tables

pytestmark = pytest.mark.django_db

URLS = {
    "page": "/reports/",
    "csv": "/reports/export.csv",
    "excel": "/reports/export.xlsx",
    "api": "/api/v1/reports/summary/",
}


@pytest.mark.parametrize("who", ["coordinator", "manager", "staff", "supporting_staff"])
@pytest.mark.parametrize("what", list(URLS))
def test_members_of_an_agency_may_read_the_report(
    client: Client, roles: RoleMatrix, who: str, what: str
) -> None:
    client.force_login(roles.by_name(who))

    assert client.get(URLS[what]).status_code == 200


@pytest.mark.parametrize("what", list(URLS))
def test_an_outsider_is_refused_with_403(client: Client, roles: RoleMatrix, what: str) -> None:
    client.force_login(roles.outsider)

    assert client.get(URLS[what]).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, roles: RoleMatrix) -> None:
    response = client.get("/reports/?priority=high")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(URLS["api"]).status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "items"),
    [
        ("coordinator", 1),
        ("manager", 1),
        ("staff", 1),
        ("supporting_staff", 1),
        ("unrelated_staff", 0),
    ],
)
def test_each_role_sees_the_items_of_its_scope(
    client: Client, roles: RoleMatrix, who: str, items: int
) -> None:
    client.force_login(roles.by_name(who))

    data = client.get(URLS["api"]).json()

    assert data["totals"]["total"] == items
    assert data["scope"] == (
        None if who == "coordinator" else [roles.by_name(who).memberships.get().agency.acronym]
    )


def test_the_address_keeps_the_filters_and_the_exports_follow_them(
    client: Client, coordinator: User
) -> None:
    data = dataset_create(seed=51, items=30, agencies=5)
    agency, theme = data.agencies[1], data.themes[0]
    client.force_login(coordinator)
    query = f"agency={agency.acronym}&theme={theme.pk}&priority=high&date_from=2025-01-01&date_to=2027-12-31"

    response = client.get(f"/reports/?{query}")

    html = response.content.decode()
    assert f'<option value="{agency.acronym}" selected>' in html
    assert f'<option value="{theme.pk}" selected>' in html
    assert 'value="2025-01-01"' in html
    assert f'href="/reports/export.csv?{query.replace("&", "&amp;")}"' in html
    assert f'href="/reports/export.xlsx?{query.replace("&", "&amp;")}"' in html
    meta = html[html.index('class="report-meta"') : html.index("</dl>")]
    assert agency.acronym in meta
    assert "High" in meta
    assert "2025-01-01" in meta


def test_bad_filters_are_explained_on_the_page_not_a_crash(
    client: Client, coordinator: User
) -> None:
    client.force_login(coordinator)

    response = client.get("/reports/?agency=NOPE&theme=abc&date_from=2025-05-01&date_to=2025-01-01")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Correct the filters below to see the report." in html
    assert "The end of the period must not be before its start." in html
    assert 'id="table-by_status"' not in html


def test_the_api_rejects_bad_filters_with_a_message_per_field(
    client: Client, coordinator: User
) -> None:
    client.force_login(coordinator)

    response = client.get(f"{URLS['api']}?agency=NOPE&date_from=2025-05-01&date_to=2025-01-01")

    assert response.status_code == 400
    assert set(response.json()) == {"agency", "date_to"}


def test_the_api_gives_the_pages_numbers(client: Client, coordinator: User) -> None:
    dataset_create(seed=52, items=90, agencies=9)
    client.force_login(coordinator)

    api = client.get(f"{URLS['api']}?priority=low").json()
    page = client.get("/reports/?priority=low")

    tables = {table.key: table for table in page.context["report"].tables}
    assert [row[1] for row in tables["by_status"].rows] == [
        entry["count"] for entry in api["totals"]["by_status"]
    ]
    assert [row[0][0] for row in tables["by_agency"].rows] == [
        row["acronym"] for row in api["by_agency"]
    ]
    assert [row[1][0] for row in tables["by_agency"].rows] == [
        row["counts"]["total"] for row in api["by_agency"]
    ]
    assert [row[0] for row in tables["by_theme"].rows] == [row["title"] for row in api["by_theme"]]
    assert [[row[1], row[2]] for row in tables["history"].rows] == [
        [point["completed"], point["open_at_end"]] for point in api["history"]
    ]
    assert api["overdue"]["total"] == page.context["report"].tables[0].rows[3][1]


def test_charts_are_server_side_svg_with_a_text_alternative_and_their_table(
    client: Client, coordinator: User
) -> None:
    data = dataset_create(seed=53, items=120, agencies=10)
    client.force_login(coordinator)

    html = client.get("/reports/").content.decode()

    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert 'role="img"' in svg
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg)
        assert labelled is not None
        labelled_by = labelled[1].split()
        for element_id in labelled_by:
            assert re.search(rf'<(title|desc) id="{element_id}">[^<]{{10,}}</(title|desc)>', svg)
    counts: dict[str, int] = {}
    for item in data.items:
        counts[item.owner_agency.acronym] = counts.get(item.owner_agency.acronym, 0) + 1
    busiest = max(sorted(counts), key=lambda acronym: counts[acronym])
    assert f"{busiest} owns the most items" in svgs[0]
    # Each chart sits in the section of the table that gives its numbers.
    for section, table in (
        ("agencies", "by_agency"),
        ("themes", "by_theme"),
        ("over-time", "history"),
    ):
        start = html.index(f'<section class="report-section" id="{section}"')
        end = html.index("</section>", start)
        assert "<svg" in html[start:end]
        assert f'id="table-{table}"' in html[start:end]
    # The charts need no script (the only one is the site's own optional enhancement), no CDN.
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/js/tracker.js" defer>']
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_an_empty_report_still_renders_with_its_charts_saying_so(
    client: Client, coordinator: User
) -> None:
    client.force_login(coordinator)

    html = client.get("/reports/").content.decode()

    assert page_tables(html)["by_status"].rows[0][1].text == "0"
    # Each chart is still drawn, and its text alternative says there is nothing to draw.
    descriptions = dict(re.findall(r'<desc id="([a-z_]+)-chart-desc">([^<]*)</desc>', html))
    assert descriptions["by_agency"] == "No action items match the filters."
    assert descriptions["by_theme"] == "No action items match the filters."
    assert len(re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S)) == len(descriptions) == 4


def test_the_page_prints_cleanly(client: Client, coordinator: User) -> None:
    client.force_login(coordinator)

    html = client.get("/reports/?priority=high").content.decode()

    assert 'href="/static/css/reports.css"' in html
    assert 'media="print"' in html  # the site's print stylesheet hides navigation and forms
    css = (Path(settings.BASE_DIR) / "static" / "css" / "reports.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert "break-before: page" in print_rules
    assert ".no-print" in print_rules
    assert 'class="report-filters no-print"' in html
    meta = html[html.index('class="report-meta"') : html.index("</dl>")]
    for label in ("Generated", "Scope", "Priority", "History"):
        assert label in meta
    assert "<h1>Progress report</h1>" in html


@pytest.mark.parametrize(
    ("language", "title", "heading", "status"),
    [
        ("en", "Progress report", "Status by owner agency", "In progress"),
        (
            "fr",
            "Rapport d\N{RIGHT SINGLE QUOTATION MARK}étape",
            "État par organisme propriétaire",
            "En cours",
        ),
    ],
)
def test_the_report_is_rendered_in_the_users_language(
    client: Client, coordinator: User, language: str, title: str, heading: str, status: str
) -> None:
    dataset_create(seed=54, items=60, agencies=6)
    coordinator.language = language
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)

    html = client.get("/reports/").content.decode()

    assert f'<html lang="{language}">' in html
    assert f"<h1>{title}</h1>" in html
    assert heading in html
    assert f'<th scope="col" class="number">{status}</th>' in html
    if language == "fr":
        # French number formatting: a comma before decimals, a space before the percent sign.
        assert re.search(r"\(\d+,\d\u00a0%\)", html)
        assert "Mesures terminées chaque mois" in html


# The queries of one request: session, user, roles; the form's three choice lists (page only);
# the cache key's data version; then, on a miss, the report's eight (totals, three breakdowns,
# three bounded lists, the history). The page also counts "What changed" (one aggregate of
# progress updates, one count of the newly overdue, read through the exact cache: one version
# read more on a miss, as here): three queries more than the exports. Its drop-downs' options
# (agencies, sources, themes, recommendations: four queries) come from the exact cache too, one
# version read more on a miss. The
# exports list every row (list_limit=None), which the cache does not hold: no version read.
# The page's filter form lists the source documents (one query) since the source became a filter.
# On PostgreSQL the totals and the three breakdowns are one GROUPING SETS query instead of four
# (``report_tally_tables``); elsewhere the portable path runs the four.
TALLY_QUERIES = 1 if connection.vendor == "postgresql" else 4
# A coordinator's page also counts the verification queue and the extension requests for the
# navigation (two queries); a manager's does not.
NAV_COUNTS = 2
# The accountability figures (reports.accountability) are nine of them.
# The CSV reads the page's summary through its cache (one version read more on a miss) and then
# the complete lists (reports.complete_lists): a version read and a query for each of the three,
# and every submission waiting for a verifier (one): eight queries more than the workbook on a
# miss like this one, and far fewer rows read on a hit.
EXPECTED_QUERIES = {
    what: count - 4 + TALLY_QUERIES
    for what, count in {"page": 29 + NAV_COUNTS, "csv": 28, "excel": 20, "api": 21}.items()
}


@pytest.mark.parametrize("what", list(URLS))
def test_the_number_of_queries_does_not_grow_with_the_data(
    client: Client, coordinator: User, django_assert_num_queries: DjangoAssertNumQueries, what: str
) -> None:
    client.force_login(coordinator)
    dataset_create(seed=61, items=8, agencies=3)
    with django_assert_num_queries(EXPECTED_QUERIES[what]):
        assert client.get(URLS[what]).status_code == 200

    dataset_create(seed=62, items=400, agencies=40)
    with django_assert_num_queries(EXPECTED_QUERIES[what]):
        assert client.get(URLS[what]).status_code == 200


def test_a_scoped_report_costs_one_query_more_whatever_the_data(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    small = dataset_create(seed=63, items=8, agencies=3)
    manager = member_of("scoped-manager", Membership.Role.MANAGER, small.agencies[0])
    client.force_login(manager)
    with django_assert_num_queries(EXPECTED_QUERIES["page"] - NAV_COUNTS + 1):
        client.get("/reports/?priority=high")

    large = dataset_create(seed=64, items=400, agencies=40)
    Membership.objects.create(user=manager, agency=large.agencies[0], role=Membership.Role.MANAGER)
    with django_assert_num_queries(EXPECTED_QUERIES["page"] - NAV_COUNTS + 1):
        response = client.get("/reports/?priority=high")
    assert {item.status for item in large.items} == set(Status.values)
    assert response.status_code == 200


def test_the_api_schema_documents_the_summary_and_its_filters(
    client: Client, coordinator: User
) -> None:
    client.force_login(coordinator)

    schema = client.get("/api/schema/").content.decode()

    assert "/api/v1/reports/summary/:" in schema
    for parameter in ("agency", "theme", "recommendation", "priority", "date_from", "date_to"):
        assert f"name: {parameter}" in schema
