"""The notice that overdue reminders are paused, delivered over a real SMTP server (aiosmtpd): in
the recipient's language, text and HTML, saying since when the item is overdue, why the reminders
are paused and what resumes them; dropped if the pause ended before it went out; and the weekly
digest shows a paused overdue item as paused."""

import time_machine
from django.test import Client

from agencies.models import User
from notifications import delivery, planning
from notifications.models import Notification, NotificationKind, NotificationPreference
from recommendations.accountability import services as accountability
from recommendations.models import ActionItem
from tests.notifications.conftest import World, at
from tests.notifications.test_accountability_emails import html_of, received, subject_of, text_of
from tests.notifications.test_accountability_pauses import (
    fresh,
    request_extension,
    return_submission,
    submit,
)
from tests.notifications.test_smtp_replies import Server, smtp  # noqa: F401 - the SMTP fixture

PAUSED = NotificationKind.OVERDUE_PAUSED


def french(user: User) -> User:
    user.language = "fr"
    user.save(update_fields=["language"])
    return user


def scan_and_send(day: str, *recipients: User) -> None:
    with time_machine.travel(at(day, 8), tick=False):
        planning.reminders_scan()
        delivery.notifications_send(recipient_ids=[r.pk for r in recipients])


def awaiting_verification(world: World, assignee: User) -> ActionItem:
    """Due on 1 April, submitted on time on 30 March, still waiting for its verifier."""
    item = world.item(due="2026-04-01", assignee=assignee)
    submit(item, assignee, "2026-03-30")
    return item


def extension_waiting(world: World, assignee: User) -> ActionItem:
    """Due on 1 April, with a request made on 25 March to move it to 1 May."""
    item = world.item(due="2026-04-01", assignee=assignee)
    request_extension(item, assignee, "2026-03-25", days=30)
    return item


def test_the_notice_says_since_when_why_and_what_resumes_the_reminders_in_english(
    world: World,
    smtp: Server,  # noqa: F811
) -> None:
    item = awaiting_verification(world, world.alice)
    scan_and_send("2026-04-02", world.alice)
    (message,) = received(smtp, 0)[world.alice.email]
    assert subject_of(message) == (
        f"Reminders paused, overdue since April 2, 2026: {item.reference} {item.title}"
    )
    for body in (text_of(message), html_of(message)):
        assert "Reminders paused, overdue since April 2, 2026" in body
        assert (
            "Overdue reminders are paused: the item awaits verification (submitted on March 30, "
            "2026). They resume if the submission is returned."
        ) in body
        assert "You are assigned to this item." in body
        # Nothing to do about the lateness while it waits: no "record an update" advice.
        assert "to stop the overdue reminders" not in body
    # It follows the overdue reminders' choice: unsubscribing from it turns those off.
    assert message["List-Unsubscribe"]
    assert "(Overdue)" in text_of(message)
    assert Notification.objects.get(kind=PAUSED).state == "sent"

    seen = len(smtp.accepted)
    scan_and_send("2026-04-03", world.alice)
    scan_and_send("2026-04-09", world.alice)
    assert len(smtp.accepted) == seen  # one notice per pause, not one a day or a week


def test_a_french_speaking_assignee_is_told_of_the_extension_pause_in_french(
    world: World,
    smtp: Server,  # noqa: F811
) -> None:
    bob = french(world.bob)
    item = extension_waiting(world, bob)
    scan_and_send("2026-04-02", bob)
    (message,) = received(smtp, 0)[bob.email]
    assert subject_of(message).startswith(
        f"Rappels suspendus, en retard depuis le 2 avril 2026\u00a0: {item.reference} "
    )
    for body in (text_of(message), html_of(message)):
        assert (
            "Les rappels de retard sont suspendus\u00a0: une demande de prolongation au "
            "1er mai 2026 attend une décision. Ils reprendront si la demande est "
            "refusée."
        ) in body
    assert 'lang="fr"' in html_of(message)


