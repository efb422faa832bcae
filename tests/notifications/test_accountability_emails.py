"""The accountability emails over a real SMTP server (aiosmtpd): each person concerned gets exactly
one email per event, in their language, and nobody else does; the reminders of decisions waiting
go to those who may decide, once per period."""

import datetime
import email.header
import email.message
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.core import mail

from agencies.models import Membership, User
from notifications import delivery, planning
from notifications.models import Notification, NotificationKind, NotificationPreference
from recommendations.accountability import services
from recommendations.models import ActionItem
from tests.accountability.conftest import pdf
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    MembershipFactory,
    RecommendationFactory,
    UserFactory,
)
from tests.notifications.conftest import World, at
from tests.notifications.test_smtp_replies import Server, smtp  # noqa: F401 - the SMTP fixture

pytestmark = pytest.mark.usefixtures("evidence_storage_in_tmp")


def person(username: str, agency: Any, role: str, language: str) -> User:
    user = UserFactory.create(username=username, first_name=username.title(), last_name="Test")
    user.language = language
    user.save(update_fields=["language"])
    MembershipFactory.create(user=user, agency=agency, role=role)
    return user


def subject_of(message: email.message.Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def text_of(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def html_of(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no html part")


def received(server: Server, since: int) -> dict[str, list[email.message.Message]]:
    by_address: dict[str, list[email.message.Message]] = {}
    for message in server.accepted[since:]:
        by_address.setdefault(str(message["To"]), []).append(message)
    return by_address


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_related("recommendation", "owner_agency").get(pk=item.pk)


@pytest.fixture
def second_coordinator(world: World) -> User:
    secretariat = world.coordinator.memberships.get().agency
    return person("coordfr", secretariat, Membership.Role.COORDINATOR, "fr")


def test_submission_and_verification_each_email_exactly_the_people_concerned_in_their_language(
    world: World,
    smtp: Server,  # noqa: F811
    second_coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = world.item(due="2030-04-01", assignee=world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_create(
            item=fresh(item),
            actor=world.alice,
            expected_version=fresh(item).version,
            note="The protocol is signed.",
            files=[pdf()],
            links=["https://example.ca/protocol"],
        )
    got = received(smtp, 0)
    # Both verifiers, once each; not the submitter, not the agency's manager or other staff.
    assert Counter({k: len(v) for k, v in got.items()}) == Counter(
        {world.coordinator.email: 1, second_coordinator.email: 1}
    )
    (english,) = got[world.coordinator.email]
    (french,) = got[second_coordinator.email]
    assert subject_of(english).startswith("To verify: ")
    assert "Alice Test submitted this item as done" in text_of(english)
    assert "The protocol is signed." in text_of(english)
    assert "1 file, 1 link" in text_of(english)
    assert "http://testserver/verification/?lang=en" in text_of(english)
    assert subject_of(french).startswith("À vérifier\u00a0: ")
    assert "?lang=fr" in text_of(french)
    assert 'lang="fr"' in html_of(french)
    # Optional kind: one-click unsubscribe.
    assert english["List-Unsubscribe"]

    seen = len(smtp.accepted)
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_decide(
            item=fresh(item),
            actor=second_coordinator,
            expected_version=fresh(item).version,
            decision=services.RETURN,
            reason="The signed copy is missing.",
        )
    got = received(smtp, seen)
    assert Counter({k: len(v) for k, v in got.items()}) == Counter(
        {world.alice.email: 1, world.manager.email: 1}
    )
    (to_alice,) = got[world.alice.email]
    (to_manager,) = got[world.manager.email]
    assert subject_of(to_alice).startswith("Returned: ")
    assert "The signed copy is missing." in text_of(to_alice)
    assert "You submitted this item." in text_of(to_alice)
    assert subject_of(to_manager).startswith("Renvoyée\u00a0: ")
    assert "The signed copy is missing." in text_of(to_manager)
    # A decision on one's own work always reaches them: no unsubscribe header.
    assert to_alice["List-Unsubscribe"] is None

    # The item is submitted again and accepted: one more email each, about the acceptance.
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_create(
            item=fresh(item),
            actor=world.alice,
            expected_version=fresh(item).version,
            note="Signed copy attached.",
            files=[pdf()],
        )
    seen = len(smtp.accepted)
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_decide(
            item=fresh(item),
            actor=world.coordinator,
            expected_version=fresh(item).version,
            decision=services.ACCEPT,
        )
    got = received(smtp, seen)
    assert {k: len(v) for k, v in got.items()} == {world.alice.email: 1, world.manager.email: 1}
    assert subject_of(got[world.alice.email][0]).startswith("Verified complete: ")
    # Nothing is left to send, and running the retry sends nothing twice.
    delivery.notifications_retry_pending()
    assert len(smtp.accepted) == seen + 2
    assert not Notification.objects.filter(state__in=["pending", "sending"]).exists()


def test_extension_request_and_decision_email_the_deciders_then_the_requester(
    world: World,
    smtp: Server,  # noqa: F811
    second_coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The recommendation is led by another agency, whose manager may decide; the owner agency's
    # manager may not, and is not told.
    lead = AgencyFactory.create(acronym="HC")
    lead_manager = person("leadfr", lead, Membership.Role.MANAGER, "fr")
    recommendation = RecommendationFactory.create(lead_agency=lead)
    item = ActionItemFactory.create(
        recommendation=recommendation,
        owner_agency=world.agency,
        assignee=world.alice,
        due_date=datetime.date(2030, 4, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = services.extension_request_create(
            item=fresh(item),
            actor=world.alice,
            proposed_due_date=datetime.date(2030, 5, 1),
            reason="The partner's data arrives in April.",
        )
    got = received(smtp, 0)
    assert {k: len(v) for k, v in got.items()} == {
        world.coordinator.email: 1,
        second_coordinator.email: 1,
        lead_manager.email: 1,
    }
    to_lead = got[lead_manager.email][0]
    assert subject_of(to_lead).startswith("Prolongation demandée\u00a0: ")
    assert "HC" in text_of(to_lead) or "SC" in text_of(to_lead)
    to_coordinator = text_of(got[world.coordinator.email][0])
    assert "(30 days later)" in to_coordinator
    assert "The partner's data arrives in April." in to_coordinator
    assert "Overdue reminders for this item are paused" in to_coordinator

    seen = len(smtp.accepted)
    with django_capture_on_commit_callbacks(execute=True):
        services.extension_request_decide(
            request=request,
            actor=lead_manager,
            decision=services.REJECT,
            reason="Use the March extract.",
        )
    got = received(smtp, seen)
    assert {k: len(v) for k, v in got.items()} == {world.alice.email: 1}
    message = got[world.alice.email][0]
    assert subject_of(message).startswith("Extension rejected: ")
    assert "Use the March extract." in text_of(message)
    assert "You asked for this extension." in text_of(message)


def test_an_event_signal_delivered_twice_records_each_email_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from notifications.accountability import accountability_event_notify

    item = world.item(due="2030-04-01", assignee=world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(
            item=fresh(item),
            actor=world.alice,
            expected_version=fresh(item).version,
            note="Done.",
            links=["https://example.ca/x"],
        )
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert accountability_event_notify(event="submitted", record_id=submission.pk) == 0
    assert len(mail.outbox) == 1


def test_a_verifier_who_turned_submissions_off_gets_none_but_a_submitter_always_gets_the_decision(
    world: World, second_coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    NotificationPreference.objects.create(user=second_coordinator, submitted=False)
    NotificationPreference.objects.create(user=world.alice, submitted=False)
    item = world.item(due="2030-04-01", assignee=world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_create(
            item=fresh(item),
            actor=world.alice,
            expected_version=fresh(item).version,
            note="Done.",
            links=["https://example.ca/x"],
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_decide(
            item=fresh(item),
            actor=world.coordinator,
            expected_version=fresh(item).version,
            decision=services.ACCEPT,
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.coordinator.email, world.alice.email, world.manager.email]
    )


def test_a_please_verify_email_not_yet_sent_is_dropped_once_another_verifier_decided(
    world: World, second_coordinator: User, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    item = world.item(due="2030-04-01", assignee=world.alice)
    from notifications.accountability import accountability_event_notify

    submission = services.submission_create(
        item=fresh(item),
        actor=world.alice,
        expected_version=fresh(item).version,
        note="Done.",
        links=["https://example.ca/x"],
        notify=False,
    )
    accountability_event_notify(event="submitted", record_id=submission.pk)
    services.verification_decide(
        item=fresh(item),
        actor=world.coordinator,
        expected_version=fresh(item).version,
        decision=services.ACCEPT,
        notify=False,
    )
    result = delivery.notifications_send(recipient_ids=[second_coordinator.pk])
    assert result.emails_sent == 0
    assert Notification.objects.get(recipient=second_coordinator).state == "cancelled"


def test_verifiers_and_deciders_are_reminded_of_what_waits_more_than_ten_days_once_per_period(
    world: World, second_coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    item = world.item(due="2026-06-01", assignee=world.alice)
    other = world.item(due="2026-06-01", assignee=world.bob)
    with time_machine.travel(at("2026-04-01", 9), tick=False):
        services.submission_create(
            item=fresh(item),
            actor=world.alice,
            expected_version=fresh(item).version,
            note="Done.",
            links=["https://example.ca/x"],
            notify=False,
        )
        services.extension_request_create(
            item=fresh(other),
            actor=world.bob,
            proposed_due_date=datetime.date(2026, 7, 1),
            reason="Later.",
            notify=False,
        )

    def scan(day: str) -> list[Any]:
        mail.outbox.clear()
        with (
            time_machine.travel(at(day, 8), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            planning.reminders_scan()
        return [m for m in mail.outbox if "decision" in m.subject or "décision" in m.subject]

    assert scan("2026-04-11") == []  # ten days: not more than ten yet
    first = scan("2026-04-12")
    assert sorted(m.to[0] for m in first) == sorted(
        [world.coordinator.email, second_coordinator.email]
    )
    english = next(m for m in first if m.to[0] == world.coordinator.email)
    assert english.subject == "2 decisions waiting for you"
    assert "waiting for verification for 11 days" in english.body
    assert "waiting for a decision for 11 days" in english.body
    french = next(m for m in first if m.to[0] == second_coordinator.email)
    assert french.subject == "2 décisions vous attendent"
    assert scan("2026-04-13") == []  # once per period
    assert len(scan("2026-04-22")) == 2  # and again ten days later
    kinds = set(
        Notification.objects.filter(recipient=world.coordinator).values_list("kind", flat=True)
    )
    assert {NotificationKind.VERIFICATION_WAITING, NotificationKind.EXTENSION_WAITING} <= kinds
    # Decided: no more reminders.
    services.verification_decide(
        item=fresh(item),
        actor=world.coordinator,
        expected_version=fresh(item).version,
        decision=services.ACCEPT,
        notify=False,
    )
    remaining = scan("2026-05-02")
    assert all("1 decision waiting" in m.subject or "1 décision" in m.subject for m in remaining)


def test_an_operator_sets_the_waiting_thresholds(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.REMINDER_VERIFICATION_WAITING_DAYS = 3
    item = world.item(due="2026-06-01", assignee=world.alice)
    with time_machine.travel(at("2026-04-01", 9), tick=False):
        services.submission_create(
            item=fresh(item),
            actor=world.alice,
            expected_version=fresh(item).version,
            note="Done.",
            links=["https://example.ca/x"],
            notify=False,
        )
    with (
        time_machine.travel(at("2026-04-05", 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        planning.reminders_scan()
    assert [m.subject for m in mail.outbox if "decision" in m.subject] == [
        "1 decision waiting for you"
    ]
