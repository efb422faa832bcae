"""The recommendation admin is no back door: it adds and edits through ``recommendation_create``
and ``recommendation_update``, so it refuses what they refuse, with the message on the field, and
a valid edit leaves the same trace as the coordinators' page (the public pages' cache dropped,
the data version moved, the version check)."""

from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from agencies.models import User
from recommendations import services
from recommendations.caching import data_version
from recommendations.models import Recommendation, Source, Theme
from tests.conftest import RoleMatrix
from tests.factories import SourceFactory, ThemeFactory, UserFactory
from tests.recommendations.test_admin_keeps_the_timeline import form_values

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

PASSAGE = "precursor chemicals arrive by courier"


@pytest.fixture
def admin_client_(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def recommendation(roles: RoleMatrix) -> Recommendation:
    recommendation = roles.item.recommendation
    Source.objects.filter(pk=recommendation.source_id).update(
        text=f"The participants agreed that {PASSAGE}."
    )
    Recommendation.objects.filter(pk=recommendation.pk).update(source_passage=PASSAGE)
    recommendation.refresh_from_db()
    return recommendation


def change_url(recommendation: Recommendation) -> str:
    return f"/admin/recommendations/recommendation/{recommendation.pk}/change/"


def post_change(
    client: Client, recommendation: Recommendation, **changes: object
) -> "_MonkeyPatchedWSGIResponse":
    data = form_values(client.get(change_url(recommendation)))
    data.update(changes)
    return client.post(change_url(recommendation), data)


def field_errors(response: "_MonkeyPatchedWSGIResponse") -> dict[str, list[str]]:
    assert response.status_code == 200, "the admin accepted what the service refuses"
    errors: dict[str, list[str]] = response.context["adminform"].form.errors
    return errors


def test_a_passage_not_in_the_source_is_refused_on_its_field(
    admin_client_: Client, recommendation: Recommendation
) -> None:
    response = post_change(admin_client_, recommendation, source_passage="words never said")
    [message] = field_errors(response)["source_passage"]
    assert message.startswith("This passage is not found word for word in")
    recommendation.refresh_from_db()
    assert recommendation.source_passage == PASSAGE


def test_the_lead_agency_cannot_also_support_in_the_admin(
    admin_client_: Client, recommendation: Recommendation
) -> None:
    response = post_change(
        admin_client_,
        recommendation,
        supporting_agencies=[str(recommendation.lead_agency_id)],
    )
    assert field_errors(response)["supporting_agencies"] == [
        "The lead agency cannot also be a supporting agency."
    ]
    assert not recommendation.supporting_agencies.filter(pk=recommendation.lead_agency_id)


def test_a_code_that_does_not_follow_the_pattern_is_refused_when_adding(
    admin_client_: Client, recommendation: Recommendation
) -> None:
    data = form_values(admin_client_.get("/admin/recommendations/recommendation/add/"))
    data.update(
        {
            "code": "not a code",
            "theme": str(recommendation.theme_id),
            "title_en": "Added",
            "title_fr": "Ajoutée",
            "source_passage": PASSAGE,
            "priority": "high",
            "lead_agency": str(recommendation.lead_agency_id),
            "action_items-TOTAL_FORMS": "0",
            "action_items-INITIAL_FORMS": "0",
            "publication_changes-TOTAL_FORMS": "0",
            "publication_changes-INITIAL_FORMS": "0",
        }
    )
    response = admin_client_.post("/admin/recommendations/recommendation/add/", data)
    assert field_errors(response)["code"][0].startswith("Enter a code such as RT22-03")
    data["code"] = "RT30-01"
    response = admin_client_.post("/admin/recommendations/recommendation/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Recommendation.objects.get(code="RT30-01")
    assert (added.source_id, added.published) == (recommendation.theme.source_id, False)


def test_the_source_follows_the_theme_and_is_not_an_admin_field(
    admin_client_: Client, recommendation: Recommendation
) -> None:
    elsewhere = SourceFactory.create(key="elsewhere", text=f"Also: {PASSAGE}.")
    theme = ThemeFactory.create(source=elsewhere, key="moved")
    response = post_change(
        admin_client_, recommendation, theme=str(theme.pk), source=str(recommendation.source_id)
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert (recommendation.theme_id, recommendation.source_id) == (theme.pk, elsewhere.pk)


def test_an_edit_in_the_admin_leaves_the_same_trace_as_the_coordinators_page(
    admin_client_: Client,
    client: Client,
    recommendation: Recommendation,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    services.recommendation_set_published(
        recommendation=recommendation, actor=roles.coordinator, published=True
    )
    public = f"/public/recommendations/{recommendation.code}/"
    assert recommendation.title_en in client.get(public).content.decode()  # now in the cache
    before = Recommendation.objects.get(pk=recommendation.pk)
    version = data_version()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(admin_client_, recommendation, title_en="  Renamed in the admin  ")
    assert response.status_code == 302

    after = Recommendation.objects.get(pk=recommendation.pk)
    assert after.title_en == "Renamed in the admin"
    assert after.updated_at > before.updated_at
    assert data_version() > version
    # The public page's cached copy was dropped when the change was committed, as for the page.
    assert "Renamed in the admin" in client.get(public).content.decode()
    assert set(after.supporting_agencies.all()) == set(before.supporting_agencies.all())


def test_an_admin_form_opened_before_another_change_does_not_overwrite_it(
    admin_client_: Client, recommendation: Recommendation
) -> None:
    data = form_values(admin_client_.get(change_url(recommendation)))
    admin_client_.post(change_url(recommendation), {**data, "title_en": "First save"})
    response = admin_client_.post(change_url(recommendation), {**data, "title_en": "Stale save"})
    assert response.status_code == 200
    assert "changed by someone else since you opened it" in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.title_en == "First save"


@pytest.mark.parametrize("model", ["recommendation", "source", "theme"])
def test_an_admin_who_is_not_a_coordinator_may_read_but_not_change(
    client: Client, recommendation: Recommendation, roles: RoleMatrix, model: str
) -> None:
    clerk: User = roles.staff
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="recommendations"))
    client.force_login(clerk)
    rows: dict[str, Recommendation | Source | Theme] = {
        "recommendation": recommendation,
        "source": recommendation.source,
        "theme": recommendation.theme,
    }
    row = rows[model]
    url = f"/admin/recommendations/{model}/{row.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="title_en"' not in page.content.decode()  # shown read-only
    refused = client.post(url, {"title_en": "Renamed by a clerk"})
    assert refused.status_code == 403
    assert client.get(f"/admin/recommendations/{model}/add/").status_code == 403
    row.refresh_from_db()
    assert row.title_en != "Renamed by a clerk"


def test_a_theme_stays_under_its_source_and_is_saved_by_the_service(
    admin_client_: Client, recommendation: Recommendation
) -> None:
    theme = recommendation.theme
    elsewhere = SourceFactory.create(key="elsewhere")
    url = f"/admin/recommendations/theme/{theme.pk}/change/"
    data = form_values(admin_client_.get(url))
    data.update(source=str(elsewhere.pk), key="moved", title_en="  Renamed theme ")
    assert admin_client_.post(url, data).status_code == 302
    theme.refresh_from_db()
    assert (theme.source_id, theme.key, theme.title_en) == (
        recommendation.source_id,
        recommendation.theme.key,
        "Renamed theme",
    )
    recommendation.refresh_from_db()
    assert recommendation.source_id == theme.source_id


def test_a_source_keeps_its_key_and_is_saved_by_the_service(
    admin_client_: Client, recommendation: Recommendation
) -> None:
    source = recommendation.source
    url = f"/admin/recommendations/source/{source.pk}/change/"
    data = form_values(admin_client_.get(url))
    data.update(key="renamed-key", title_en="Renamed source")
    assert admin_client_.post(url, data).status_code == 302
    source.refresh_from_db()
    assert (source.key, source.title_en) == (recommendation.source.key, "Renamed source")
    assert source.text == f"The participants agreed that {PASSAGE}."
