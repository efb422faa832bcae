"""The report in Debian's chromium: accessible on screen (axe-core, WCAG 2.1 AA) and clean in
print (no navigation or filters; a title, the date and the filters; a page per section)."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.reports.datasets import dataset_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def report_page(chromium: Any, live_server: Any, coordinator: Any) -> Iterator[Any]:
    dataset_create(seed=71, items=80, agencies=8)
    client = Client()
    client.force_login(coordinator)
    session = client.cookies["sessionid"].value
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/?priority=high")
    assert page.inner_text("h1") == "Progress report"
    assert page.locator("svg[role=img]").count() == 4
    yield page
    context.close()


def _display(page: Any, selector: str) -> str:
    return page.eval_on_selector(selector, "element => getComputedStyle(element).display")


def test_the_report_page_has_no_accessibility_violations(report_page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        report_page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )

    assert results.violations_count == 0, results.generate_report()


def test_the_printed_report_has_a_title_the_date_and_filters_and_no_navigation(report_page):
    report_page.emulate_media(media="print")

    assert _display(report_page, ".site-header") == "none"
    assert _display(report_page, ".report-filters") == "none"
    assert _display(report_page, ".report-actions") == "none"
    assert _display(report_page, ".report-contents") == "none"
    assert report_page.is_visible("h1")
    meta = report_page.inner_text(".report-meta")
    assert "Generated" in meta
    assert "Priority" in meta
    breaks = report_page.eval_on_selector_all(
        ".report-section", "sections => sections.map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks[0] != "page"
    assert set(breaks[1:]) == {"page"}
    assert len(report_page.pdf()) > 10_000
