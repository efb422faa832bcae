"""What My work and the recommendations list keep in the exact cache (My work's counts per
relation and its filter menus; the list as rendered) follows every change at once: a write of
each kind the page shows, a new day, an item turning stale, the reader's language."""

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from agencies.models import Membership, User
from recommendations import caching, services, views
from recommendations.models import ActionItem, Recommendation, Source, Status
from recommendations.selectors import Relation
from tests.conftest import RoleMatrix
from tests.factories import (
    ActionItemFactory,
    MembershipFactory,
    RecommendationFactory,
    SourceFactory,
    ThemeFactory,
    UserFactory,
    complete_through_verification,
)
from tests.ui.helpers import days_from_today, record, signed_in, text

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 17, 16, tzinfo=datetime.UTC)  # noon in Toronto
LIST = "/recommendations/"


def listed(client: Client, url: str = "/") -> list[tuple[int, int]]:
    """The items on a page of My work, with their relation to the reader."""
    response = client.get(url)
    assert response.status_code == 200
    return [(item.pk, item.relation) for item in response.context["page"].object_list]


def rename(recommendation: Recommendation, actor: User, title_en: str) -> None:
    services.recommendation_update(
        recommendation=recommendation,
        actor=actor,
        expected_updated_at=None,
        code=recommendation.code,
        theme=recommendation.theme,
        title_en=title_en,
        title_fr=recommendation.title_fr,
        source_passage=recommendation.source_passage,
        priority=recommendation.priority,
        lead_agency=recommendation.lead_agency,
        supporting_agencies=list(recommendation.supporting_agencies.all()),
        target_date=recommendation.target_date,
    )


# My work ---------------------------------------------------------------------------------------


def test_my_work_shows_an_assignment_and_a_new_item_at_once(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.staff)
    assert listed(client) == [(roles.item.pk, Relation.MY_AGENCY)]
    record(roles.item, roles.manager, assignee=roles.staff)
    assert listed(client) == [(roles.item.pk, Relation.ASSIGNED_TO_ME)]
    sooner = ActionItemFactory.create(
        recommendation=roles.item.recommendation, due_date=days_from_today(1)
    )
    assert listed(client) == [
        (roles.item.pk, Relation.ASSIGNED_TO_ME),
        (sooner.pk, Relation.MY_AGENCY),
    ]
    assert "2 action items" in text(client.get("/"))


def test_my_work_shows_a_new_day_at_once(client: Client, roles: RoleMatrix) -> None:
    with time_machine.travel(NOON, tick=False) as traveller:
        ActionItem.objects.filter(pk=roles.item.pk).update(due_date=NOON.date())
        client = signed_in(client, roles.staff)
        assert listed(client, "/?overdue=on") == []
        # 01:00 the next day in Toronto: a new date, well within a cached entry's lifetime.
        traveller.move_to(NOON + datetime.timedelta(hours=13))
        assert listed(client, "/?overdue=on") == [(roles.item.pk, Relation.MY_AGENCY)]
        assert "1 action item" in text(client.get("/?overdue=on"))


def test_my_work_shows_an_item_turning_stale_at_once(client: Client, roles: RoleMatrix) -> None:
    stale_after = datetime.timedelta(days=settings.REMINDER_STALE_DAYS)
    with time_machine.travel(NOON, tick=False) as traveller:
        record(roles.item, roles.staff, status=Status.IN_PROGRESS)
        already = ActionItemFactory.create(
            recommendation=roles.item.recommendation,
            assignee=roles.staff,
            status=Status.IN_PROGRESS,
        )
        ActionItem.objects.filter(pk=already.pk).update(last_progress_at=NOON - 2 * stale_after)
        ActionItem.objects.filter(pk=roles.item.pk).update(
            last_progress_at=NOON - stale_after + datetime.timedelta(minutes=5)
        )
        client = signed_in(client, roles.staff)
        assert listed(client, "/?stale=on") == [(already.pk, Relation.ASSIGNED_TO_ME)]
        # Within a caught-up entry's lifetime (caching.CATCH_UP_SECONDS): caught up, not counted.
        traveller.move_to(NOON + datetime.timedelta(minutes=10))
        assert listed(client, "/?stale=on") == [
            (already.pk, Relation.ASSIGNED_TO_ME),
            (roles.item.pk, Relation.MY_AGENCY),
        ]
        assert "2 action items" in text(client.get("/?stale=on"))


