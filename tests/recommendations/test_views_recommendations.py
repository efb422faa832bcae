import datetime

import pytest
from django.urls import reverse

from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Status
from tests.factories import ActionItemFactory, RecommendationFactory, ThemeFactory
from tests.ui.helpers import record, signed_in, text

pytestmark = pytest.mark.django_db

LIST = "/recommendations/"


def detail_url(recommendation: Recommendation) -> str:
    return reverse("recommendations:detail", args=[recommendation.pk])


def recommendation_data(recommendation: Recommendation | None = None, **values: object) -> dict:
    data: dict[str, object] = {
        "code": "NEW-1",
        "priority": "high",
        "title_en": "Share precursor data",
        "title_fr": "Partager les données sur les précurseurs",
        "description_en": "",
        "description_fr": "",
        "source_passage": "A passage.",
        "target_date": "2027-06-30",
        "supporting_agencies": [],
    }
    if recommendation is not None:
        data.update(
            code=recommendation.code,
            theme=recommendation.theme_id,
            lead_agency=recommendation.lead_agency_id,
            title_en=recommendation.title_en,
            title_fr=recommendation.title_fr,
            source_passage=recommendation.source_passage,
            version=recommendation.updated_at.isoformat(),
        )
    data.update(values)
    return data


# Reading -------------------------------------------------------------------------------------


def test_list_is_grouped_by_theme_with_derived_progress(client, roles):
    record(roles.item, roles.staff, percent_complete=50)
    other_theme = ThemeFactory(title_en="Northern communities")
    RecommendationFactory(theme=other_theme, title_en="Resource remote detachments")
    response = signed_in(client, roles.staff).get(LIST)
    assert response.status_code == 200
    page = text(response)
    assert page.index(roles.item.recommendation.theme.title_en) < page.index(
        roles.item.recommendation.title_en
    )
    assert page.index("Northern communities") < page.index("Resource remote detachments")
    assert "50% 0 of 1 items done" in page


def test_detail_shows_passage_agencies_target_date_and_action_items(client, roles):
    recommendation = roles.item.recommendation
    recommendation.source_passage = (
        "Panelists highlighted that pressure must be put on the supply chain."
    )
    recommendation.save()
    response = signed_in(client, roles.staff).get(detail_url(recommendation))
    html = response.content.decode()
    page = text(response)
    assert "<blockquote" in html
    assert recommendation.source_passage in page
    assert "Lead agency Royal Canadian Mounted Police (RCMP)" in page
    assert "Canada Border Services Agency (CBSA)" in page
    assert "Target date Dec. 31, 2027" in page
    assert roles.item.title_en in page
    assert reverse("recommendations:item", args=[roles.item.pk]) in html


def test_content_follows_the_active_language(client, roles):
    roles.staff.language = "fr"
    roles.staff.save()
    recommendation = roles.item.recommendation
    page = text(signed_in(client, roles.staff).get(detail_url(recommendation)))
    assert recommendation.title_fr in page
    assert "31 décembre 2027" in page


def test_outsider_is_refused_the_recommendations(client, roles):
    assert signed_in(client, roles.outsider).get(LIST).status_code == 403


def test_only_coordinators_are_offered_creation_and_editing(client, roles):
    create_url = reverse("recommendations:create")
    edit_url = reverse("recommendations:edit", args=[roles.item.recommendation_id])
    for who in ("manager", "staff", "supporting_staff"):
        client.force_login(roles.by_name(who))
        html = (
            client.get(LIST).content.decode()
            + client.get(detail_url(roles.item.recommendation)).content.decode()
        )
        assert create_url not in html
        assert edit_url not in html
    client.force_login(roles.coordinator)
    assert create_url in client.get(LIST).content.decode()
    assert edit_url in client.get(detail_url(roles.item.recommendation)).content.decode()


# Coordinators create and edit ----------------------------------------------------------------


def test_coordinator_creates_a_recommendation_with_lead_and_supporting_agencies(client, roles):
    theme = roles.item.recommendation.theme
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:create"),
        recommendation_data(
            theme=theme.pk,
            lead_agency=roles.owner.pk,
            supporting_agencies=[roles.supporting.pk, roles.unrelated.pk],
        ),
    )
    created = Recommendation.objects.get(code="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == detail_url(created)
    assert created.lead_agency == roles.owner
    assert set(created.supporting_agencies.all()) == {roles.supporting, roles.unrelated}
    assert created.source_id == theme.source_id
    assert created.target_date == datetime.date(2027, 6, 30)


def test_creation_errors_are_reported_per_field(client, roles):
    existing = roles.item.recommendation
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:create"),
        recommendation_data(
            code=existing.code,
            theme=existing.theme_id,
            lead_agency=roles.owner.pk,
            supporting_agencies=[roles.owner.pk],
        ),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"code", "supporting_agencies"}
    html = response.content.decode()
    assert 'href="#id_code"' in html
    assert 'href="#id_supporting_agencies_0"' in html
    assert Recommendation.objects.count() == 1


def test_the_passage_must_be_quoted_word_for_word_from_the_source(client, roles):
    theme = roles.item.recommendation.theme
    theme.source.text = "Panelists highlighted that   pressure must be put\non the supply chain."
    theme.source.save()
    client = signed_in(client, roles.coordinator)
    data = recommendation_data(theme=theme.pk, lead_agency=roles.owner.pk)
    refused = client.post(
        reverse("recommendations:create"), {**data, "source_passage": "Pressure is needed."}
    )
    assert refused.status_code == 400
    assert "not found word for word" in text(refused)
    accepted = client.post(
        reverse("recommendations:create"),
        {**data, "source_passage": "pressure must be put on the supply chain"},
    )
    assert accepted.status_code == 302


