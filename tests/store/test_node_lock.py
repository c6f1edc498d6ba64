"""Issue 17 item 5: one lnpilot acting on a node, held in the database (SQLite lease, PostgreSQL
advisory lock), whatever the data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.store import Store
from lnpilot.store.node_lock import DbNodeLock, NodeLocked, NodeLockLost
from tests.store.databases import fresh_postgres_async

NODE = "02" + "ab" * 32


async def test_sqlite_lease_excludes_a_second_holder_until_released_or_expired(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    # Two processes with different data dirs but one database: two Store objects on one file.
    first_store, second_store = await Store.open_url(url), await Store.open_url(url)
    clock = [1_000.0]
    try:
        first = await DbNodeLock(first_store, NODE, "daemon", lease_s=60, clock=lambda: clock[0]).acquire()
        second = DbNodeLock(second_store, NODE, "apply", lease_s=60, clock=lambda: clock[0])
        with pytest.raises(NodeLocked, match="daemon") as refused:
            await second.acquire()
        assert refused.value.code == "conflict"
        await DbNodeLock(second_store, "03" + "cd" * 32, "other node").acquire()  # keyed by node
        clock[0] += 30
        await first.heartbeat()  # renewed: still held 50 s later
        clock[0] += 50
        with pytest.raises(NodeLocked):
            await second.acquire()
        clock[0] += 61  # the holder died (no heartbeat): its lease runs out
        await second.acquire()
        with pytest.raises(NodeLockLost):
            await first.heartbeat()
        await second.release()
        third = await DbNodeLock(first_store, NODE, "daemon again", clock=lambda: clock[0]).acquire()
        assert third.held
        await third.release()
    finally:
        await first_store.close()
        await second_store.close()


async def test_lock_as_context_manager_releases(tmp_path: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with DbNodeLock(store, NODE, "apply", lease_s=0.3) as held:
            assert held.held
            import asyncio

            await asyncio.sleep(0.25)  # the heartbeat task renews within the lease
            await held.heartbeat()
        assert not held.held
        await DbNodeLock(store, NODE, "next").acquire()
    finally:
        await store.close()


@pytest.mark.service
async def test_postgres_advisory_lock_dies_with_its_session(postgres_url: str) -> None:
    async with fresh_postgres_async(postgres_url) as url:
        first_store, second_store = await Store.open_url(url), await Store.open_url(url)
        try:
            first = await DbNodeLock(first_store, NODE, "daemon").acquire()
            with pytest.raises(NodeLocked, match="PostgreSQL"):
                await DbNodeLock(second_store, NODE, "apply").acquire()
            await first.heartbeat()
            # The holder's session ends however the process dies: the server frees the lock.
            assert first._conn is not None
            await first._conn.invalidate()
            second = await DbNodeLock(second_store, NODE, "apply").acquire()
            with pytest.raises(NodeLockLost):
                await first.heartbeat()
            await second.release()
            await first.release()
        finally:
            await first_store.close()
            await second_store.close()


async def test_a_dead_holder_on_this_host_is_taken_over_at_once(tmp_path: Path) -> None:
    """kill -9 leaves the lease row behind; a restart on the same host must not wait 60 s."""
    import socket

    from sqlalchemy import update

    from lnpilot.store.tables import node_locks

    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        await DbNodeLock(store, NODE, "daemon").acquire()
        async with store.engine.begin() as conn:  # as if that process had died: a pid never used
            dead = f"daemon (pid 999999999 on {socket.gethostname()}, deadbeef)"
            await conn.execute(update(node_locks).values(holder=dead))
        assert (await DbNodeLock(store, NODE, "daemon restarted").acquire()).held
        async with store.engine.begin() as conn:  # a live holder elsewhere still blocks
            await conn.execute(update(node_locks).values(holder="daemon (pid 1 on elsewhere, x)"))
        with pytest.raises(NodeLocked):
            await DbNodeLock(store, NODE, "apply").acquire()
    finally:
        await store.close()


async def test_release_lets_a_renewal_in_progress_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release (the daemon's shutdown) that lands while the heartbeat writes waits for it:
    cancelled half-way, the renewal's commit or rollback was cancelled with it."""
    import asyncio

    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        lock = await DbNodeLock(store, NODE, "daemon", lease_s=0.03).acquire()
        renewing, resume = asyncio.Event(), asyncio.Event()
        renewed: list[bool] = []
        real = lock.heartbeat

        async def slow_heartbeat() -> None:
            renewing.set()
            await resume.wait()  # the database write in flight
            await real()
            renewed.append(True)

        monkeypatch.setattr(lock, "heartbeat", slow_heartbeat)
        lock.start_heartbeat()
        await asyncio.wait_for(renewing.wait(), 10)
        release = asyncio.create_task(lock.release())
        await asyncio.sleep(0.05)
        assert not release.done()  # waiting for the renewal, not cancelling it
        resume.set()
        await asyncio.wait_for(release, 10)
        assert renewed == [True] and not lock.held
        await DbNodeLock(store, NODE, "next").acquire()  # and the lease is gone
    finally:
        await store.close()
