"""A bounded store in this process's memory, least recently used first out.

For what is read on almost every request and checked against a version read from the database
each time (``recommendations.caching.versioned_in_process``, ``agencies.services``' known
tokens): a hit costs no round trip and no unpickling. Each process fills its own.
"""

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedStore(Generic[V]):
    """At most ``max_size`` of whatever unit the callers count (bytes, entries), least recently
    used first out."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self.total = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            self.entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, value: V, size: int = 1) -> None:
        if size > self.max_size // 8:
            return  # one huge value must not push everything else out
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.total -= previous[1]
            self.entries[key] = (value, size)
            self.total += size
            while self.total > self.max_size:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.total -= dropped

    def discard(self, key: str) -> None:
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.total -= previous[1]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.total = 0
