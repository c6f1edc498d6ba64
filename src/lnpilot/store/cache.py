"""One cache interface: Redis when ``REDIS_URL`` is set, an in-process TTL cache otherwise.

Values are bytes with a TTL. ``ScoreCache`` builds the score and ranking cache on top of it;
recomputing scores calls ``ScoreCache.invalidate()``, which bumps a version number that is part of
every key, so every process sharing the Redis sees fresh scores at once (old keys expire).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from lnpilot.settings import Settings


class Cache(Protocol):
    @property
    def kind(self) -> str: ...

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: float) -> None: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """``get`` of each key, in order, in one round trip."""
        ...

    async def set_many(self, values: Mapping[str, bytes], ttl_s: float) -> None:
        """``set`` of each key, in one round trip."""
        ...

    async def delete(self, *keys: str) -> int: ...

    async def incr(self, key: str) -> int:
        """Atomically add one to an integer counter (created at 1); counters never expire."""
        ...

    async def counter(self, key: str) -> int:
        """The current value of a counter (0 when never incremented)."""
        ...

    async def aclose(self) -> None: ...


class MemoryCache:
    """A per-process dict with expiry; the oldest entries go first when ``max_entries`` is reached."""

    kind = "memory"

    def __init__(self, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: dict[str, tuple[float, bytes]] = {}
        self._counters: dict[str, int] = {}
        self._max = max_entries
        self._clock = clock

    async def get(self, key: str) -> bytes | None:
        return self._get(key)

    def _get(self, key: str) -> bytes | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= self._clock():
            del self._data[key]
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        self._set(key, value, ttl_s)

    def _set(self, key: str, value: bytes, ttl_s: float) -> None:
        if key not in self._data and len(self._data) >= self._max:
            self._evict()
        self._data[key] = (self._clock() + ttl_s, value)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self._get(key) for key in keys]

    async def set_many(self, values: Mapping[str, bytes], ttl_s: float) -> None:
        for key, value in values.items():
            self._set(key, value, ttl_s)

    def _evict(self) -> None:
        now = self._clock()
        for key in [k for k, (expires_at, _) in self._data.items() if expires_at <= now]:
            del self._data[key]
        while len(self._data) >= self._max:
            del self._data[next(iter(self._data))]  # dicts keep insertion order: oldest first

    async def delete(self, *keys: str) -> int:
        removed = 0
        for key in keys:
            removed += self._data.pop(key, None) is not None
            removed += self._counters.pop(key, None) is not None
        return removed

    async def incr(self, key: str) -> int:
        self._counters[key] = self._counters.get(key, 0) + 1
        return self._counters[key]

    async def counter(self, key: str) -> int:
        return self._counters.get(key, 0)

    def __len__(self) -> int:
        return len(self._data)

    async def aclose(self) -> None:
        self._data.clear()


class RedisCache:
    """Redis through ``redis.asyncio``; every key lives under ``prefix``."""

    kind = "redis"

    def __init__(self, url: str, prefix: str = "lnpilot:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._prefix + key)
        return None if value is None else bytes(value)

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        await self._redis.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)))

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._redis.mget([self._prefix + k for k in keys])
        return [None if v is None else bytes(v) for v in values]

    async def set_many(self, values: Mapping[str, bytes], ttl_s: float) -> None:
        if not values:
            return
        pipe = self._redis.pipeline(transaction=False)
        for key, value in values.items():
            pipe.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)))
        await pipe.execute()

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        return int(await self._redis.delete(*(self._prefix + k for k in keys)))

    async def incr(self, key: str) -> int:
        return int(await self._redis.incr(self._prefix + key))

    async def counter(self, key: str) -> int:
        value = await self._redis.get(self._prefix + key)
        return 0 if value is None else int(value)

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_cache(settings: Settings) -> MemoryCache | RedisCache:
    if settings.redis_url is not None:
        # A fleet node's keys apart from every other node's (their scores differ).
        prefix = f"lnpilot:node:{settings.node}:" if settings.node else "lnpilot:"
        return RedisCache(settings.redis_url.get_secret_value(), prefix)
    return MemoryCache()
