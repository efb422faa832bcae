"""``{% item_rows %}`` writes ``_item_row.html``'s HTML character for character, for every state
a row can show, in both languages, and My work shows its rows through it."""

import datetime
import itertools

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation

from agencies.models import User
from recommendations.models import ActionItem, AssessmentRating, Status
from recommendations.selectors import action_item_queryset
from recommendations.templatetags.item_rows import item_rows
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, AgencyFactory, RecommendationFactory, UserFactory
from tests.ui.helpers import signed_in

pytestmark = pytest.mark.django_db


def _items() -> list[ActionItem]:
    """Items in every state a row shows: each status, overdue or not, stale or not, discrepant
    or not, assigned (with or without a full name) or not, text to escape."""
    today = timezone.localdate()
    now = timezone.now()
    agency = AgencyFactory.create(
        acronym="R&D", acronym_fr="R-D", name_en='Research <"&"> Dev', name_fr="Recherche l'été"
    )
    recommendation = RecommendationFactory.create(lead_agency=agency)
    other = RecommendationFactory.create(lead_agency=agency)
    named = UserFactory.create(first_name="Zoë", last_name="O'Brien")
    unnamed = UserFactory.create(first_name="", last_name="")
    items = []
    states = itertools.product(
        Status.values, (True, False), (True, False), (True, False), (named, unnamed, None)
    )
    for n, (status, overdue, stale, discrepant, assignee) in enumerate(states):
        item = ActionItemFactory.create(
            recommendation=recommendation if n % 2 else other,
            owner_agency=agency,
            status=status,
            assignee=assignee,
            title_en=f"Title <b>{n}</b> & 'quotes'",
            title_fr=f"Titre « {n} » l'été",
            percent_complete=100 if status == Status.COMPLETED else (0, 55, 100, n % 101)[n % 4],
            due_date=today - datetime.timedelta(days=3)
            if overdue
            else today + datetime.timedelta(days=3),
        )
        ActionItem.objects.filter(pk=item.pk).update(
            last_progress_at=now - datetime.timedelta(days=90 if stale else 1),
            latest_assessment_rating=AssessmentRating.OFF_TRACK if discrepant else "",
        )
        items.append(item)
    return items


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("show_theme", [True, False])
def test_the_rows_are_the_row_templates_html(language: str, show_theme: bool) -> None:
    ids = [item.pk for item in _items()]
    with translation.override(language):
        # As the lists read them (the flags computed by the database) and as a plain row.
        for items in (
            list(action_item_queryset().filter(pk__in=ids).order_by("pk")),
            list(ActionItem.objects.filter(pk__in=ids).order_by("pk")),
        ):
            written = str(item_rows(items, show_theme=show_theme))
            rendered = "".join(
                render_to_string(
                    "recommendations/_item_row.html", {"item": item, "show_theme": show_theme}
                )
                for item in items
            )
            assert written == rendered
    # Not trivially equal: every flag and both kinds of assignee are there.
    for text in ("item-row--overdue", "item-row--blocked", "flag--stale", "flag--discrepancy"):
        assert text in written
    assert 'class="muted"' in written
    assert ("item-context" in written) == show_theme


def test_my_work_shows_its_rows_through_the_tag(client: Client, roles: RoleMatrix) -> None:
    page = signed_in(client, roles.coordinator).get("/")
    assert page.status_code == 200
    html = page.content.decode()
    item = action_item_queryset().get(pk=roles.item.pk)
    with translation.override("en"):
        row = render_to_string(
            "recommendations/_item_row.html", {"item": item, "show_theme": True}
        ).strip()
    assert row in html


def test_a_french_reader_gets_french_rows(client: Client, roles: RoleMatrix) -> None:
    coordinator: User = roles.coordinator
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    html = signed_in(client, coordinator).get("/").content.decode()
    with translation.override("fr"):
        row = render_to_string(
            "recommendations/_item_row.html",
            {"item": action_item_queryset().get(pk=roles.item.pk), "show_theme": True},
        ).strip()
    assert row in html
