"""The email preferences page uses the site's components, seen in chromium at 1280 and 390 px in
both languages: the site's buttons (not the browser's grey ones), each checkbox beside its label,
a fieldset without the browser's default border, nothing wider than the screen, axe clean.
Screenshots go to var/screenshots/ with the other pages'."""

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from tests.conftest import RoleMatrix
from tests.ui.test_browser import axe_violations, new_page, sign_in
from tests.ui.test_layout import SCREENSHOTS, WIDTHS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    return chromium


def components(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """() => {
          const box = el => el.getBoundingClientRect();
          const checkboxes = [...document.querySelectorAll('main input[type=checkbox]')].map(input => {
            const label = document.querySelector(`label[for="${input.id}"]`);
            const a = box(input), b = box(label);
            // Beside: on the same line (vertical centres within a line) and to its left.
            const beside = Math.abs((a.top + a.bottom) / 2 - (b.top + b.bottom) / 2) < b.height
              && a.right <= b.left + 1;
            return {label: label.textContent.trim(), beside};
          });
          const buttons = [...document.querySelectorAll('main button')].map(button => ({
            text: button.textContent.trim(),
            site: button.classList.contains('button'),
            background: getComputedStyle(button).backgroundColor,
            radius: getComputedStyle(button).borderTopLeftRadius,
          }));
          const fieldsets = [...document.querySelectorAll('main fieldset')].map(f =>
            getComputedStyle(f).borderTopStyle + ' ' + getComputedStyle(f).borderTopWidth);
          return {
            checkboxes, buttons, fieldsets,
            overflow: document.documentElement.scrollWidth - window.innerWidth,
          };
        }"""
    )
    return found


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("screen", list(WIDTHS))
def test_the_preferences_page_uses_the_sites_components(
    browser: Browser, live_server: LiveServer, roles: RoleMatrix, language: str, screen: str
) -> None:
    user = roles.staff
    user.language = language
    user.save(update_fields=["language"])
    page = new_page(browser, live_server, viewport={"width": WIDTHS[screen], "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        sign_in(page, user)
        page.goto(reverse("notifications:preferences"))
        # With a calendar address shown (the widest thing on the page).
        page.locator(
            "form[action$='calendar/reset/'] button, form:last-of-type button"
        ).last.click()
        page.goto(reverse("notifications:preferences"))
        assert page.get_attribute("html", "lang") == language
        found = components(page)
        page.screenshot(
            path=str(SCREENSHOTS / f"preferences-{language}-{screen}.png"), full_page=True
        )
        assert found["overflow"] <= 0, found
        assert len(found["checkboxes"]) >= 4
        assert [c["label"] for c in found["checkboxes"] if not c["beside"]] == []
        assert found["fieldsets"]
        assert all(f.startswith("none") or f.endswith(" 0px") for f in found["fieldsets"]), found
        assert len(found["buttons"]) == 2
        for button in found["buttons"]:
            assert button["site"], button
            # The site's brand colour, not the browser's grey (rgb(239, 239, 239)).
            assert button["background"] not in ("rgb(239, 239, 239)", "rgba(0, 0, 0, 0)"), button
            assert button["radius"] != "0px", button
        assert axe_violations(page) == ""
    finally:
        page.context.close()
