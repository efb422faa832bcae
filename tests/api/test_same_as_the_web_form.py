"""The same change made through the web form and through the API leaves the same progress update
and sends the same immediate emails. Unlike test_same_as_the_web_ui.py (which compares the API with
the service), these tests post the real web forms, so a view that bypassed or re-shaped the
service call would be caught."""

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from agencies.models import User
from notifications.models import Watch
from recommendations.models import ActionItem, ProgressUpdate
from tests.api.conftest import ClientFor, item_url, updates_url
from tests.api.test_same_as_the_web_ui import TRACE
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db


def twins(roles: RoleMatrix) -> tuple[ActionItem, ActionItem]:
    """Two items alike in everything people read in an email but their reference and address."""
    first = roles.item
    second = ActionItemFactory.create(
        recommendation=first.recommendation,
        owner_agency=first.owner_agency,
        due_date=first.due_date,
        title_en=first.title_en,
        title_fr=first.title_fr,
    )
    return first, second


def web_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def emails_about(item: ActionItem) -> list[tuple[Any, ...]]:
    """The emails about ``item``, with its reference and address replaced by placeholders."""

    def neutral(text: str) -> str:
        text = text.replace(item.reference, "<REF>")
        text = re.sub(rf"/items/{item.pk}/", "/items/<ID>/", text)
        # One-click unsubscribe links are signed with the moment they were made.
        return re.sub(r"/unsubscribe/[^/\s\"'>]+/", "/unsubscribe/<TOKEN>/", text)

    found = []
    for message in mail.outbox:
        if item.reference not in str(message.subject) + str(message.body):
            continue
        html = [neutral(content) for content, _ in getattr(message, "alternatives", [])]
        headers = sorted(message.extra_headers)
        found.append(
            (message.to, neutral(str(message.subject)), neutral(str(message.body)), html, headers)
        )
    return sorted(found)


def test_a_status_change_by_api_leaves_the_same_update_and_watcher_email_as_the_web_form(
    roles: RoleMatrix,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    by_web, by_api = twins(roles)
    for item in (by_web, by_api):
        Watch.objects.create(user=roles.manager, action_item=item)

    with django_capture_on_commit_callbacks(execute=True):
        page = web_client(roles.staff).post(
            f"/items/{by_web.pk}/progress/",
            {
                "progress-version": by_web.version,
                "progress-status": "blocked",
                "progress-percent_complete": 40,
                "progress-note": "Waiting on the legal opinion.",
            },
        )
    assert page.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(roles.staff).post(
            updates_url(by_api.pk),
            {"status": "blocked", "percent_complete": 40, "note": "Waiting on the legal opinion."},
            format="json",
            HTTP_IF_MATCH=by_api.etag,
        )
    assert response.status_code == 201, response.content

    web_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_web)
    api_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_api)
    assert web_update == api_update
    assert web_update["status_after"] == "blocked"

    web_emails, api_emails = emails_about(by_web), emails_about(by_api)
    assert [to for to, *_ in web_emails] == [[roles.manager.email]]
    assert web_emails == api_emails


def test_an_assignment_by_api_leaves_the_same_update_and_email_as_the_web_form(
    roles: RoleMatrix,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    by_web, by_api = twins(roles)

    with django_capture_on_commit_callbacks(execute=True):
        page = web_client(roles.manager).post(
            f"/items/{by_web.pk}/assign/",
            {
                "assign-version": by_web.version,
                "assign-assignee": roles.staff.pk,
                "assign-due_date": by_web.due_date.isoformat(),
                "assign-reason": "",
            },
        )
    assert page.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(roles.manager).patch(
            item_url(by_api.pk),
            {"assignee": roles.staff.username},
            format="json",
            HTTP_IF_MATCH=by_api.etag,
        )
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == "staff"

    web_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_web)
    api_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_api)
    assert web_update == api_update
    assert web_update["assignee_after_id"] == roles.staff.pk

    web_emails, api_emails = emails_about(by_web), emails_about(by_api)
    assert [to for to, *_ in web_emails] == [[roles.staff.email]]
    assert web_emails == api_emails


