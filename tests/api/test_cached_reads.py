"""Action item reads answered from this process's memory are the answers DRF would give.

``GET /api/v1/action-items/`` and ``/api/v1/action-items/{id}/`` keep their rendered answer
under the data version, the date, the language, the caller and the address
(``ActionItemViewSet._read``). These tests prove from outside (HTTP) that a kept answer is
byte for byte DRF's generic one, that a write, a new day and a stale crossing change it at
once, that every refusal (401, 403, 400, 404) is decided afresh, and what a read costs.
"""

import datetime
import random
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory

from agencies.api import AgencyViewSet, UserViewSet
from agencies.models import Agency, Membership, User
from apis.filters import ApiFilterBackend
from recommendations.accountability import services as accountability
from recommendations.api.views import (
    ActionItemViewSet,
    ProgressUpdateViewSet,
    RecommendationViewSet,
    if_none_match,
)
from recommendations.models import ActionItem, AssessmentRating, Status
from recommendations.services import action_item_change
from tests.api.conftest import ClientFor, item_url
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, UserFactory
from tests.reports.datasets import dataset_create
from tracker.memory import BoundedStore

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 16, 0, tzinfo=datetime.UTC)
LIST = "/api/v1/action-items/"
Answer = tuple[int, dict[str, str], bytes]


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    # Time stands still, so that a generic answer and a kept one are computed at the same moment.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _answer(client: APIClient | Client, path: str, **headers: Any) -> Answer:
    response = client.get(path, **headers)
    return response.status_code, dict(response.items()), response.content


