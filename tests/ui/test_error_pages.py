import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from tests.conftest import RoleMatrix
from tests.ui.helpers import signed_in, text

pytestmark = pytest.mark.django_db


def test_404_page_is_styled_and_translated(client: Client, roles: RoleMatrix) -> None:
    client = signed_in(client, roles.staff)
    assert "Page not found" in text(client.get("/recommendations/999999/"))
    roles.staff.language = "fr"
    roles.staff.save()
    response = client.get("/recommendations/999999/")
    assert response.status_code == 404
    assert "Page introuvable" in text(response)


def test_403_page_says_why_in_the_users_language(client: Client, roles: RoleMatrix) -> None:
    roles.outsider.language = "fr"
    roles.outsider.save()
    response = signed_in(client, roles.outsider).get("/")
    assert response.status_code == 403
    page = text(response)
    assert "Vous ne pouvez pas faire cela" in page
    assert "Demandez à votre coordonnateur de vous ajouter à votre organisme" in page


def test_500_page_renders_without_a_request_or_database(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(0), translation.override("fr"):
        html = render_to_string("500.html")
    assert '<html lang="fr">' in html
    assert "Réessayez dans quelques minutes" in html