def test_a_supporting_agencys_note_by_api_is_the_same_as_by_the_web_form(
    roles: RoleMatrix,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    by_web, by_api = twins(roles)
    for item in (by_web, by_api):
        Watch.objects.create(user=roles.manager, action_item=item)

    with django_capture_on_commit_callbacks(execute=True):
        page = web_client(roles.supporting_staff).post(
            f"/items/{by_web.pk}/progress/",
            {"note-version": by_web.version, "note-note": "Seizure data shared."},
        )
    assert page.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(roles.supporting_staff).post(
            updates_url(by_api.pk), {"note": "Seizure data shared."}, format="json"
        )
    assert response.status_code == 201, response.content

    web_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_web)
    api_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_api)
    assert web_update == api_update
    # A note alone changes no status: the watcher is not emailed, by either path.
    assert emails_about(by_web) == emails_about(by_api) == []


def test_a_redate_without_a_reason_is_refused_alike_by_the_web_form_and_the_api(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    by_web, by_api = twins(roles)
    new_date = (by_web.due_date + datetime.timedelta(days=30)).isoformat()

    page = web_client(roles.coordinator).post(
        f"/items/{by_web.pk}/assign/",
        {"assign-version": by_web.version, "assign-due_date": new_date, "assign-reason": ""},
    )
    response = client_for(roles.coordinator).patch(
        item_url(by_api.pk), {"due_date": new_date}, format="json", HTTP_IF_MATCH=by_api.etag
    )

    message = "Give the reason for the new due date."
    assert page.status_code == 400
    assert page.context["assign_form"].errors["reason"] == [message]
    assert response.status_code == 400
    assert response.json() == {"note": [message]}
    assert not ProgressUpdate.objects.exists()
    for item in (by_web, by_api):
        assert ActionItem.objects.get(pk=item.pk).due_date == item.due_date


def test_a_redate_with_a_reason_leaves_the_same_update_by_the_web_form_and_the_api(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    by_web, by_api = twins(roles)
    new_date = (by_web.due_date + datetime.timedelta(days=30)).isoformat()

    page = web_client(roles.coordinator).post(
        f"/items/{by_web.pk}/assign/",
        {"assign-version": by_web.version, "assign-due_date": new_date, "assign-reason": "Scope"},
    )
    response = client_for(roles.coordinator).patch(
        item_url(by_api.pk),
        {"due_date": new_date, "note": "Scope"},
        format="json",
        HTTP_IF_MATCH=by_api.etag,
    )

    assert page.status_code == 302
    assert response.status_code == 200, response.content
    web_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_web)
    api_update = ProgressUpdate.objects.values(*TRACE).get(action_item=by_api)
    assert web_update == api_update
    assert web_update["due_date_after"].isoformat() == new_date


def test_a_refused_redate_and_status_change_say_the_policys_words_on_the_web_and_in_the_api(
    roles: RoleMatrix, client_for: ClientFor
) -> None:
    """One message per rule: the web's 403 page and the API's 403 carry the policy's refusal."""
    from recommendations import policies

    item = roles.item
    new_date = (item.due_date + datetime.timedelta(days=30)).isoformat()
    cases = [
        (  # staff of the owner agency may not re-date
            roles.staff,
            f"/items/{item.pk}/assign/",
            {"assign-version": item.version, "assign-due_date": new_date, "assign-reason": "x"},
            {"due_date": new_date, "note": "x"},
            policies.refusal_assign(item),
        ),
        (  # a supporting agency may add notes, not change the status
            roles.supporting_staff,
            f"/items/{item.pk}/progress/",
            {
                "progress-version": item.version,
                "progress-status": "blocked",
                "progress-percent_complete": 10,
                "progress-note": "x",
            },
            {"status": "blocked"},
            policies.refusal_record_progress(item),
        ),
    ]
    for user, path, form, body, message in cases:
        page = web_client(user).post(path, form)
        response = client_for(user).patch(
            item_url(item.pk), body, format="json", HTTP_IF_MATCH=item.etag
        )
        assert (page.status_code, response.status_code) == (403, 403)
        assert response.json()["detail"] == message
        assert message in " ".join(page.content.decode().replace("&#x27;", "'").split())
    assert not ProgressUpdate.objects.exists()
    assert ActionItem.objects.get(pk=item.pk).version == item.version
