"""The fault soak's bookkeeping, kept apart from the processes so that it can be tested on its own
(tests/test_soak_accounting.py): what each request came to, and what became of each reminder.

Reminders are counted per notification row, that is per (recipient, item, kind, period), never
per recipient: a row is delivered once when exactly one message that reached its recipient's
address carries it (the ``X-Tracker-Notifications`` header lists the rows a message carries, and
the message's text must link to the row's item), duplicated when two or more did, lost when none
did although it was not cancelled.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Requests ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """When a fault was on, from its start to its end (or, for a fault measured on the API, to the
    first success after it: answers until then are the outage's)."""

    name: str
    start: float
    end: float


@dataclass(frozen=True)
class Call:
    """One HTTP request of the soak's editors."""

    request_id: str
    endpoint: str  # "PATCH /api/v1/action-items/{id}/"
    started: float
    duration: float
    status: int | None  # None: no HTTP answer at all
    failure: str = ""  # why there was no answer: "no answer within 20 s", "connection refused"...

    @property
    def failed(self) -> bool:
        """A 5xx, or no answer at all: what users would see as the service failing."""
        return self.status is None or self.status >= 500


def windows_of(call: Call, windows: Iterable[Window]) -> list[str]:
    """The faults that were on at some moment of the request."""
    end = call.started + call.duration
    return [w.name for w in windows if call.started <= w.end and end >= w.start]


def outcome_of(call: Call) -> str:
    return str(call.status) if call.status is not None else call.failure


@dataclass
class FailureGroup:
    outcome: str
    endpoint: str
    window: str
    count: int = 0
    slowest: float = 0.0
    request_ids: list[str] = field(default_factory=list)


def failures_by_cause(calls: Iterable[Call], windows: Sequence[Window]) -> list[FailureGroup]:
    """5xx answers and requests without an answer, grouped by what happened (the status code or
    why there was no answer), the endpoint and the fault window they fell in."""
    groups: dict[tuple[str, str, str], FailureGroup] = {}
    for call in calls:
        if not call.failed:
            continue
        window = " + ".join(windows_of(call, windows)) or "no fault"
        key = (outcome_of(call), call.endpoint, window)
        group = groups.setdefault(key, FailureGroup(*key))
        group.count += 1
        group.slowest = max(group.slowest, call.duration)
        group.request_ids.append(call.request_id)
    return sorted(groups.values(), key=lambda g: (g.window, g.outcome, g.endpoint))


def failures_outside(calls: Iterable[Call], windows: Sequence[Window], outage: str) -> int:
    """Failed requests that did not overlap the named outage (the database restart)."""
    return sum(1 for call in calls if call.failed and outage not in windows_of(call, windows))


# Reminders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A notification row as the database holds it after the drain."""

    id: int
    recipient: str  # the recipient's email address
    item_id: int | None
    kind: str
    period: str
    state: str


@dataclass(frozen=True)
class Received:
    """A message the SMTP server accepted."""

    when: float
    recipients: tuple[str, ...]
    message_id: str
    notification_ids: tuple[int, ...]
    text: str


_ITEM_LINK = re.compile(r"/items/(\d+)/")


def notification_ids_of(header: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in (header or "").split() if part.isascii() and part.isdigit())


@dataclass
class ReminderTally:
    planned: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0  # item closed or kind turned off before sending: rightly not sent
    delivered_once: int = 0
    duplicated: int = 0  # rows delivered two or more times
    duplicate_messages: int = 0  # messages carrying a row an earlier message had delivered
    duplicates_same_message_id: int = 0  # of those, how many repeat the earlier Message-ID
    lost: int = 0  # not cancelled, and no message carrying it reached its recipient
    lost_by_state: dict[str, int] = field(default_factory=dict)
    unrecorded: int = 0  # delivered, yet not marked sent in the database
    mismatched: int = 0  # a message naming a row not addressed to that row's recipient or item
    messages: int = 0
    foreign: int = 0  # messages naming no notification row at all


def reminder_accounting(rows: Iterable[Row], received: Iterable[Received]) -> ReminderTally:
    """What became of each notification row, from the messages the server accepted."""
    by_id = {row.id: row for row in rows}
    tally = ReminderTally(planned=len(by_id))
    tally.by_kind = dict(sorted(collections.Counter(row.kind for row in by_id.values()).items()))
    deliveries: dict[int, list[Received]] = collections.defaultdict(list)
    for message in sorted(received, key=lambda m: m.when):
        tally.messages += 1
        if not message.notification_ids:
            tally.foreign += 1
            continue
        linked = {int(found) for found in _ITEM_LINK.findall(message.text)}
        repeats: list[Received] = []
        for notification_id in message.notification_ids:
            row = by_id.get(notification_id)
            if (
                row is None
                or row.recipient not in message.recipients
                or (row.item_id is not None and row.item_id not in linked)
            ):
                tally.mismatched += 1
                continue
            if deliveries[notification_id]:
                repeats.append(deliveries[notification_id][0])
            deliveries[notification_id].append(message)
        if repeats:
            tally.duplicate_messages += 1
            if all(earlier.message_id == message.message_id for earlier in repeats):
                tally.duplicates_same_message_id += 1
    lost_states: collections.Counter[str] = collections.Counter()
    for row in by_id.values():
        count = len(deliveries.get(row.id, ()))
        if row.state == "cancelled" and not count:
            tally.cancelled += 1
        elif count == 0:
            tally.lost += 1
            lost_states[row.state] += 1
        elif count == 1:
            tally.delivered_once += 1
        else:
            tally.duplicated += 1
        if count and row.state != "sent":
            tally.unrecorded += 1
    tally.lost_by_state = dict(sorted(lost_states.items()))
    return tally
