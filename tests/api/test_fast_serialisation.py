"""The action item's hand-built representation is DRF's generic one, field for field."""

import datetime

import pytest
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from recommendations.api.serializers import ActionItemSerializer
from recommendations.models import Status
from recommendations.selectors import action_item_queryset
from tests.factories import ActionItemFactory, UserFactory


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_fast_representation_equals_the_generic_one(db: None, language: str) -> None:
    assignee = UserFactory.create()
    ActionItemFactory.create(assignee=assignee, status=Status.COMPLETED, percent_complete=100)
    ActionItemFactory.create(assignee=None, status=Status.IN_PROGRESS, title_fr="")
    ActionItemFactory.create(
        status=Status.BLOCKED, due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    request = APIRequestFactory().get("/api/v1/action-items/")
    with translation.override(language):
        for item in action_item_queryset():
            if item.status == Status.COMPLETED:
                item.completed_at = timezone.now()
            serializer = ActionItemSerializer(item, context={"request": request})
            generic = serializers.ModelSerializer.to_representation(serializer, item)
            fast = serializer.to_representation(item)
            assert list(fast) == list(generic)
            assert fast == dict(generic)
