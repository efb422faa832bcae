"""The web UI in a real browser: Debian's chromium driven by Playwright against a live server.

Without chromium these tests skip on a developer's machine and fail in CI (``require_server``).
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from agencies.models import User
from recommendations.models import ActionItem, ProgressUpdate, Status
from tests.conftest import RoleMatrix
from tests.ui.helpers import make_overdue, record

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    return chromium


def new_page(browser: Browser, live_server: LiveServer, **options: Any) -> Page:
    """A page on the live server; ``options`` are Playwright's ``new_context`` keywords."""
    context = browser.new_context(base_url=live_server.url, locale="en-CA", **options)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    page = new_page(browser, live_server)
    yield page
    page.context.close()


def sign_in(page: Page, user: User) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))


def item_path(item: ActionItem) -> str:
    return reverse("recommendations:item", args=[item.pk])


def test_staff_finds_an_overdue_item_on_my_work_and_records_an_update(
    page: Page, roles: RoleMatrix
) -> None:
    make_overdue(roles.item)
    sign_in(page, roles.staff)
    row = page.locator("tr.item-row", has_text=roles.item.title_en)
    assert "Overdue" in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_url(f"**{item_path(roles.item)}")

    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_label("Percent complete").fill("50")
    page.get_by_label("Note", exact=True).fill("Draft shared with our partners.")
    page.get_by_role("button", name="Record update").click()

    assert page.get_by_role("status").inner_text().strip() == "Your update was recorded."
    timeline = page.locator("#timeline")
    assert "Draft shared with our partners." in timeline.inner_text()
    assert "Status changed from Not started to In progress" in timeline.inner_text()
    assert roles.staff.display_name in timeline.inner_text()


def test_a_manager_assigns_an_item(page: Page, roles: RoleMatrix) -> None:
    sign_in(page, roles.manager)
    page.goto(item_path(roles.item))
    page.get_by_label("Assigned to").select_option(label=roles.staff.display_name)
    page.get_by_role("button", name="Save assignment").click()
    assert f"Assigned to {roles.staff.display_name}" in page.locator("#timeline").inner_text()
    assert ActionItem.objects.get(pk=roles.item.pk).assignee == roles.staff


def test_a_user_switches_to_french_and_it_is_remembered(page: Page, roles: RoleMatrix) -> None:
    sign_in(page, roles.staff)
    page.get_by_role("button", name="Français").click()
    page.wait_for_selector("html[lang=fr]")
    assert page.get_by_role("heading", level=1).inner_text() == "Mon travail"
    page.get_by_role("link", name="Recommandations", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Recommandations"
    assert roles.item.recommendation.title_fr in page.content()
    assert User.objects.get(pk=roles.staff.pk).language == "fr"


def test_a_stale_form_is_refused_with_the_conflict_message(page: Page, roles: RoleMatrix) -> None:
    sign_in(page, roles.staff)
    page.goto(item_path(roles.item))
    # Meanwhile, the manager saves a change from another desk.
    record(
        ActionItem.objects.get(pk=roles.item.pk),
        roles.manager,
        percent_complete=60,
        note="Manager was here.",
    )
    page.get_by_label("Percent complete").fill("20")
    page.get_by_role("button", name="Record update").click()

    conflict = page.get_by_role("alert").filter(has_text="changed by someone else")
    assert "This item was changed by someone else since you opened it" in conflict.inner_text()
    assert "Manager was here." in conflict.inner_text()
    # Keyboard and screen-reader users are taken to the message.
    assert page.evaluate("document.activeElement.classList.contains('conflict')")
    assert ActionItem.objects.get(pk=roles.item.pk).percent_complete == 60
    assert ProgressUpdate.objects.count() == 1


def test_pages_work_without_javascript(
    browser: Browser, live_server: LiveServer, roles: RoleMatrix
) -> None:
    page = new_page(browser, live_server, java_script_enabled=False)
    try:
        sign_in(page, roles.staff)
        page.goto(item_path(roles.item))
        page.get_by_label("Status").select_option(Status.BLOCKED)
        page.get_by_role("button", name="Record update").click()
        assert "Your update was recorded." in page.content()
        assert ActionItem.objects.get(pk=roles.item.pk).status == Status.BLOCKED
    finally:
        page.context.close()


def test_keyboard_users_can_skip_to_the_content(page: Page, roles: RoleMatrix) -> None:
    sign_in(page, roles.staff)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_keyboard_alone_records_an_update(page: Page, roles: RoleMatrix) -> None:
    sign_in(page, roles.staff)
    page.goto(item_path(roles.item))
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_progress-note":
            break
    else:
        pytest.fail("The note field cannot be reached with the Tab key.")
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Record update"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Your update was recorded.")
    assert ProgressUpdate.objects.get().note == "Typed without a mouse."


