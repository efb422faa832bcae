import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from agencies.models import User
from tests.conftest import RoleMatrix
from tests.ui.helpers import signed_in, text

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def test_sign_in_leads_to_my_work(client: Client, roles: RoleMatrix) -> None:
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "My work" in text(client.get("/"))


def test_a_wrong_password_is_explained_and_the_fields_are_labelled(
    client: Client, roles: RoleMatrix
) -> None:
    response = client.post(reverse("login"), {"username": "staff", "password": "nope"})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Please enter a correct username and password" in page
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


def test_sign_out_is_a_post_and_returns_to_sign_in(client: Client, roles: RoleMatrix) -> None:
    client = signed_in(client, roles.staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_password_change(client: Client, roles: RoleMatrix) -> None:
    client = signed_in(client, roles.staff)
    assert "Change your password" in text(client.get(reverse("password_change")))
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-2026",
            "new_password2": "a-much-longer-passphrase-2026",
        },
    )
    assert response.status_code == 302
    assert "Password changed" in text(client.get(response["Location"]))
    roles.staff.refresh_from_db()
    assert roles.staff.check_password("a-much-longer-passphrase-2026")


def test_password_reset_by_email_works_end_to_end(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": roles.staff.email})
    assert response.status_code == 302
    assert "Check your email" in text(client.get(response["Location"]))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [roles.staff.email]
    assert message.subject == "Password reset for the recommendations tracker"
    assert "Your username is staff." in message.body
    link = re.search(r"http://testserver(/accounts/reset/\S+)", str(message.body))
    assert link, message.body

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in text(form_page)
    new_password = "reset-by-email-passphrase-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Password saved" in text(done)
    assert client.login(username="staff", password=new_password)
    # The link works once only.
    assert "This link no longer works" in text(client.get(link.group(1), follow=True))


def test_password_reset_reveals_nothing_about_unknown_addresses(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_shows_agencies_and_saves_the_preferred_language(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.manager)
    page = text(client.get(reverse("profile")))
    assert "Royal Canadian Mounted Police (RCMP): Manager" in page
    response = client.post(
        reverse("profile"),
        {
            "first_name": "Marc",
            "last_name": "Gagnon",
            "email": "marc@example.gc.ca",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    roles.manager.refresh_from_db()
    assert (roles.manager.first_name, roles.manager.language) == ("Marc", "fr")
    assert "Votre profil a été enregistré." in text(client.get(reverse("profile")))


def test_profile_needs_an_email_for_reminders(client: Client, roles: RoleMatrix) -> None:
    response = signed_in(client, roles.staff).post(
        reverse("profile"), {"first_name": "", "last_name": "", "email": "", "language": "en"}
    )
    assert response.status_code == 400
    assert 'href="#id_email"' in response.content.decode()


def test_language_switcher_is_on_every_page(client: Client, roles: RoleMatrix) -> None:
    assert 'name="language" value="fr"' in client.get(reverse("login")).content.decode()
    client = signed_in(client, roles.staff)
    for url in ("/", "/recommendations/", reverse("profile"), "/no-such-page/"):
        assert 'name="language" value="fr"' in client.get(url).content.decode(), url


def test_switching_language_is_remembered_on_the_profile(client: Client, roles: RoleMatrix) -> None:
    client = signed_in(client, roles.staff)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert User.objects.get(pk=roles.staff.pk).language == "fr"
    page = client.get("/")
    assert '<html lang="fr">' in page.content.decode()
    assert "Mon travail" in text(page)
    # Another device (a fresh session, no cookie) shows French too.
    client.logout()
    client.cookies.clear()
    client.force_login(User.objects.get(pk=roles.staff.pk))
    assert "Mon travail" in text(client.get("/"))


def test_the_header_switch_says_the_emails_change_language_only_when_they_do(
    client: Client, roles: RoleMatrix
) -> None:
    client = signed_in(client, roles.staff)  # English
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = text(client.get("/"))
    assert "Vos courriels vous seront désormais envoyés en français." in page
    assert "Emails will now" not in page
    assert "désormais" not in text(client.get("/"))  # shown once
    # Already French: nothing to say.
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert "désormais" not in text(client.get("/"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = text(client.get("/"))
    assert "Emails will now be sent to you in English." in page
    assert User.objects.get(pk=roles.staff.pk).language == "en"


def test_a_language_chosen_before_signing_in_is_kept(client: Client, roles: RoleMatrix) -> None:
    client.post(reverse("set_language"), {"language": "fr", "next": reverse("login")})
    assert "Se connecter" in text(client.get(reverse("login")))
    client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert User.objects.get(pk=roles.staff.pk).language == "fr"
    assert "Mon travail" in text(client.get("/"))


def test_signed_in_visitors_are_not_shown_the_sign_in_form(
    client: Client, roles: RoleMatrix
) -> None:
    response = signed_in(client, roles.staff).get(reverse("login"))
    assert response.status_code == 302


def test_the_reset_email_is_in_the_language_the_user_chose(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    roles.staff.language = "fr"
    roles.staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": roles.staff.email})
    message = mail.outbox[0]
    assert message.subject == "Réinitialisation du mot de passe du suivi des recommandations"
    assert "est staff." in message.body
    assert message.body.startswith("Bonjour")
    # The page itself stays in the visitor's language.
    assert "Check your email" in text(client.get(reverse("password_reset_done")))
