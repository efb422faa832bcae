"""Layout in chromium at a 1280 px screen and a 390 px phone, in both languages, on the roundtable's
real data: no page wider than the window, no table clipped inside its box (on the report, the
recommendations list, My work and an item with a very long word in a note), axe clean on the
report. Screenshots of each page are written to var/screenshots/ for anyone to look at."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from recommendations.models import ActionItem, Status
from tests.ui.helpers import make_overdue, record
from tests.ui.test_browser import axe_violations, new_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
LONG_WORD = "a" * 1500


@pytest.fixture(scope="module")
def browser(chromium):  # type: ignore[no-untyped-def]
    return chromium


@pytest.fixture
def data(roles):  # type: ignore[no-untyped-def]
    call_command("load_roundtable", verbosity=0)
    make_overdue(roles.item, days=40)
    record(roles.item, roles.staff, status=Status.BLOCKED, note=f"Waiting {LONG_WORD} for it.")
    for item in ActionItem.objects.order_by("pk")[:30]:
        make_overdue(item, days=item.pk % 60 + 1)
    return roles


def measure(page) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Open every folded section, then how far the page and each table overflow their boxes."""
    return page.evaluate(
        """() => {
          document.querySelectorAll('details').forEach(d => { d.open = true; });
          const clipped = [...document.querySelectorAll('.table-scroll, table')]
            .filter(el => el.scrollWidth - el.clientWidth > 1)
            .map(el => (el.id || el.querySelector('table')?.id || el.className)
                 + ' by ' + (el.scrollWidth - el.clientWidth) + 'px');
          // Text running out of its cell into the next one (fixed-layout tables).
          const overlapping = [...document.querySelectorAll('.recommendations-table th, .recommendations-table td')]
            .filter(el => el.scrollWidth - el.clientWidth > 1)
            .map(el => el.textContent.trim().slice(0, 40));
          clipped.push(...overlapping);
          return {page: document.documentElement.scrollWidth - window.innerWidth, clipped};
        }"""
    )


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("screen", list(WIDTHS))
def test_pages_fit_the_screen_without_clipped_tables(browser, live_server, data, language, screen):
    user = data.coordinator
    user.language = language
    user.save(update_fields=["language"])
    page = new_page(browser, live_server, viewport={"width": WIDTHS[screen], "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    try:
        sign_in(page, user)
        pages = {
            "my-work": "/?scope=all",
            "list": reverse("recommendations:list"),
            "item": reverse("recommendations:item", args=[data.item.pk]),
            "report": reverse("reports:index"),
        }
        for name, path in pages.items():
            page.goto(path)
            assert page.get_attribute("html", "lang") == language
            found = measure(page)
            page.screenshot(
                path=str(SCREENSHOTS / f"{name}-{language}-{screen}.png"), full_page=True
            )
            if found["page"] > 0 or found["clipped"]:
                problems.append((name, found))
        assert problems == []
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_axe_finds_no_violations_on_the_report_and_my_work(browser, live_server, data, language):
    user = data.manager
    user.language = language
    user.save(update_fields=["language"])
    page = new_page(browser, live_server)
    try:
        sign_in(page, user)
        for path in ("/reports/", "/reports/?changed=30&agency=RCMP", "/"):
            page.goto(path)
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            assert axe_violations(page) == "", path
    finally:
        page.context.close()