def test_coordinator_edits_a_recommendation(client, roles):
    recommendation = roles.item.recommendation
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:edit", args=[recommendation.pk]),
        recommendation_data(
            recommendation, title_en="Sharper title", supporting_agencies=[roles.unrelated.pk]
        ),
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.title_en == "Sharper title"
    assert list(recommendation.supporting_agencies.all()) == [roles.unrelated]


def test_a_stale_recommendation_form_is_refused(client, roles):
    recommendation = roles.item.recommendation
    opened = recommendation_data(recommendation, title_en="Mine")
    Recommendation.objects.filter(pk=recommendation.pk).update(
        title_en="Theirs", updated_at=recommendation.updated_at + datetime.timedelta(seconds=5)
    )
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:edit", args=[recommendation.pk]), opened
    )
    assert response.status_code == 409
    assert "changed by someone else since you opened it" in text(response)
    recommendation.refresh_from_db()
    assert recommendation.title_en == "Theirs"
    assert response.context["form"]["title_en"].value() == "Mine"


@pytest.mark.parametrize("who", ["manager", "staff", "supporting_staff", "unrelated_staff"])
def test_non_coordinators_are_refused_creation_and_editing(client, roles, who):
    client = signed_in(client, roles.by_name(who))
    recommendation = roles.item.recommendation
    data = recommendation_data(recommendation, title_en="Hijacked")
    for url in (
        reverse("recommendations:create"),
        reverse("recommendations:edit", args=[recommendation.pk]),
        reverse("recommendations:item_create", args=[recommendation.pk]),
        reverse("recommendations:item_edit", args=[roles.item.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    recommendation.refresh_from_db()
    assert recommendation.title_en != "Hijacked"
    assert Recommendation.objects.count() == 1


def test_coordinator_adds_an_action_item(client, roles):
    recommendation = roles.item.recommendation
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:item_create", args=[recommendation.pk]),
        {
            "title_en": "Map courier routes",
            "title_fr": "Cartographier les routes des messageries",
            "description_en": "",
            "description_fr": "",
            "owner_agency": roles.supporting.pk,
            "due_date": "2027-03-31",
        },
    )
    item = ActionItem.objects.get(title_en="Map courier routes")
    assert response.status_code == 302
    assert response["Location"] == reverse("recommendations:item", args=[item.pk])
    assert item.owner_agency == roles.supporting
    assert item.sequence == roles.item.sequence + 1
    assert item.original_due_date == datetime.date(2027, 3, 31)


def test_coordinator_moves_an_item_to_another_agency_which_unassigns_it(client, roles):
    item = record(roles.item, roles.manager, assignee=roles.staff)
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:item_edit", args=[item.pk]),
        {
            "version": item.version,
            "title_en": item.title_en,
            "title_fr": item.title_fr,
            "description_en": "",
            "description_fr": "",
            "owner_agency": roles.supporting.pk,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.owner_agency, item.assignee) == (roles.supporting, None)
    entry = ProgressUpdate.objects.order_by("-id").first()
    assert "owner agency (RCMP → CBSA)" in entry.note
    assert entry.assignee_before == roles.staff
    assert entry.assignee_after is None
    assert entry.status_after == Status.NOT_STARTED


def test_a_stale_item_definition_form_is_refused(client, roles):
    opened_version = roles.item.version
    record(roles.item, roles.staff, percent_complete=10)
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:item_edit", args=[roles.item.pk]),
        {
            "version": opened_version,
            "title_en": "Renamed",
            "title_fr": "Renommé",
            "description_en": "",
            "description_fr": "",
            "owner_agency": roles.owner.pk,
        },
    )
    assert response.status_code == 409
    assert "changed by someone else" in text(response)
    roles.item.refresh_from_db()
    assert roles.item.title_en != "Renamed"


def test_items_of_a_recommendation_stay_in_their_order(client, roles):
    later = ActionItemFactory(recommendation=roles.item.recommendation, title_en="Second step")
    response = signed_in(client, roles.staff).get(detail_url(roles.item.recommendation))
    assert [item.pk for item in response.context["items"]] == [roles.item.pk, later.pk]


def test_a_missing_required_field_is_reported_before_anything_is_saved(client, roles):
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:create"),
        recommendation_data(theme=roles.item.recommendation.theme_id, title_en=""),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title_en", "lead_agency"}
    assert 'href="#id_title_en"' in response.content.decode()


@pytest.mark.parametrize("code", ["GAP-1.2", "rt22-03", "RT22 03", "RT22-03.1", "-3"])
def test_a_reference_code_outside_the_one_pattern_is_refused(client, roles, code):
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:create"),
        recommendation_data(
            theme=roles.item.recommendation.theme.pk, lead_agency=roles.owner.pk, code=code
        ),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "Enter a code such as RT22-03: capital letters, optionally a year, a hyphen and a number."
    ]
    assert not Recommendation.objects.filter(code=code).exists()


def test_a_reference_code_of_a_future_source_is_accepted(client, roles):
    response = signed_in(client, roles.coordinator).post(
        reverse("recommendations:create"),
        recommendation_data(
            theme=roles.item.recommendation.theme.pk, lead_agency=roles.owner.pk, code="RT22-03"
        ),
    )
    assert response.status_code == 302
    assert Recommendation.objects.filter(code="RT22-03").exists()
