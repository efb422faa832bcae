"""Preferences, watching, the calendar feed and unsubscribing, through the web."""

import datetime

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from notifications import emails, selectors
from notifications.models import NotificationPreference
from tests.notifications.conftest import World


@pytest.fixture
def alice_client(world: World) -> Client:
    client = Client()
    client.force_login(world.alice)
    return client


def test_preferences_need_a_signed_in_user(client: Client, db: None) -> None:
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_user_chooses_kinds_digest_day_and_email_language(
    alice_client: Client, world: World
) -> None:
    page = alice_client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    assert "Escalation, Assignment" in page.content.decode()
    response = alice_client.post(
        reverse("notifications:preferences"),
        {"kinds": ["due_soon", "digest"], "digest_weekday": "4", "language": "fr"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=world.alice)
    assert (preference.due_soon, preference.overdue, preference.stale) == (True, False, False)
    assert (preference.digest, preference.status_changed, preference.digest_weekday) == (
        True,
        False,
        4,
    )
    world.alice.refresh_from_db()
    assert world.alice.language == "fr"


def test_a_bad_choice_is_refused_with_a_message(alice_client: Client) -> None:
    response = alice_client.post(
        reverse("notifications:preferences"),
        {"kinds": ["escalation"], "digest_weekday": "9", "language": "de"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"kinds", "digest_weekday", "language"}


def test_watch_toggles_and_returns_to_the_page(alice_client: Client, world: World) -> None:
    item = world.item(due="2026-04-20")
    url = reverse("notifications:watch", args=[item.pk])
    response = alice_client.post(url, {"next": "/recommendations/"})
    assert response.status_code == 302
    assert response["Location"] == "/recommendations/"
    assert selectors.item_is_watched(world.alice, item)
    alice_client.post(url, {"next": "https://evil.example/"})
    assert not selectors.item_is_watched(world.alice, item)


def test_the_item_page_offers_watching_and_shows_the_choice(
    alice_client: Client, world: World
) -> None:
    item = world.item(due="2026-04-20")
    page_url = reverse("recommendations:item", args=[item.pk])
    page = alice_client.get(page_url).content.decode()
    assert reverse("notifications:watch", args=[item.pk]) in page
    assert 'aria-pressed="false"' in page
    alice_client.post(reverse("notifications:watch", args=[item.pk]), {"next": page_url})
    assert 'aria-pressed="true"' in alice_client.get(page_url).content.decode()


def test_watch_renders_the_button_for_htmx(alice_client: Client, world: World) -> None:
    item = world.item(due="2026-04-20")
    response = alice_client.post(
        reverse("notifications:watch", args=[item.pk]), HTTP_HX_REQUEST="true"
    )
    assert 'aria-pressed="true"' in response.content.decode()


def test_someone_outside_every_agency_cannot_watch(client: Client, world: World) -> None:
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="outsider"))
    item = world.item(due="2026-04-20")
    assert client.post(reverse("notifications:watch", args=[item.pk])).status_code == 403


def test_watch_needs_post(alice_client: Client, world: World) -> None:
    item = world.item(due="2026-04-20")
    assert alice_client.get(reverse("notifications:watch", args=[item.pk])).status_code == 405


def test_the_calendar_feed_lists_my_items_and_my_agencys_and_its_address_can_be_reset(
    alice_client: Client, world: World, client: Client
) -> None:
    mine = world.item(due="2026-04-20", assignee=world.alice)
    agencys = world.item(due="2026-05-01")
    world.item(due="2026-05-02", status="completed", percent_complete=100)
    other = world.item(due="2026-05-03")
    other.owner_agency = world.other_agency
    other.save()
    alice_client.post(reverse("notifications:calendar_reset"))
    token = NotificationPreference.objects.get(user=world.alice).calendar_token
    feed_url = reverse("notifications:calendar", args=[token])
    response = client.get(feed_url)  # a calendar program: no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [
        datetime.date(2026, 4, 20),
        datetime.date(2026, 5, 1),
    ]
    assert {str(e["uid"]).split("@")[0] for e in events} == {
        f"action-item-{mine.pk}",
        f"action-item-{agencys.pk}",
    }
    alice_client.post(reverse("notifications:calendar_reset"))
    assert client.get(feed_url).status_code == 404


def test_the_calendar_feed_costs_two_queries_whatever_the_number_of_items(
    client: Client, world: World, django_assert_num_queries: object
) -> None:
    preference = NotificationPreference.objects.create(user=world.alice)
    url = reverse("notifications:calendar", args=[preference.calendar_token])
    for size in (2, 10):
        while world.alice.assigned_action_items.count() < size:
            world.item(due="2026-04-20", assignee=world.alice)
        with django_assert_num_queries(2):
            client.get(url)


def test_unsubscribe_asks_first_on_get_and_refuses_a_forged_link(
    client: Client, world: World
) -> None:
    url = emails.unsubscribe_url(user_id=world.alice.pk, kinds=["overdue"])
    path = url.removeprefix("http://testserver")
    page = client.get(path)
    assert page.status_code == 200
    assert "Overdue" in page.content.decode()
    assert not NotificationPreference.objects.filter(user=world.alice).exists()
    forged = signing.dumps({"u": world.bob.pk, "k": ["overdue"]}, salt="something else")
    response = client.post(reverse("notifications:unsubscribe", args=[forged]))
    assert response.status_code == 400
    assert not NotificationPreference.objects.filter(user=world.bob).exists()


def test_an_unsubscribe_link_cannot_turn_off_escalations(client: Client, world: World) -> None:
    token = signing.dumps(
        {"u": world.alice.pk, "k": ["escalation", "assigned"]}, salt=emails.UNSUBSCRIBE_SALT
    )
    client.post(reverse("notifications:unsubscribe", args=[token]))
    assert not NotificationPreference.objects.filter(user=world.alice).exists()


def test_a_link_from_a_french_email_opens_french_pages_without_signing_in(
    client: Client, world: World
) -> None:
    from django.utils import translation

    with translation.override("fr"):
        unsubscribe = emails.unsubscribe_url(user_id=world.alice.pk, kinds=["overdue"])
        preferences = emails.preferences_url()
    assert unsubscribe.endswith("?lang=fr")
    page = client.get(unsubscribe.removeprefix("http://testserver"))
    assert 'lang="fr"' in page.content.decode()
    # Preferences need a sign-in: the sign-in page it leads to is French too.
    response = client.get(preferences.removeprefix("http://testserver"), follow=True)
    assert response.redirect_chain
    assert 'lang="fr"' in response.content.decode()
    # The same browser, later and without the parameter, keeps the language of the link.
    assert 'lang="fr"' in client.get(reverse("login")).content.decode()
