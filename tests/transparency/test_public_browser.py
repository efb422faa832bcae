"""The public pages in Debian's chromium at desktop and phone widths: axe clean (WCAG 2.1 AA),
usable with the keyboard alone, the language toggle going to the same page, printable."""

from typing import Any

import pytest
from playwright.sync_api import Browser
from pytest_django.live_server_helper import LiveServer

from tests.transparency.conftest import PublicWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [1280, 390]


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The shared chromium (tests/conftest.py)."""
    return chromium


def _axe_violations(page: Any) -> tuple[int, str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    return results.violations_count, results.generate_report()


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_have_no_accessibility_violations_and_no_sideways_scroll(
    browser: Browser, live_server: LiveServer, world: PublicWorld, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for address in (
        "/public/",
        "/public/fr/",
        "/public/recommendations/PUB-1/",
        "/public/fr/recommandations/PUB-1/",
    ):
        page.goto(live_server.url + address)
        count, report = _axe_violations(page)
        assert count == 0, f"{address} at {width}px: {report}"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{address} scrolls sideways at {width}px"
    assert context.cookies() == []  # anonymous readers get no cookie
    context.close()


def test_a_keyboard_user_reaches_a_recommendation_and_switches_language(
    browser: Browser, live_server: LiveServer, world: PublicWorld
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/public/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    for _ in range(30):  # bounded: the link is a few stops away
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Share precursor chemical data":
            break
    else:
        pytest.fail("the recommendation link is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/public/recommendations/PUB-1/")
    page.get_by_role("link", name="Français").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/public/fr/recommandations/PUB-1/")
    assert "Partager les données" in page.inner_text("h1")


def test_the_printed_page_keeps_the_content_and_the_date_modified(
    browser: Browser, live_server: LiveServer, world: PublicWorld
) -> None:
    page = browser.new_page()
    page.goto(live_server.url + "/public/recommendations/PUB-1/")
    page.emulate_media(media="print")
    assert page.is_visible("h1")
    assert page.is_visible(".date-modified")
    assert page.is_visible("#history-title")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")
