"""The weekly digest: a manager reads their agency, a coordinator all agencies, at a fixed cost."""

import time_machine
from django.core import mail

from notifications import delivery, planning, selectors
from tests.notifications.conftest import World, at


def test_a_managers_digest_covers_their_agency_in_their_language(world: World) -> None:
    late = world.item(due="2026-04-01", assignee=world.alice)
    world.item(due="2026-04-22")
    other = world.item(due="2026-04-02")
    other.owner_agency = world.other_agency
    other.save()
    with time_machine.travel(at("2026-04-20", 8), tick=False):
        planning.reminders_scan()
        delivery.notifications_send(recipient_ids=[world.manager.pk, world.coordinator.pk])
    manager = next(
        m for m in mail.outbox if m.to == ["manager@example.gc.ca"] and "Résumé" in m.subject
    )
    assert manager.subject == "Résumé hebdomadaire de la semaine du 20 avril 2026"
    assert "Voici où en sont les mesures de RCMP." in manager.body
    assert "Ouvertes : 2 · En retard : 1" in manager.body
    assert late.reference in manager.body
    assert other.reference not in manager.body
    coordinator = next(
        m
        for m in mail.outbox
        if m.to == ["coordinator@example.gc.ca"] and m.subject.startswith("Weekly digest")
    )
    assert "all agencies" in coordinator.body
    assert other.reference in coordinator.body


def test_the_digest_costs_the_same_queries_whatever_the_number_of_items(
    world: World, django_assert_num_queries: object
) -> None:
    from agencies.models import User

    for size in (2, 20):
        while world.agency.action_items.count() < size:
            world.item(due="2026-04-01")
        manager = User.objects.get(pk=world.manager.pk)  # roles not yet memoised
        # roles, the counts, the agencies' names, the two short lists
        with django_assert_num_queries(5):
            digest = selectors.digest_for(
                user=manager, today=at("2026-04-20").date(), now=at("2026-04-20")
            )
        assert digest.overdue_count == size