@pytest.mark.parametrize("path_for", ["my_work", "item"])
def test_pages_reflow_at_400_percent_zoom(
    browser: Browser, live_server: LiveServer, roles: RoleMatrix, path_for: str
) -> None:
    # 1280 CSS pixels at 400 % zoom leave 320: nothing may need horizontal scrolling.
    page = new_page(browser, live_server, viewport={"width": 320, "height": 640})
    try:
        sign_in(page, roles.manager)
        page.goto("/" if path_for == "my_work" else item_path(roles.item))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    finally:
        page.context.close()


def axe_violations(page: Page) -> str:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.generate_report() if results.violations_count else ""


@pytest.mark.parametrize("language", ["en", "fr"])
def test_axe_finds_no_violations_on_the_main_pages(
    page: Page, roles: RoleMatrix, language: str
) -> None:
    make_overdue(roles.item)
    record(roles.item, roles.staff, status=Status.BLOCKED, note="Waiting for the regulation.")
    manager = roles.manager
    manager.language = language
    manager.save()
    sign_in(page, manager)
    recommendation = roles.item.recommendation
    for path in (
        "/",
        reverse("recommendations:list"),
        reverse("recommendations:detail", args=[recommendation.pk]),
        item_path(roles.item),
        reverse("profile"),
    ):
        page.goto(path)
        assert page.get_attribute("html", "lang") == language
        assert axe_violations(page) == "", path


def test_axe_finds_no_violations_on_a_refused_form_and_the_sign_in_page(
    page: Page, roles: RoleMatrix
) -> None:
    page.goto(reverse("login"))
    assert axe_violations(page) == ""
    sign_in(page, roles.manager)
    page.goto(item_path(roles.item))
    page.get_by_label("Percent complete").fill("150")
    page.get_by_role("button", name="Record update").click()
    page.wait_for_selector(".error-summary")
    assert axe_violations(page) == ""


def test_axe_finds_no_violations_on_the_coordinators_forms_and_filters(
    page: Page, roles: RoleMatrix
) -> None:
    sign_in(page, roles.coordinator)
    recommendation = roles.item.recommendation
    for path in (
        "/?status=blocked&overdue=on",  # the filter panel open
        reverse("recommendations:create"),
        reverse("recommendations:edit", args=[recommendation.pk]),
        reverse("recommendations:item_create", args=[recommendation.pk]),
        reverse("recommendations:item_edit", args=[roles.item.pk]),
        reverse("password_change"),
    ):
        page.goto(path)
        assert axe_violations(page) == "", path
    page.goto(reverse("recommendations:create"))
    page.get_by_role("button", name="Create recommendation").click()
    page.wait_for_selector(".error-summary")
    assert axe_violations(page) == ""


def test_back_then_record_update_again_records_it_once(page: Page, roles: RoleMatrix) -> None:
    sign_in(page, roles.staff)
    page.goto(item_path(roles.item))
    page.get_by_label("Note", exact=True).fill("Sent once, please.")
    page.get_by_role("button", name="Record update").click()
    assert page.get_by_role("status").inner_text().strip() == "Your update was recorded."

    page.go_back()
    page.wait_for_selector("textarea[name='progress-note']")
    # The page comes back without the sent note (the form is cleared, not restored), and
    # sending it again has nothing to record.
    assert page.locator("textarea[name='progress-note']").input_value() == ""
    with page.expect_navigation():
        page.get_by_role("button", name="Record update").click()
    assert "Nothing to record" in page.content()
    assert ProgressUpdate.objects.filter(action_item=roles.item).count() == 1
    assert page.locator("#timeline").inner_text().count("Sent once, please.") == 1