def test_a_notice_whose_pause_ended_before_it_went_out_is_dropped(
    world: World,
    smtp: Server,  # noqa: F811
) -> None:
    verified = awaiting_verification(world, world.alice)
    approved = extension_waiting(world, world.bob)
    with time_machine.travel(at("2026-04-02", 8), tick=False):
        planning.reminders_scan()
    assert Notification.objects.filter(kind=PAUSED).count() == 2
    # Before the worker sends them, the submission is accepted and the extension approved.
    accountability.verification_decide(
        item=fresh(verified),
        actor=world.coordinator,
        expected_version=fresh(verified).version,
        decision=accountability.ACCEPT,
        notify=False,
    )
    request = fresh(approved).extension_requests.get()
    accountability.extension_request_decide(
        request=request, actor=world.coordinator, decision="approve", reason="Fine.", notify=False
    )
    with time_machine.travel(at("2026-04-02", 9), tick=False):
        result = delivery.notifications_send(recipient_ids=[world.alice.pk, world.bob.pk])
    assert result.emails_sent == 0
    assert smtp.accepted == []
    assert set(Notification.objects.filter(kind=PAUSED).values_list("state", flat=True)) == {
        "cancelled"
    }


def test_a_notice_for_an_earlier_submission_is_dropped_when_another_one_now_waits(
    world: World,
    smtp: Server,  # noqa: F811
) -> None:
    item = awaiting_verification(world, world.alice)
    with time_machine.travel(at("2026-04-02", 8), tick=False):
        planning.reminders_scan()
    return_submission(item, world.coordinator)
    submit(item, world.alice, "2026-04-02")
    with time_machine.travel(at("2026-04-02", 9), tick=False):
        delivery.notifications_send(recipient_ids=[world.alice.pk])
    assert smtp.accepted == []
    assert Notification.objects.get(kind=PAUSED).state == "cancelled"


def test_the_weekly_digest_shows_paused_overdue_items_as_paused(
    world: World,
    smtp: Server,  # noqa: F811
) -> None:
    awaiting = awaiting_verification(world, world.alice)
    extended = extension_waiting(world, world.bob)
    plain = world.item(due="2026-04-01", assignee=world.alice)
    # Monday: the French-speaking manager's and the English-speaking coordinator's digests.
    scan_and_send("2026-04-20", world.manager, world.coordinator)
    got = received(smtp, 0)
    (english,) = [m for m in got[world.coordinator.email] if "Weekly digest" in subject_of(m)]
    (french_digest,) = [m for m in got[world.manager.email] if "Résumé" in subject_of(m)]
    for body in (text_of(english), html_of(english)):
        assert awaiting.reference in body
        assert extended.reference in body
        assert plain.reference in body
        assert (
            "Overdue reminders paused: awaiting verification (submitted on March 30, 2026)."
        ) in body
        assert (
            "Overdue reminders paused: an extension request to May 1, 2026 awaits a decision."
        ) in body
        assert body.count("Overdue reminders paused") == 2  # not the item that is simply late
    for body in (text_of(french_digest), html_of(french_digest)):
        assert (
            "Rappels de retard suspendus\u00a0: en attente de vérification (soumise le "
            "30 mars 2026)."
        ) in body
        assert (
            "Rappels de retard suspendus\u00a0: une demande de prolongation au "
            "1er mai 2026 attend une décision."
        ) in body


def test_the_notices_one_click_unsubscribe_turns_off_overdue_reminders_and_drops_the_queued_ones(
    world: World,
    smtp: Server,  # noqa: F811
    client: Client,
) -> None:
    awaiting_verification(world, world.alice)
    scan_and_send("2026-04-02", world.alice)
    (message,) = received(smtp, 0)[world.alice.email]
    link = "".join(str(message["List-Unsubscribe"]).split()).strip("<>")  # unfolded
    queued = extension_waiting(world, world.alice)
    with time_machine.travel(at("2026-04-03", 8), tick=False):
        planning.reminders_scan()
    assert Notification.objects.get(action_item=queued, kind=PAUSED).state == "pending"

    client.post(link.removeprefix("http://testserver"))

    assert NotificationPreference.objects.get(user=world.alice).overdue is False
    assert Notification.objects.get(action_item=queued, kind=PAUSED).state == "cancelled"
