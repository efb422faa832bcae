"""Exact caching of figures computed from the data: entries are keyed on the data version.

``DataVersion`` moves in the same transaction as every write (``services.data_version_bump``),
so after a write no request can reach an entry computed before it; there is nothing to delete.
What time changes is in the key too: the local date (overdue, due soon, months) and, for figures
that count stale items, the next moment an open item turns stale.
"""

import datetime
import functools
import hashlib
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from apis.versions import version_read
from tracker.memory import BoundedStore

from .models import (
    WORKING_STATUSES,
    ActionItem,
    DataVersion,
    open_condition,
    stale_cutoff,
)

T = TypeVar("T")

# Bump when the shape of a cached value changes: older entries are then never read again.
CACHE_FORMAT = 1
# Entries become unreachable at the next write or the next day; this only frees memory.
CACHE_SECONDS = 24 * 60 * 60


def data_version() -> int:
    """The current data version (see ``DataVersion``): one primary-key read."""
    return version_read(DataVersion)


def next_stale_crossing(*, now: datetime.datetime) -> datetime.datetime | None:
    """The next moment after ``now`` when an open item turns stale, if nothing is written
    before then (one read of the partial index ``item_open_progress_idx``)."""
    oldest_fresh = (
        ActionItem.objects.filter(open_condition(), last_progress_at__gte=stale_cutoff(now))
        .order_by("last_progress_at")
        .values_list("last_progress_at", flat=True)
        .first()
    )
    if oldest_fresh is None:
        return None
    return oldest_fresh + (now - stale_cutoff(now))


def versioned_key(
    name: str,
    parts: tuple[Hashable, ...],
    *,
    now: datetime.datetime,
    stale: bool,
    version: int | None = None,
) -> str:
    """The cache key of ``name`` for ``parts`` at ``now``: read before the data, so that an entry
    is never older than the version its key names. ``version``: the data version, if the
    caller read it already (before any of the data, and with no write of its own since)."""
    key_parts = (
        CACHE_FORMAT,
        name,
        data_version() if version is None else version,
        parts,
        get_language(),
        timezone.localdate(now),
        next_stale_crossing(now=now) if stale else None,
        settings.REMINDER_STALE_DAYS,
        settings.TIME_ZONE,
    )
    return f"{name}:{hashlib.sha256(repr(key_parts).encode()).hexdigest()}"


def versioned(
    name: str,
    parts: tuple[Hashable, ...],
    compute: Callable[[datetime.datetime], T],
    *,
    stale: bool = False,
) -> T:
    """``compute(now)`` or the value it gave for the same key (``stale``: the value counts
    stale items, so the next stale crossing is part of the key)."""
    now = timezone.now()
    key = versioned_key(name, parts, now=now, stale=stale)
    value: T | None = cache.get(key)
    if value is None:
        value = compute(now)
        cache.set(key, value, CACHE_SECONDS)
    return value


# A figure caught up since it was computed (``versioned_caught_up``) is computed again after
# this long instead, which bounds the catch-up's read (the items that turned stale since).
CATCH_UP_SECONDS = 15 * 60


def versioned_caught_up(
    name: str,
    parts: tuple[Hashable, ...],
    compute: Callable[[datetime.datetime], T],
    catch_up: Callable[[T, datetime.datetime, datetime.datetime], T],
) -> T:
    """``compute(now)`` for a figure that counts stale items, cached WITHOUT the next stale
    crossing in its key: at the brief's scale an open item turns stale about every second, so
    such a key never hit. Instead the cached value, computed at ``then`` (no write since: the
    data version is in the key, and the date), is brought to ``now`` by ``catch_up(value, then,
    now)``, which adds the items that turned stale in between (one small read of the partial
    index on open items' last progress). Exact, like ``versioned``."""
    now = timezone.now()
    key = versioned_key(name, parts, now=now, stale=False)
    entry: tuple[datetime.datetime, T] | None = cache.get(key)
    if entry is not None and entry[0] <= now:
        then, value = entry
        return value if then == now else catch_up(value, then, now)
    value = compute(now)
    cache.set(key, (now, value), CATCH_UP_SECONDS)
    return value


# Values kept in this process's memory -----------------------------------------------------------


@dataclass(frozen=True)
class Timed(Generic[T]):
    """A computed value, the first moment at which time alone may change it (None: not before
    the next write or the next day, which change the key), and its size in bytes."""

    value: T
    until: datetime.datetime | None
    size: int


_IN_PROCESS: BoundedStore[Timed[Any]] = BoundedStore(max_size=32 * 1024 * 1024)  # bytes


def versioned_in_process(
    name: str,
    parts: tuple[Hashable, ...],
    compute: Callable[[datetime.datetime], Timed[T]],
    *,
    version: int | None = None,
) -> T:
    """``compute(now).value``, or the value it gave for the same key while ``now`` is before its
    ``until``. The key is ``versioned_key``'s (the data version read first, the date, the
    language), so a write or a new day makes an entry unreachable; ``until`` covers what time
    changes within a day (the next moment a value's item turns stale, ``stale_crossing_of``).

    Kept in this process's memory, not the shared cache: a hit costs no round trip and no
    unpickling, and an entry cannot outlive the code that computed it (a deploy starts new
    processes, so no cached representation survives a change of its format). Each worker fills
    its own copy; ``in_process_clear`` empties this process's (tests; after restoring a backup,
    restart the workers, as the data version starts again from the backup's). ``version`` as
    for ``versioned_key``."""
    now = timezone.now()
    key = versioned_key(name, parts, now=now, stale=False, version=version)
    entry: Timed[T] | None = _IN_PROCESS.get(key)
    if entry is not None and (entry.until is None or now < entry.until):
        return entry.value
    entry = compute(now)
    _IN_PROCESS.put(key, entry, entry.size)
    return entry.value


def in_process_clear() -> None:
    _IN_PROCESS.clear()


def stale_crossing_of(
    items: Iterable[ActionItem], *, now: datetime.datetime
) -> datetime.datetime | None:
    """The first moment after ``now`` when one of ``items`` (read with their flags at ``now``)
    turns stale if nothing is written before then; None if none of them can. The items that can
    are those ``models.stale_condition`` reads: being worked on, not stale yet."""
    crossings = [
        item.last_progress_at + (now - stale_cutoff(now))
        for item in items
        if item.status in WORKING_STATUSES and not item.is_stale
    ]
    return min(crossings, default=None)


# Renderings ------------------------------------------------------------------------------------
# A cached rendering (HTML) depends on the code as well as on the data: a release that changes a
# template, a translation or the code that writes HTML must not serve the older rendering until
# the next write. Its key holds this fingerprint of the project's sources, read once per process.
_SOURCES = ("*.py", "*.html", "*.txt", "*.mo")


@functools.cache
def release_fingerprint() -> str:
    """A hash of the project's own code, templates and compiled translations (every process of
    one release computes the same; a few ms, once per process)."""
    root = Path(settings.BASE_DIR)
    roots = [root / "templates", *map(Path, settings.LOCALE_PATHS)]
    # The project's apps sit at its top level (the installed packages live in .venv below it).
    roots += [Path(app.path) for app in apps.get_app_configs() if Path(app.path).parent == root]
    return files_fingerprint(roots)


def files_fingerprint(roots: list[Path]) -> str:
    """A hash of the names and contents of the source files below ``roots``."""
    digest = hashlib.sha256()
    for path in sorted({file for root in roots for kind in _SOURCES for file in root.rglob(kind)}):
        # Named from the project's folder, so that a release installed elsewhere hashes the same.
        name = os.path.relpath(path, settings.BASE_DIR)
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
