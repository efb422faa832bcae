"""Counts in reminder subjects agree with their number, in both languages."""

import pytest
from django.utils import translation

from notifications.emails import _KIND_COUNT_PHRASES
from notifications.models import NotificationKind


@pytest.mark.parametrize(
    ("language", "kind", "count", "expected"),
    [
        ("en", NotificationKind.ESCALATION, 1, "1 escalation"),
        ("en", NotificationKind.ESCALATION, 2, "2 escalations"),
        ("en", NotificationKind.OVERDUE, 3, "3 overdue"),
        ("fr", NotificationKind.ESCALATION, 1, "1 escalade"),
        ("fr", NotificationKind.ESCALATION, 2, "2 escalades"),
        ("fr", NotificationKind.STALE, 2, "2 sans suivi récent"),
        ("fr", NotificationKind.DUE_SOON, 1, "1 à échéance proche"),
    ],
)
def test_each_kind_is_counted_with_its_own_plural(language, kind, count, expected):
    with translation.override(language):
        assert _KIND_COUNT_PHRASES[kind] % {"count": count} == expected
