"""``ActionItem.born_at``: where an item's history starts, stored with the update that moves it."""

import datetime

from django.utils import timezone

from recommendations.models import ActionItem, Status
from recommendations.services import action_item_change
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory


def test_an_ordinary_update_leaves_born_at_empty(roles: RoleMatrix) -> None:
    action_item_change(
        item=roles.item, actor=roles.coordinator, expected_version=None, status=Status.IN_PROGRESS
    )
    assert ActionItem.objects.get(pk=roles.item.pk).born_at is None


def test_a_back_dated_update_moves_born_at_to_it_in_its_write(roles: RoleMatrix) -> None:
    created = ActionItem.objects.get(pk=roles.item.pk).created_at
    earlier = created - datetime.timedelta(days=40)
    earliest = created - datetime.timedelta(days=90)

    action_item_change(
        item=roles.item,
        actor=roles.coordinator,
        expected_version=None,
        note="Kick-off.",
        at=earlier,
        notify=False,
    )
    assert ActionItem.objects.get(pk=roles.item.pk).born_at == earlier

    item = ActionItem.objects.get(pk=roles.item.pk)
    action_item_change(
        item=item, actor=roles.coordinator, expected_version=None, note="Older.", at=earliest
    )
    item = ActionItem.objects.get(pk=roles.item.pk)
    action_item_change(item=item, actor=roles.coordinator, expected_version=None, note="Today.")
    # Later updates never move it forward.
    assert ActionItem.objects.get(pk=roles.item.pk).born_at == earliest


def test_a_stale_copy_of_the_item_never_moves_born_at_forward(roles: RoleMatrix) -> None:
    item = ActionItemFactory.create()
    first = timezone.now() - datetime.timedelta(days=300)
    action_item_change(
        item=item, actor=roles.coordinator, expected_version=None, note="a", at=first
    )
    stale_copy = ActionItem.objects.get(pk=item.pk)
    stale_copy.born_at = None  # as read before the first back-dated update
    later = timezone.now() - datetime.timedelta(days=100)
    action_item_change(
        item=stale_copy, actor=roles.coordinator, expected_version=None, note="b", at=later
    )
    assert ActionItem.objects.get(pk=item.pk).born_at == first
