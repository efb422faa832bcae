"""Every refusal of the web UI is a clear 400/403/404 page, never a crash: garbage posted to every
form, and unknown ids on every address that takes one. The test client re-raises any exception a
view lets escape, so a 500 fails these tests loudly."""

import pytest
from django.test import Client

from agencies.models import User
from recommendations.models import ActionItem, ProgressUpdate, Recommendation
from tests.conftest import RoleMatrix

pytestmark = pytest.mark.django_db

UNKNOWN = 987654321

GARBAGE: dict[str, list[dict[str, str | list[str]]]] = {
    "progress": [
        {"progress-version": "abc", "progress-status": "nope", "progress-percent_complete": "x"},
        {
            "progress-version": "99999999999999999999999",
            "progress-status": "in_progress",
            "progress-percent_complete": "1e9",
        },
        {"progress-version": "1", "progress-status": "", "progress-percent_complete": "-1"},
        {"progress-version": "1", "progress-status": "completed", "progress-note": "x" * 20000},
        {},
    ],
    "assign": [
        {"assign-version": "1", "assign-assignee": str(UNKNOWN), "assign-due_date": "2021-02-30"},
        {"assign-version": "-5", "assign-assignee": "abc", "assign-due_date": "99999-01-01"},
        {"assign-version": "1", "assign-assignee": "1e400", "assign-due_date": ""},
        {},
    ],
    "item_edit": [
        {"version": "x", "owner_agency": "abc"},
        {"version": "1", "owner_agency": str(UNKNOWN), "title_en": "", "title_fr": "t" * 5000},
    ],
    "item_create": [
        {"owner_agency": str(UNKNOWN), "due_date": "x", "title_en": "t", "title_fr": "t"},
        {"owner_agency": "RCMP", "due_date": "0000-00-00"},
    ],
    "recommendation_create": [
        {
            "code": "x" * 500,
            "lead_agency": "abc",
            "supporting_agencies": ["zz", str(UNKNOWN)],
            "theme": "x",
            "target_date": "bad",
            "priority": "zzz",
        },
        {},
    ],
    "recommendation_edit": [{"version": "garbage", "code": "", "lead_agency": str(UNKNOWN)}],
}


def paths(item: ActionItem) -> dict[str, str]:
    recommendation = item.recommendation_id
    return {
        "progress": f"/items/{item.pk}/progress/",
        "assign": f"/items/{item.pk}/assign/",
        "item_edit": f"/items/{item.pk}/edit/",
        "item_create": f"/recommendations/{recommendation}/items/new/",
        "recommendation_create": "/recommendations/new/",
        "recommendation_edit": f"/recommendations/{recommendation}/edit/",
    }


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("form", "data"), [(form, data) for form, datas in GARBAGE.items() for data in datas]
)
def test_garbage_posted_by_a_coordinator_is_refused_with_a_400_page_and_writes_nothing(
    roles: RoleMatrix, form: str, data: dict[str, str | list[str]]
) -> None:
    before = (
        ProgressUpdate.objects.count(),
        ActionItem.objects.count(),
        Recommendation.objects.count(),
    )
    response = signed_in(roles.coordinator).post(paths(roles.item)[form], data)
    assert response.status_code == 400
    assert b"error" in response.content.lower()
    after = (
        ProgressUpdate.objects.count(),
        ActionItem.objects.count(),
        Recommendation.objects.count(),
    )
    assert after == before


@pytest.mark.parametrize("who", ["staff", "supporting_staff", "unrelated_staff", "outsider"])
@pytest.mark.parametrize("form", list(GARBAGE))
def test_garbage_posted_by_anyone_else_is_a_400_or_403_never_a_crash(
    roles: RoleMatrix, who: str, form: str
) -> None:
    for data in GARBAGE[form]:
        response = signed_in(roles.by_name(who)).post(paths(roles.item)[form], data)
        assert response.status_code in {400, 403}, (who, form, data)
    assert not ProgressUpdate.objects.exists()


UNKNOWN_ADDRESSES = [
    ("get", f"/items/{UNKNOWN}/"),
    ("get", f"/items/{UNKNOWN}/edit/"),
    ("post", f"/items/{UNKNOWN}/edit/"),
    ("post", f"/items/{UNKNOWN}/progress/"),
    ("post", f"/items/{UNKNOWN}/assign/"),
    ("get", f"/recommendations/{UNKNOWN}/"),
    ("get", f"/recommendations/{UNKNOWN}/edit/"),
    ("post", f"/recommendations/{UNKNOWN}/edit/"),
    ("get", f"/recommendations/{UNKNOWN}/items/new/"),
    ("post", f"/recommendations/{UNKNOWN}/items/new/"),
    ("get", "/items/99999999999999999999999999/"),
]


@pytest.mark.parametrize("who", ["coordinator", "staff"])
@pytest.mark.parametrize(("method", "path"), UNKNOWN_ADDRESSES)
def test_an_unknown_id_is_a_404_page_for_every_member(
    roles: RoleMatrix, who: str, method: str, path: str
) -> None:
    response = getattr(signed_in(roles.by_name(who)), method)(path, {})
    assert response.status_code == 404
