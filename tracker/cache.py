"""A Redis cache that degrades instead of failing while Redis is unreachable.

Everything that reads the cache (DRF's throttles, the sign-in throttle, cached lookups) keeps
working on a per-process local cache, so the API and the pages keep answering. The outage is
logged once when it starts and once when it ends; during it Redis is tried again every few
seconds, not on every call, so a request never waits on many timeouts.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("tracker.cache")

T = TypeVar("T")

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_RETRY_SECONDS = 5.0


class _Outage:
    """Whether a Redis server is down, shared by the cache objects of every thread of the
    process (Django makes one per thread), so that an outage is logged once per process."""

    def __init__(self) -> None:
        self.down = False
        self.until = 0.0
        self.lock = threading.Lock()


_OUTAGES: dict[str, _Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def _outage_of(server: str) -> _Outage:
    with _OUTAGES_LOCK:
        return _OUTAGES.setdefault(server, _Outage())


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # LocMemCache's storage is per process under one name: every thread shares the fallback.
        self._fallback = LocMemCache("tracker-cache-fallback", {"MAX_ENTRIES": 10_000})
        self._outage = _outage_of(str(server))

    def _call(self, name: str, fallback: Callable[[], T], call: Callable[[], T]) -> T:
        outage = self._outage
        if outage.down and time.monotonic() < outage.until:
            return fallback()
        try:
            result = call()
        except _UNREACHABLE as error:
            with outage.lock:
                if not outage.down:
                    logger.error(
                        "Cache unreachable (%s: %s): using a local cache until it is back.",
                        type(error).__name__,
                        error,
                    )
                outage.down = True
                outage.until = time.monotonic() + _RETRY_SECONDS
            return fallback()
        if outage.down:
            with outage.lock:
                if outage.down:
                    logger.warning("Cache reachable again (%s).", name)
                    outage.down = False
        return result

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        timeout = self.default_timeout if timeout is None else timeout
        return self._call(
            "add",
            lambda: self._fallback.add(key, value, timeout, version),
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(
            "get",
            lambda: self._fallback.get(key, default, version),
            lambda: super(ResilientRedisCache, self).get(key, default, version),
        )

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        timeout = self.default_timeout if timeout is None else timeout
        self._call(
            "set",
            lambda: self._fallback.set(key, value, timeout, version),
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        timeout = self.default_timeout if timeout is None else timeout
        return self._call(
            "touch",
            lambda: self._fallback.touch(key, timeout, version),
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            "delete",
            lambda: self._fallback.delete(key, version),
            lambda: super(ResilientRedisCache, self).delete(key, version),
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._call(
            "get_many",
            lambda: self._fallback.get_many(keys, version),
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            "has_key",
            lambda: self._fallback.has_key(key, version),
            lambda: super(ResilientRedisCache, self).has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call(
            "incr",
            lambda: self._fallback.incr(key, delta, version),
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = None, version: int | None = None
    ) -> list[Any]:
        timeout = self.default_timeout if timeout is None else timeout
        return self._call(
            "set_many",
            lambda: self._fallback.set_many(data, timeout, version),
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        keys = list(keys)
        self._call(
            "delete_many",
            lambda: self._fallback.delete_many(keys, version),
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
        )

    def clear(self) -> None:
        self._fallback.clear()
        self._call("clear", lambda: None, lambda: super(ResilientRedisCache, self).clear())
