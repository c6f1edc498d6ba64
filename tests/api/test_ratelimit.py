from __future__ import annotations

from lnpilot.api.ratelimit import MemoryRateLimiter, RedisRateLimiter, make_rate_limiter


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_memory_limiter_window_and_retry_after() -> None:
    clock = _Clock(60 * 16667 + 20.0)
    limiter = MemoryRateLimiter(3, clock=clock)
    decisions = [await limiter.hit("k") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[3].retry_after_s == 40
    assert (await limiter.hit("other")).allowed  # identities are independent
    clock.now += 40
    assert (await limiter.hit("k")).allowed  # new window
    await limiter.aclose()


async def test_redis_limiter_shares_counts(redis_url: str) -> None:
    clock = _Clock(60 * 20000 + 59.5)
    first = RedisRateLimiter(redis_url, 2, clock=clock)
    second = RedisRateLimiter(redis_url, 2, clock=clock)
    identity = f"test-{id(first)}"
    assert (await first.hit(identity)).allowed
    assert (await second.hit(identity)).allowed
    denied = await first.hit(identity)
    assert not denied.allowed and denied.retry_after_s == 1
    await first.aclose()
    await second.aclose()


def test_factory_picks_backend(redis_url: str) -> None:
    assert isinstance(make_rate_limiter(None, 5), MemoryRateLimiter)
    assert isinstance(make_rate_limiter(redis_url, 5), RedisRateLimiter)
