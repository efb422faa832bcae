"""Shared fixtures: factories, the role matrix, and guards for tests that need real servers."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from pytest_django import Settings as DjangoSettings

from agencies.models import Agency, Membership, User
from agencies.services import known_tokens_forget
from recommendations import caching
from recommendations.models import ActionItem
from reports.selectors import report_summaries_forget
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    MembershipFactory,
    RecommendationFactory,
    UserFactory,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the database is rolled back after every test, data
    version included, so an entry cached by one test could otherwise answer the next (the same
    for what is kept in this process's memory: the API's action item reads, the tokens it knows
    and the report summaries, all keyed on versions that start again with each test); and a
    sign-in cool-off or a throttle count left by one test never refuses another's requests."""
    cache.clear()
    caching.in_process_clear()
    known_tokens_forget()
    report_summaries_forget()


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """Each test ends in the site's default language: a request by a French-speaking person
    (the middleware activates their language for the thread) or a command that activates one
    would otherwise leave later tests in the same thread speaking it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` run only when DATABASE_URL points at PostgreSQL."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://..."))


def require_server(name: str, reachable: bool, how: str) -> None:
    """Skip when a server is missing on a developer's machine; fail in CI, where it must be up."""
    if reachable:
        return
    message = f"{name} is not reachable ({how})"
    if IN_CI:
        pytest.fail(message + ": CI must start it (.ci/run).")
    pytest.skip(message)


@dataclass
class RoleMatrix:
    """One action item and a person in every relation to it."""

    item: ActionItem
    owner: Agency
    supporting: Agency
    unrelated: Agency
    coordinator: User
    manager: User
    staff: User
    supporting_staff: User
    unrelated_staff: User
    outsider: User

    def by_name(self, name: str) -> User:
        user: User = getattr(self, name)
        return user


@pytest.fixture
def roles(db: None) -> RoleMatrix:
    owner = AgencyFactory.create(acronym="RCMP", name_en="Royal Canadian Mounted Police")
    supporting = AgencyFactory.create(acronym="CBSA", name_en="Canada Border Services Agency")
    unrelated = AgencyFactory.create(acronym="CPC", name_en="Canada Post")
    secretariat = AgencyFactory.create(acronym="PSC", name_en="Public Safety Canada")
    recommendation = RecommendationFactory.create(lead_agency=owner)
    recommendation.supporting_agencies.add(supporting)
    item = ActionItemFactory.create(recommendation=recommendation, owner_agency=owner)

    def member(username: str, agency: Agency, role: str) -> User:
        return MembershipFactory.create(
            user=UserFactory.create(username=username), agency=agency, role=role
        ).user

    return RoleMatrix(
        item=item,
        owner=owner,
        supporting=supporting,
        unrelated=unrelated,
        coordinator=member("coordinator", secretariat, Membership.Role.COORDINATOR),
        manager=member("manager", owner, Membership.Role.MANAGER),
        staff=member("staff", owner, Membership.Role.STAFF),
        supporting_staff=member("supporter", supporting, Membership.Role.STAFF),
        unrelated_staff=member("unrelated", unrelated, Membership.Role.STAFF),
        outsider=UserFactory.create(username="outsider"),
    )


@pytest.fixture(autouse=True)
def evidence_storage_in_tmp(
    settings: DjangoSettings, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Evidence files go to a temporary folder, never to the worktree's var/media/."""
    location = tmp_path_factory.mktemp("evidence")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator["Browser"]:
    """Debian's chromium driven by Playwright, one per test module: every browser test uses it.
    Skips on a developer's machine without chromium, fails in CI (``require_server``)."""
    require_server(
        "Chromium", CHROMIUM.exists(), f"no browser at {CHROMIUM}: apt-get install chromium"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while the browser is open; the
    # tests' own database calls (and pytest-django's flush) stay synchronous, so Django's guard
    # against async contexts does not apply to them.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
