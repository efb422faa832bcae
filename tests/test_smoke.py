"""A newcomer's first minute: sign in and see the roundtable's recommendations by theme."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agencies.models import Agency
from agencies.services import member_add


@pytest.mark.django_db
def test_a_member_signs_in_and_sees_the_recommendations_by_theme(client: Client) -> None:
    call_command("load_roundtable", verbosity=0)
    member_add(
        username="ana",
        agency=Agency.objects.get(acronym="HC"),
        role="staff",
        password="a-long-password-1",
    )
    response = client.get(reverse("recommendations:list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

    response = client.post(reverse("login"), {"username": "ana", "password": "a-long-password-1"})
    assert response.status_code == 302
    page = client.get(reverse("recommendations:list")).content.decode()
    assert "RT21-01" in page
    assert "Improving data collection on and national regulations of precursor chemicals" in page


@pytest.mark.django_db
def test_the_login_page_is_served_in_french_to_a_french_browser(client: Client) -> None:
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in page
    assert "Se connecter" in page