def test_my_works_menus_show_a_renamed_or_new_recommendation_at_once(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.staff)
    recommendation = roles.item.recommendation
    assert f"{recommendation.code} {recommendation.title_en}</option>" in client.get("/").text
    rename(recommendation, roles.coordinator, "Share seizure data")
    assert f"{recommendation.code} Share seizure data</option>" in client.get("/").text
    added = RecommendationFactory.create(theme=ThemeFactory.create(title_en="Northern reach"))
    page = client.get("/").text
    assert f"{added.code} {added.title_en}</option>" in page
    assert ">Northern reach</option>" in page


def test_my_works_menus_keep_the_selection_and_the_readers_language(
    client: Client, roles: RoleMatrix
) -> None:
    recommendation = roles.item.recommendation
    english = signed_in(client, roles.staff).get("/", {"recommendation": recommendation.pk})
    assert (
        f'<option value="{recommendation.pk}" selected>{recommendation.code} '
        f"{recommendation.title_en}</option>"
    ) in english.text
    assert '<option value="" selected>All recommendations</option>' not in english.text
    french_reader = MembershipFactory.create(
        user=UserFactory.create(username="lecteur", language="fr"), agency=roles.owner
    ).user
    french = signed_in(Client(), french_reader).get("/")
    assert f"{recommendation.code} {recommendation.title_fr}</option>" in french.text
    assert '<option value="" selected>Toutes les recommandations</option>' in french.text


# The recommendations list ----------------------------------------------------------------------


def admin_post(roles: RoleMatrix, url: str, data: dict[str, object]) -> None:
    """Post ``data`` to an admin page as a superuser who is also a coordinator (the admin edits
    recommendations' data only for coordinators), and check that it was saved."""
    client = Client()
    root = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    MembershipFactory.create(
        user=root,
        agency=roles.coordinator.memberships.get().agency,
        role=Membership.Role.COORDINATOR,
    )
    client.force_login(root)
    assert client.post(url, data).status_code == 302


def edit_recommendation(roles: RoleMatrix) -> str:
    rename(roles.item.recommendation, roles.coordinator, "Share seizure data")
    return "Share seizure data"


def record_progress(roles: RoleMatrix) -> str:
    record(roles.item, roles.staff, status=Status.IN_PROGRESS, percent_complete=40)
    return "40%"


def complete_an_item(roles: RoleMatrix) -> str:
    complete_through_verification(roles.item, submitter=roles.staff, verifier=roles.coordinator)
    return "1 of 1 items done"


def add_an_item(roles: RoleMatrix) -> str:
    services.action_item_create(
        recommendation=roles.item.recommendation,
        actor=roles.coordinator,
        title_en="Second step",
        title_fr="Deuxième étape",
        owner_agency_id=roles.owner.pk,
        due_date=days_from_today(30),
    )
    return "0 of 2 items done"


def rename_the_lead_agency_in_the_admin(roles: RoleMatrix) -> str:
    agency = roles.item.recommendation.lead_agency
    admin_post(
        roles,
        reverse("admin:agencies_agency_change", args=[agency.pk]),
        {
            "acronym": agency.acronym,
            "acronym_fr": "GRC",
            "name_en": "Royal Canadian Mounted Police, renamed",
            "name_fr": agency.name_fr,
            "level": agency.level,
            "kind": agency.kind,
        },
    )
    return 'title="Royal Canadian Mounted Police, renamed"'


def rename_the_theme_in_the_admin(roles: RoleMatrix) -> str:
    theme = roles.item.recommendation.theme
    admin_post(
        roles,
        reverse("admin:recommendations_theme_change", args=[theme.pk]),
        {
            "section": theme.section,
            "title_en": "Precursor chemicals, renamed",
            "title_fr": theme.title_fr,
            "position": theme.position,
        },
    )
    return "Precursor chemicals, renamed"


def add_a_second_source(roles: RoleMatrix) -> str:
    SourceFactory.create(key="second", title_en="Second report")
    return "Second report"


