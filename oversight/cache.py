"""The shared cache: Redis when REDIS_URL is set, so every web process and host sees the
dashboard's data versions move on as soon as a write commits (dashboards/freshness.py).

Redis holds nothing that cannot be computed again, so a Redis that is down must not
take pages down with it: each operation that cannot reach Redis behaves as a miss (a
read finds nothing, a write keeps nothing), the page computes what it needs, and the
failure is logged at most once a minute. `/healthz` reports the cache as degraded.

`clear()` removes only this cache's keys: Celery's queues live in the same Redis
database, and flushing it would drop queued work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")
LOG_EVERY_SECONDS = 60


class TolerantRedisCache(RedisCache):
    _last_logged = 0.0
    last_failure: float = 0.0
    # Set when a write (a data version moved on, say) did not reach Redis. What Redis
    # holds may then be older than it says, so once it answers again the `on_recovery`
    # callbacks run first (the dashboard moves every version on: dashboards/apps.py).
    missed_write = False
    on_recovery: list[Callable[[], object]] = []

    def _or(self, fallback: T, operation: Callable[[], T], *, read: bool = False) -> T:
        try:
            result = operation()
        except RedisError as error:
            now = time.monotonic()
            TolerantRedisCache.last_failure = now
            if not read:
                TolerantRedisCache.missed_write = True
            if now - TolerantRedisCache._last_logged >= LOG_EVERY_SECONDS:
                TolerantRedisCache._last_logged = now
                logger.warning("Cache unavailable, computing without it: %r", error)
            return fallback
        if TolerantRedisCache.missed_write:
            TolerantRedisCache.missed_write = False
            for callback in TolerantRedisCache.on_recovery:
                callback()
            if read:  # read again: the callbacks may have changed what was read
                return self._or(fallback, operation, read=True)
        return result

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._or(
            default, lambda: super(TolerantRedisCache, self).get(key, default, version), read=True
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        return self._or(
            {}, lambda: super(TolerantRedisCache, self).get_many(keys, version), read=True
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._or(
            False, lambda: super(TolerantRedisCache, self).has_key(key, version), read=True
        )

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._or(None, lambda: super(TolerantRedisCache, self).set(*args, **kwargs))

    def add(self, *args: Any, **kwargs: Any) -> bool:
        # As if it were added: callers that count from it (incr) then count from 1.
        return self._or(True, lambda: super(TolerantRedisCache, self).add(*args, **kwargs))

    def set_many(self, *args: Any, **kwargs: Any) -> list[str]:
        return self._or([], lambda: super(TolerantRedisCache, self).set_many(*args, **kwargs))

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._or(False, lambda: super(TolerantRedisCache, self).touch(*args, **kwargs))

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._or(False, lambda: super(TolerantRedisCache, self).delete(*args, **kwargs))

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._or(None, lambda: super(TolerantRedisCache, self).delete_many(*args, **kwargs))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._or(delta, lambda: super(TolerantRedisCache, self).incr(key, delta, version))

    def clear(self) -> bool:
        def clear_ours() -> bool:
            client = self._cache.get_client(None, write=True)
            pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
            batch = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) == 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
            return True

        return self._or(False, clear_ours)

    @classmethod
    def degraded(cls, *, within_seconds: float = LOG_EVERY_SECONDS) -> bool:
        """Whether an operation of this process failed to reach Redis lately."""
        return bool(cls.last_failure) and time.monotonic() - cls.last_failure < within_seconds