def _retrieve_as_before(
    view: ActionItemViewSet, request: Request, *args: Any, **kwargs: Any
) -> Response:
    # The detail as the view answered it before its reads were kept (the code as it was).
    item = view.get_object()
    if if_none_match(request, item.etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": item.etag})
    return Response(view.get_serializer(item).data, headers={"ETag": item.etag})


def _add_accountability(items: list[ActionItem], coordinator: User) -> None:
    """Submissions, extension requests and assessments on some items (by members of the owner
    agencies), so that every field of the representation holds something somewhere."""
    working = [
        item
        for item in items
        if item.status in (Status.IN_PROGRESS, Status.BLOCKED)
        and Membership.objects.filter(agency_id=item.owner_agency_id).exists()
    ]

    def member_of_owner(item: ActionItem) -> User:
        return Membership.objects.filter(agency_id=item.owner_agency_id).first().user  # type: ignore[union-attr]

    for item in working[:2]:
        accountability.submission_create(
            item=ActionItem.objects.get(pk=item.pk),
            actor=member_of_owner(item),
            expected_version=None,
            note="Done.",
            links=["https://example.gc.ca/report"],
            notify=False,
        )
    for item in working[2:4]:
        fresh = ActionItem.objects.get(pk=item.pk)
        accountability.extension_request_create(
            item=fresh,
            actor=member_of_owner(item),
            proposed_due_date=max(fresh.due_date, timezone.localdate()) + datetime.timedelta(30),
            reason="Partners late.",
            notify=False,
        )
        accountability.assessment_create(
            item=ActionItem.objects.get(pk=item.pk),
            actor=coordinator,
            rating=AssessmentRating.OFF_TRACK,
            rationale="Late.",
        )
    assert len(working) >= 4


@pytest.mark.parametrize("size", [30, 140])
def test_kept_answers_are_byte_for_byte_drfs_generic_ones(
    roles: RoleMatrix,
    client_for: ClientFor,
    frozen: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
    size: int,
) -> None:
    data = dataset_create(seed=size, items=size)
    coordinator = roles.coordinator
    _add_accountability(data.items, coordinator)
    rng = random.Random(size)
    agency = data.agencies[0].acronym
    paths = [
        LIST,
        f"{LIST}?page=2&page_size=20",
        f"{LIST}?page_size=200",
        f"{LIST}?page_size=7&page=3",
        f"{LIST}?ordering=-updated_at,status&status=in_progress,blocked,not_started",
        f"{LIST}?agency={agency}&overdue=true",
        f"{LIST}?discrepancy=true",
        f"{LIST}?search=Item&ordering=agency",
        *(item_url(item.pk) for item in rng.sample(data.items, 8)),
        *[item_url(item.pk) for item in data.items if item.status == Status.IN_PROGRESS][:3],
    ]
    variants: list[dict[str, Any]] = [{}, {"HTTP_ACCEPT_LANGUAGE": "fr"}]
    client = client_for(coordinator)

    with monkeypatch.context() as before:
        before.setattr(ActionItemViewSet, "list", mixins.ListModelMixin.list)
        before.setattr(ActionItemViewSet, "retrieve", _retrieve_as_before)
        generic = {
            (path, n): _answer(client, path, **v) for path in paths for n, v in enumerate(variants)
        }
    assert all(answer[0] == 200 for answer in generic.values())

    computed = {
        (path, n): _answer(client, path, **v) for path in paths for n, v in enumerate(variants)
    }
    with CaptureQueriesContext(connection) as kept_queries:
        kept = {
            (path, n): _answer(client, path, **v) for path in paths for n, v in enumerate(variants)
        }
    assert computed == generic
    assert kept == generic
    # Every one of the second round was read from memory, the token too: one query, the two
    # versions.
    assert len(kept_queries) == len(paths) * len(variants)
    # The French answers are French, and each is kept apart from the English one.
    assert generic[(LIST, 0)][2] != generic[(LIST, 1)][2]


@pytest.mark.parametrize("size", [3, 40])
def test_a_kept_read_costs_one_query_and_a_first_one_the_usual(
    roles: RoleMatrix, client_for: ClientFor, size: int
) -> None:
    for _ in range(size):
        ActionItemFactory.create(
            recommendation=roles.item.recommendation, assignee=UserFactory.create()
        )
    client = client_for(roles.coordinator)
    with CaptureQueriesContext(connection) as unknown_token:
        assert client.get(LIST).status_code == 200
    # The two versions, the token with its person's roles, the count and the rows.
    assert len(unknown_token) == 4
    for path, first in (
        (f"{LIST}?page_size=3", 3),
        (f"{LIST}?page_size=2&agency=RCMP", 3),
        (item_url(roles.item.pk), 2),
    ):
        # first: the two versions (the token is known now), then the count and the rows (a
        # list) or the item (a detail); then the two versions only.
        with CaptureQueriesContext(connection) as cold:
            assert client.get(path).status_code == 200
        with CaptureQueriesContext(connection) as warm:
            assert client.get(path).status_code == 200
        assert (len(cold), len(warm)) == (first, 1), path


def _percent(client: APIClient, pk: int) -> tuple[int, int]:
    listed = next(row for row in client.get(LIST).json()["results"] if row["id"] == pk)
    return listed["percent_complete"], client.get(item_url(pk)).json()["percent_complete"]


def test_a_write_changes_the_kept_answers_at_once(roles: RoleMatrix, client_for: ClientFor) -> None:
    client = client_for(roles.coordinator)
    etag = client.get(item_url(roles.item.pk))["ETag"]
    assert _percent(client, roles.item.pk) == (0, 0)
    changed = client.patch(
        item_url(roles.item.pk), {"percent_complete": 40}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200
    assert _percent(client, roles.item.pk) == (40, 40)
    assert client.get(item_url(roles.item.pk))["ETag"] == changed["ETag"] != etag


def test_writes_that_bypass_the_services_change_the_kept_answers_too(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    """The admin, a shell or a loader: an agency's acronym, an assignee's username, a person
    deleted (their items are unassigned by an UPDATE that sends no signal)."""
    assignee = UserFactory.create(username="before")
    ActionItem.objects.filter(pk=roles.item.pk).update(assignee=assignee)
    client = client_for(roles.coordinator)

    def shown() -> tuple[str, str | None]:
        body = client.get(item_url(roles.item.pk)).json()
        row = next(r for r in client.get(LIST).json()["results"] if r["id"] == roles.item.pk)
        assert (row["owner_agency"], row["assignee"]) == (body["owner_agency"], body["assignee"])
        return body["owner_agency"], body["assignee"]

    assert shown() == ("RCMP", "before")
    owner = Agency.objects.get(pk=roles.owner.pk)
    owner.acronym = "GRC-X"
    owner.save()
    assert shown() == ("GRC-X", "before")
    assignee.username = "after"
    assignee.save()
    assert shown() == ("GRC-X", "after")
    assignee.last_login = timezone.now()
    assignee.save(update_fields=["last_login"])  # shows nothing: moves nothing
    assert shown() == ("GRC-X", "after")
    assignee.delete()
    assert shown() == ("GRC-X", None)


def _flags(client: APIClient, pk: int) -> tuple[bool, bool, bool, bool]:
    row = next(r for r in client.get(LIST).json()["results"] if r["id"] == pk)
    body = client.get(item_url(pk)).json()
    return row["is_overdue"], row["is_stale"], body["is_overdue"], body["is_stale"]


def test_a_new_day_changes_the_kept_answers_at_once(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    local_evening = datetime.datetime(
        2026, 6, 15, 23, 59, 30, tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(local_evening, tick=False) as traveller:
        ActionItem.objects.filter(pk=roles.item.pk).update(
            due_date=datetime.date(2026, 6, 15),
            status=Status.IN_PROGRESS,
            last_progress_at=timezone.now(),
        )
        client = client_for(roles.coordinator)
        assert _flags(client, roles.item.pk) == (False, False, False, False)
        traveller.shift(datetime.timedelta(seconds=31))  # 00:00:01, the next day
        assert _flags(client, roles.item.pk) == (True, False, True, False)


def _turns_stale_in(item: ActionItem, remaining: datetime.timedelta, *, status: str) -> None:
    """Make ``item`` worked on, not overdue, and turning stale ``remaining`` after NOW."""
    ActionItem.objects.filter(pk=item.pk).update(
        status=status,
        due_date=timezone.localdate() + datetime.timedelta(days=90),
        last_progress_at=NOW - datetime.timedelta(days=settings.REMINDER_STALE_DAYS) + remaining,
    )


def test_a_stale_crossing_changes_the_kept_answers_at_once(
    roles: RoleMatrix, client_for: ClientFor, frozen: time_machine.Traveller
) -> None:
    _turns_stale_in(roles.item, datetime.timedelta(minutes=1), status=Status.BLOCKED)
    client = client_for(roles.coordinator)
    assert _flags(client, roles.item.pk) == (False, False, False, False)
    frozen.shift(datetime.timedelta(seconds=59))
    assert _flags(client, roles.item.pk) == (False, False, False, False)
    frozen.shift(datetime.timedelta(seconds=2))  # a minute and a second later: stale
    assert _flags(client, roles.item.pk) == (False, True, False, True)


def test_a_list_filtered_on_staleness_follows_items_that_turn_stale(
    roles: RoleMatrix, client_for: ClientFor, frozen: time_machine.Traveller
) -> None:
    """Which items such a list holds changes when any item turns stale, listed or not."""
    _turns_stale_in(roles.item, datetime.timedelta(seconds=5), status=Status.IN_PROGRESS)
    client = client_for(roles.coordinator)
    assert client.get(f"{LIST}?stale=true").json()["count"] == 0
    assert client.get(f"{LIST}?stale=false").json()["count"] == 1
    frozen.shift(datetime.timedelta(seconds=6))
    assert client.get(f"{LIST}?stale=true").json()["count"] == 1
    assert client.get(f"{LIST}?stale=false").json()["count"] == 0


def test_refusals_are_decided_afresh_while_an_answer_is_kept(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    client = client_for(roles.coordinator)
    for path in (LIST, f"{LIST}?page=1", item_url(roles.item.pk)):
        assert client.get(path).status_code == 200
    assert client_for(None).get(LIST).status_code == 401
    assert client_for(roles.outsider).get(LIST).status_code == 403  # signed in, no agency
    assert client_for(roles.outsider).get(item_url(roles.item.pk)).status_code == 403
    assert client.get(f"{LIST}?agnecy=RCMP").status_code == 400
    assert client.get(f"{LIST}?overdue=maybe").status_code == 400
    assert client.get(f"{LIST}?page=2").status_code == 404
    assert client.get(item_url(roles.item.pk + 1000)).status_code == 404


def test_conditional_reads_use_the_kept_etag_and_a_write_ends_the_304s(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    client = client_for(roles.coordinator)
    first = client.get(item_url(roles.item.pk))
    etag = first["ETag"]
    for _ in range(2):  # computed, then kept
        unchanged = client.get(item_url(roles.item.pk), HTTP_IF_NONE_MATCH=etag)
        assert unchanged.status_code == 304
        assert (unchanged["ETag"], unchanged.content) == (etag, b"")
    action_item_change(
        item=ActionItem.objects.get(pk=roles.item.pk),
        actor=roles.staff,
        expected_version=None,
        percent_complete=30,
    )
    changed = client.get(item_url(roles.item.pk), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_links_in_a_kept_answer_follow_the_host_asked(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    client = client_for(roles.coordinator)
    for host in ("testserver", "localhost", "testserver"):
        body = client.get(item_url(roles.item.pk), HTTP_HOST=host).json()
        assert body["url"] == f"http://{host}/api/v1/action-items/{roles.item.pk}/"
        listed = client.get(LIST, HTTP_HOST=host).json()
        assert listed["results"][0]["url"].startswith(f"http://{host}/")


# Tokens: revoked, password changed, deactivated, roles lost — refused at once ---------------------


@pytest.fixture
def warm(roles: RoleMatrix) -> tuple[APIClient, str]:
    """The staff member's client, signed in by a token from the API, with both reads kept."""
    key = (
        APIClient()
        .post(
            "/api/v1/auth/token/",
            {"username": "staff", "password": "correct-horse-battery"},
            format="json",
        )
        .json()["token"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for _ in range(2):
        assert client.get(LIST).status_code == 200
        assert client.get(item_url(roles.item.pk)).status_code == 200
    return client, key


def _refused(client: APIClient, roles: RoleMatrix) -> set[int]:
    return {client.get(LIST).status_code, client.get(item_url(roles.item.pk)).status_code}


def test_a_revoked_token_is_refused_at_once(roles: RoleMatrix, warm: tuple[APIClient, str]) -> None:
    client, _key = warm
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert _refused(client, roles) == {401}


def test_a_password_change_refuses_the_token_at_once(
    roles: RoleMatrix, warm: tuple[APIClient, str]
) -> None:
    client, _key = warm
    browser = Client()
    browser.force_login(roles.staff)
    changed = browser.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
    )
    assert changed.status_code == 302
    assert _refused(client, roles) == {401}


def test_a_deactivated_account_is_refused_at_once(
    roles: RoleMatrix, warm: tuple[APIClient, str]
) -> None:
    client, _key = warm
    staff = User.objects.get(pk=roles.staff.pk)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert _refused(client, roles) == {401}


def test_a_member_who_leaves_their_agency_is_refused_at_once(
    roles: RoleMatrix, warm: tuple[APIClient, str]
) -> None:
    client, _key = warm
    Membership.objects.filter(user=roles.staff).delete()  # no data version moves
    assert _refused(client, roles) == {403}


# Lists naming no filter skip django-filter, with the same rows ---------------------------------------


@pytest.mark.parametrize(
    "view_class",
    [ActionItemViewSet, RecommendationViewSet, ProgressUpdateViewSet, AgencyViewSet, UserViewSet],
)
@pytest.mark.parametrize("query", ["", "?page=2&page_size=3", "?format=json"])
def test_a_list_naming_no_filter_has_the_rows_django_filter_gives(
    roles: RoleMatrix, view_class: type[Any], query: str
) -> None:
    request = Request(APIRequestFactory().get(f"/api/v1/any/{query}"))
    request.user = roles.coordinator
    view = view_class(action="list", request=request, format_kwarg=None, kwargs={})
    queryset = view.get_queryset()
    fast = ApiFilterBackend().filter_queryset(request, queryset, view)
    full = DjangoFilterBackend().filter_queryset(request, queryset, view)
    assert str(fast.query) == str(full.query)


# The store's bound ---------------------------------------------------------------------------------


def test_the_in_process_store_drops_the_least_recently_used_first() -> None:
    store: BoundedStore[str] = BoundedStore(max_size=800)
    for name in "abcd":
        store.put(name, name, 100)
    assert store.get("a") is not None  # a is now the most recently used
    for name in "efghi":
        store.put(name, name, 100)
    assert store.total == 800
    assert store.get("b") is None  # the least recently used went first
    assert {key for key in "acdefghi" if store.get(key) is not None} == set("acdefghi")
    store.put("huge", "huge", 101)  # over an eighth: never kept
    assert store.get("huge") is None
    assert store.total == 800
    store.put("c", "c again", 50)  # replacing an entry counts its new size only
    assert store.total == 750
    store.discard("c")
    assert store.get("c") is None
    assert store.total == 700