def delete_the_recommendation_in_the_admin(roles: RoleMatrix) -> str:
    recommendation = roles.item.recommendation
    RecommendationFactory.create(theme=recommendation.theme, title_en="Still here")
    admin_post(
        roles,
        reverse("admin:recommendations_recommendation_delete", args=[recommendation.pk]),
        {"post": "yes"},
    )
    assert not Recommendation.objects.filter(pk=recommendation.pk).exists()
    return "Still here"


@pytest.mark.parametrize(
    "write",
    [
        edit_recommendation,
        record_progress,
        complete_an_item,
        add_an_item,
        rename_the_lead_agency_in_the_admin,
        rename_the_theme_in_the_admin,
        add_a_second_source,
    ],
    ids=lambda write: write.__name__,
)
def test_the_recommendations_list_shows_each_kind_of_write_at_once(
    client: Client, roles: RoleMatrix, write: Callable[[RoleMatrix], str]
) -> None:
    client = signed_in(client, roles.staff)
    before = client.get(LIST).text
    shown = write(roles)
    assert shown not in before
    assert shown in client.get(LIST).text


def test_the_recommendations_list_drops_a_deleted_recommendation_at_once(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.staff)
    gone = roles.item.recommendation.title_en
    assert gone in client.get(LIST).text
    still_here = delete_the_recommendation_in_the_admin(roles)
    page = client.get(LIST).text
    assert gone not in page
    assert still_here in page


def test_the_cached_list_is_in_each_readers_language_and_keeps_their_own_button(
    client: Client, roles: RoleMatrix
) -> None:
    recommendation = roles.item.recommendation
    staff_page = signed_in(client, roles.staff).get(LIST).text
    assert recommendation.title_en in staff_page
    assert "New recommendation" not in staff_page
    coordinator_page = signed_in(Client(), roles.coordinator).get(LIST).text
    assert recommendation.title_en in coordinator_page
    assert "New recommendation" in coordinator_page
    french_reader = MembershipFactory.create(
        user=UserFactory.create(username="lecteur", language="fr"), agency=roles.owner
    ).user
    french_page = signed_in(Client(), french_reader).get(LIST).text
    assert recommendation.title_fr in french_page
    assert recommendation.title_en not in french_page
    assert "0 sur 1 mesures terminées" in french_page


def test_each_source_of_the_list_is_cached_apart(client: Client, roles: RoleMatrix) -> None:
    second = Source.objects.create(
        key="second", title_en="Second report", title_fr="Deuxième rapport"
    )
    elsewhere = RecommendationFactory.create(
        theme=ThemeFactory.create(source=second), title_en="Elsewhere"
    )
    client = signed_in(client, roles.staff)
    everything = client.get(LIST).text
    first_only = client.get(LIST, {"source": roles.item.recommendation.source.key}).text
    second_only = client.get(LIST, {"source": second.key}).text
    assert roles.item.recommendation.title_en in everything
    assert elsewhere.title_en in everything
    assert elsewhere.title_en not in first_only
    assert roles.item.recommendation.title_en not in second_only


def test_a_new_release_never_serves_the_older_rendering(
    client: Client, roles: RoleMatrix, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(client, roles.staff)
    monkeypatch.setattr(caching, "release_fingerprint", lambda: "release-1")
    client.get(LIST)
    monkeypatch.setattr(
        views, "render_to_string", lambda *args: "<p>As the new release renders</p>"
    )
    assert "As the new release renders" not in client.get(LIST).text  # the same release: cached
    monkeypatch.setattr(caching, "release_fingerprint", lambda: "release-2")
    assert "As the new release renders" in client.get(LIST).text


def test_the_release_fingerprint_follows_templates_translations_and_code(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<p>One</p>")
    (tmp_path / "views.py").write_text("x = 1\n")
    (tmp_path / "style.css").write_text("p {}")
    seen = [caching.files_fingerprint([tmp_path])]
    (tmp_path / "style.css").write_text("p { color: red }")  # not a source of a rendering
    assert caching.files_fingerprint([tmp_path]) == seen[0]
    template.write_text("<p>Two</p>")
    seen.append(caching.files_fingerprint([tmp_path]))
    (tmp_path / "django.mo").write_bytes(b"\x00")
    seen.append(caching.files_fingerprint([tmp_path]))
    (tmp_path / "views.py").write_text("x = 2\n")
    seen.append(caching.files_fingerprint([tmp_path]))
    assert len(set(seen)) == 4
