"""Emails whose content another app provides (the quarterly report), sent through the same
once-only machinery: a notification row per recipient, kind and period, claimed, sent, recorded.

An app registers a builder for its kind (in its ``AppConfig.ready``); this app never imports it.
The builder returns what the email says, or None when there is nothing to send any more (the
row is then cancelled). ``external_notify`` creates the rows and queues their sending.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from agencies.models import User

from .models import Notification, NotificationPreference


@dataclass(frozen=True)
class ExternalEmail:
    subject: str
    # A template pair under notifications/email/ (``<template>.txt`` and ``.html``).
    template: str
    context: dict[str, Any]
    # (filename, content, MIME type)
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


ExternalEmailBuilder = Callable[[User, Notification], ExternalEmail | None]
_builders: dict[str, ExternalEmailBuilder] = {}


def external_email_register(kind: str, builder: ExternalEmailBuilder) -> None:
    _builders[kind] = builder


def external_email_builder(kind: str) -> ExternalEmailBuilder | None:
    return _builders.get(kind)


def external_notify(
    *,
    kind: str,
    period: str,
    period_start: datetime.date,
    recipient_ids: Iterable[int],
    now: datetime.datetime | None = None,
) -> int:
    """One notification of ``kind`` for ``period`` per recipient who wants it (active, with an
    email address, kind not turned off), skipping those that exist; their sending is queued
    after commit. Returns how many rows were new. Safe to run twice, or on two workers at once."""
    from .delivery import notifications_dispatch_due

    now = now or timezone.now()
    wanted = set(recipient_ids)
    turned_off = set(
        NotificationPreference.objects.filter(user_id__in=wanted, **{kind: False}).values_list(
            "user_id", flat=True
        )
    )
    deliverable = (
        User.objects.filter(pk__in=wanted - turned_off, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    rows = [
        Notification(
            recipient_id=user_id,
            action_item=None,
            kind=kind,
            period=period,
            period_start=period_start,
            created_at=now,
            next_attempt_at=now,
        )
        for user_id in sorted(deliverable)
    ]
    if not rows:
        return 0
    with transaction.atomic():
        before = Notification.objects.filter(kind=kind, period=period).count()
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = Notification.objects.filter(kind=kind, period=period).count() - before
        notifications_dispatch_due(now=now)  # queues the sending once this commits
    return created
