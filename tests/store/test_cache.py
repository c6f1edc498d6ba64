"""The cache interface and the score cache, run against the in-process cache and real Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from lnpilot.settings import Settings
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache, RedisCache, make_cache
from lnpilot.store.score_cache import ScoreCache
from tests.store.factories import pubkey, score


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[MemoryCache | RedisCache]:
    if request.param == "memory":
        yield MemoryCache()
        return
    url = request.getfixturevalue("redis_url")
    prefix = f"lnpilot-test-{secrets.token_hex(4)}:"
    redis_cache = RedisCache(url, prefix=prefix)
    try:
        yield redis_cache
    finally:
        keys = [k async for k in redis_cache._redis.scan_iter(match=prefix + "*")]
        if keys:
            await redis_cache._redis.delete(*keys)
        await redis_cache.aclose()


async def test_get_set_delete_incr(cache: MemoryCache | RedisCache) -> None:
    assert await cache.get("a") is None
    await cache.set("a", b"\x00bytes", ttl_s=60)
    assert await cache.get("a") == b"\x00bytes"
    assert await cache.delete("a", "never") == 1
    assert await cache.get("a") is None
    assert await cache.delete() == 0
    assert await cache.counter("n") == 0
    assert [await cache.incr("n") for _ in range(3)] == [1, 2, 3]
    assert await cache.counter("n") == 3


async def test_entries_expire(cache: MemoryCache | RedisCache) -> None:
    await cache.set("short", b"x", ttl_s=0.05)
    await cache.set("long", b"y", ttl_s=60)
    await asyncio.sleep(0.2)
    assert await cache.get("short") is None
    assert await cache.get("long") == b"y"


async def test_score_cache_reads_through_and_invalidates(cache: MemoryCache | RedisCache, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    scores = ScoreCache(cache)
    try:
        assert await scores.latest(store, pubkey(1)) is None  # absence is cached too
        await scores.save(store, [score(pubkey(1), 40.0, 100, centrality=10.0)])
        first = await scores.latest(store, pubkey(1))
        assert first is not None and first.composite == 40.0
        assert (await scores.ranking(store))[0].subject == pubkey(1)
        # Written behind the cache's back: still the cached value until invalidated.
        async with store.unit_of_work() as uow:
            await uow.scores.add(score(pubkey(1), 90.0, 200))
            await uow.scores.add(score(pubkey(2), 95.0, 200))
        cached = await scores.latest(store, pubkey(1))
        assert cached is not None and cached.composite == 40.0
        assert [s.subject for s in await scores.ranking(store)] == [pubkey(1)]
        version = await scores.version()
        assert await scores.invalidate() == version + 1 == await scores.version()
        fresh = await scores.latest(store, pubkey(1))
        assert fresh is not None and fresh.composite == 90.0
        assert fresh.heuristics == score(pubkey(1), 90.0, 200).heuristics
        assert [s.subject for s in await scores.ranking(store)] == [pubkey(2), pubkey(1)]
        assert [s.subject for s in await scores.ranking(store, by="centrality")] == []
    finally:
        await store.close()


async def test_memory_cache_evicts_expired_then_oldest() -> None:
    now = [0.0]
    cache = MemoryCache(max_entries=3, clock=lambda: now[0])
    await cache.set("a", b"1", ttl_s=1)
    await cache.set("b", b"2", ttl_s=100)
    await cache.set("c", b"3", ttl_s=100)
    now[0] = 5.0
    await cache.set("d", b"4", ttl_s=100)  # "a" has expired: it goes, nothing else
    assert [await cache.get(k) for k in "bcd"] == [b"2", b"3", b"4"]
    await cache.set("e", b"5", ttl_s=100)  # full of live entries: the oldest ("b") goes
    assert await cache.get("b") is None and len(cache) == 3
    await cache.set("e", b"6", ttl_s=100)  # overwriting never evicts
    assert len(cache) == 3
    await cache.aclose()
    assert len(cache) == 0


def test_make_cache_follows_redis_url() -> None:
    assert isinstance(make_cache(Settings()), MemoryCache)
    redis_cache = make_cache(Settings(redis_url=SecretStr("redis://127.0.0.1:1/0")))
    assert isinstance(redis_cache, RedisCache) and redis_cache.kind == "redis"


async def test_get_many_and_set_many(cache: MemoryCache | RedisCache) -> None:
    assert await cache.get_many([]) == [] and await cache.set_many({}, ttl_s=60) is None
    await cache.set("b", b"two", ttl_s=60)
    await cache.set_many({"a": b"one", "c": b"\x00three"}, ttl_s=60)
    assert await cache.get_many(["a", "missing", "b", "c", "a"]) == [
        b"one",
        None,
        b"two",
        b"\x00three",
        b"one",
    ]
    await cache.set_many({"short": b"x"}, ttl_s=0.05)  # the TTL holds for each key
    await asyncio.sleep(0.2)
    assert await cache.get_many(["short", "a"]) == [None, b"one"]


async def test_redis_many_is_one_round_trip_each(redis_url: str) -> None:
    prefix = f"lnpilot-test-{secrets.token_hex(4)}:"
    cache = RedisCache(redis_url, prefix=prefix)
    sent: list[str] = []
    real = cache._redis.execute_command

    async def counted(*args: object, **kwargs: object) -> object:
        sent.append(str(args[0]))
        return await real(*args, **kwargs)

    cache._redis.execute_command = counted  # type: ignore[method-assign]
    try:
        await cache.set_many(
            {f"k{i}": b"v" for i in range(500)}, ttl_s=60
        )  # a pipeline: no command one by one
        assert sent == []
        assert await cache.get_many([f"k{i}" for i in range(500)]) == [b"v"] * 500
        assert sent == ["MGET"]
    finally:
        keys = [k async for k in cache._redis.scan_iter(match=prefix + "*")]
        if keys:
            await cache._redis.delete(*keys)
        await cache.aclose()
