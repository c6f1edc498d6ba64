"""Fixed-window rate limiting per API key and per client address, in-process or in Redis.

A fixed window is enough here: it bounds what one client costs us per minute, it is one
atomic INCR in Redis (shared by every API worker), and ``Retry-After`` is exact.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW_S = 60


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int  # 0 when allowed


class RateLimiter(Protocol):
    async def hit(self, identity: str) -> RateDecision: ...

    async def count(self, identity: str) -> int:
        """Hits of ``identity`` in the current window, without adding one."""
        ...

    async def aclose(self) -> None: ...


class MemoryRateLimiter:
    """One process's counters; old windows are dropped as they expire."""

    def __init__(self, limit_per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self._limit = limit_per_minute
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, identity: str) -> RateDecision:
        now = self._clock()
        window = int(now // WINDOW_S)
        start, count = self._windows.get(identity, (window, 0))
        if start != window:
            start, count = window, 0
            if len(self._windows) > 100_000:  # bound memory under address churn
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        count += 1
        self._windows[identity] = (start, count)
        return _decide(count, self._limit, now)

    async def count(self, identity: str) -> int:
        start, count = self._windows.get(identity, (-1, 0))
        return count if start == int(self._clock() // WINDOW_S) else 0

    async def aclose(self) -> None:
        self._windows.clear()


class RedisRateLimiter:
    """Counters shared by every process through Redis (INCR + EXPIRE in one pipeline)."""

    def __init__(self, url: str, limit_per_minute: int, clock: Callable[[], float] = time.time) -> None:
        import redis.asyncio as redis

        self._redis = redis.Redis.from_url(url)
        self._limit = limit_per_minute
        self._clock = clock

    async def hit(self, identity: str) -> RateDecision:
        now = self._clock()
        window = int(now // WINDOW_S)
        key = f"lnpilot:rl:{window}:{identity}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, WINDOW_S + 5)
        count, _ = await pipe.execute()
        return _decide(int(count), self._limit, now)

    async def count(self, identity: str) -> int:
        value = await self._redis.get(f"lnpilot:rl:{int(self._clock() // WINDOW_S)}:{identity}")
        return int(value) if value is not None else 0

    async def aclose(self) -> None:
        await self._redis.aclose()


def _decide(count: int, limit: int, now: float) -> RateDecision:
    if count <= limit:
        return RateDecision(True, limit, limit - count, 0)
    retry_after = max(1, math.ceil(WINDOW_S - (now % WINDOW_S)))
    return RateDecision(False, limit, 0, retry_after)


def make_rate_limiter(redis_url: str | None, limit_per_minute: int) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url, limit_per_minute)
    return MemoryRateLimiter(limit_per_minute)
