"""API tokens die with the password (change or reset), with deactivation and after being idle,
and people see and revoke theirs from the profile page."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django import Settings as DjangoSettings
from rest_framework.test import APIClient

from agencies.models import ApiToken
from tests.conftest import RoleMatrix
from tests.ui.helpers import signed_in, text

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
NEW_PASSWORD = "a-much-longer-passphrase-2026"


def obtain(username: str = "staff", password: str = PASSWORD, name: str = "") -> str:
    body: dict[str, str] = {"username": username, "password": password}
    if name:
        body["name"] = name
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def works(token: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/").status_code == 200


def test_a_password_change_revokes_every_token(client: Client, roles: RoleMatrix) -> None:
    tokens = [obtain(), obtain()]
    client = signed_in(client, roles.staff)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not any(works(token) for token in tokens)
    assert works(obtain(password=NEW_PASSWORD))


def test_a_password_reset_by_email_revokes_every_token(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    token = obtain()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": roles.staff.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+)", str(mail.outbox[0].body))
    assert link
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert not works(token)


def test_deactivating_an_account_in_the_admin_revokes_its_tokens(
    client: Client, roles: RoleMatrix
) -> None:
    token = obtain()
    admin = roles.coordinator
    admin.is_staff = admin.is_superuser = True
    admin.save()
    signed_in(client, admin)
    page = client.get(reverse("admin:agencies_user_change", args=[roles.staff.pk]))
    form = page.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and key not in {"groups", "user_permissions", "last_login"}
    }
    data.update(
        {
            "is_active": "",
            "date_joined_0": roles.staff.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": roles.staff.date_joined.strftime("%H:%M:%S"),
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("is_active")
    data.pop("date_joined", None)
    response = client.post(reverse("admin:agencies_user_change", args=[roles.staff.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    roles.staff.refresh_from_db()
    assert not roles.staff.is_active
    assert not ApiToken.objects.filter(user=roles.staff).exists()
    assert not works(token)


def test_a_token_idle_for_longer_than_the_limit_expires(
    roles: RoleMatrix, settings: DjangoSettings
) -> None:
    settings.API_TOKEN_IDLE_DAYS = 30
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        used, idle = obtain(), obtain()
        clock.shift(datetime.timedelta(days=20))
        assert works(used)
        clock.shift(datetime.timedelta(days=20))
        # 40 days since the idle one was last used, 20 since the other.
        assert works(used)
        assert not works(idle)
        assert ApiToken.objects.filter(user=roles.staff).count() == 1


def test_the_profile_lists_tokens_and_revokes_one_or_all(client: Client, roles: RoleMatrix) -> None:
    first, second, third = obtain(name="dashboard"), obtain(), obtain()
    client = signed_in(client, roles.staff)
    page = client.get(reverse("profile"))
    assert "dashboard" in text(page)
    assert first[:8] in text(page)
    assert first not in page.content.decode()
    row = ApiToken.objects.get(prefix=first[:8])
    response = client.post(reverse("api_token_revoke", args=[row.pk]))
    assert response.status_code == 302
    assert not works(first)
    assert works(second)
    assert "The token was revoked" in text(client.get(reverse("profile")))
    client.post(reverse("api_tokens_revoke_all"))
    assert not works(second)
    assert not works(third)
    assert "You have no API token" in text(client.get(reverse("profile")))


def test_nobody_revokes_someone_elses_token(client: Client, roles: RoleMatrix) -> None:
    token = obtain()
    row = ApiToken.objects.get(user=roles.staff)
    response = signed_in(client, roles.manager).post(reverse("api_token_revoke", args=[row.pk]))
    assert response.status_code == 404
    assert works(token)


def test_revoking_from_the_profile_needs_a_post(client: Client, roles: RoleMatrix) -> None:
    obtain()
    row = ApiToken.objects.get(user=roles.staff)
    client = signed_in(client, roles.staff)
    assert client.get(reverse("api_token_revoke", args=[row.pk])).status_code == 405
    assert client.get(reverse("api_tokens_revoke_all")).status_code == 405
