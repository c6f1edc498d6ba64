"""One lnpilot acting on a node at a time: a lock in the database, keyed by the node's public key.

Every process that changes a node takes it: the daemon for its whole life, ``lnpilot apply
--execute`` and ``POST /v1/actions/apply`` (real modes) for one run. Kept in the database, it
holds across data directories and hosts as far as they share the store.

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection held for the
  lock's life; the server drops it when that connection dies, however the process dies.
- SQLite: a lease row (``node_locks``) with an expiry, renewed by a heartbeat every third of the
  lease; a killed holder's lease runs out after ``lease_s`` and the next process takes it.
  Leases use the wall clock on purpose: they are about processes being alive, not node time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lnpilot.errors import ConflictError, LnpilotError
from lnpilot.logs import get_logger
from lnpilot.store.store import Store
from lnpilot.store.tables import node_locks

log = get_logger(__name__)
DEFAULT_LEASE_S = 60.0


class NodeLocked(ConflictError):
    """Another lnpilot process holds this node's lock (the API answers 409)."""


class NodeLockLost(LnpilotError):
    code = "node-lock-lost"


def advisory_key(pubkey: str) -> int:
    """A signed 64-bit key for ``pg_try_advisory_lock``, stable for a pubkey."""
    digest = hashlib.sha256(b"lnpilot-node-lock:" + pubkey.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_HOLDER = re.compile(r"\(pid (\d+) on ([^,]+),")


def _dead_on_this_host(holder: str) -> bool:
    """True when ``holder`` names a process on this host that no longer exists."""
    match = _HOLDER.search(holder)
    if match is None or match[2] != socket.gethostname():
        return False
    try:
        os.kill(int(match[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


class DbNodeLock:
    def __init__(
        self,
        store: Store,
        pubkey: str,
        purpose: str,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.pubkey = pubkey
        self.holder = f"{purpose} (pid {os.getpid()} on {socket.gethostname()}, {uuid.uuid4().hex[:8]})"
        self.lease_s = lease_s
        self._clock = clock
        self._conn: AsyncConnection | None = None  # PostgreSQL: the session that holds the lock
        self._held = False
        self._beat: asyncio.Task[None] | None = None
        self._renewing: asyncio.Future[None] | None = None

    @property
    def held(self) -> bool:
        return self._held

    async def acquire(self) -> DbNodeLock:
        if self.store.kind == "postgresql":
            await self._acquire_advisory()
        else:
            await self._acquire_lease()
        self._held = True
        log.info("node_lock_acquired", pubkey=self.pubkey, holder=self.holder)
        return self

    async def _acquire_advisory(self) -> None:
        conn = await self.store.engine.connect()
        try:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key(self.pubkey)})
            ).scalar_one()
            await conn.commit()  # a session lock outlives the transaction; keep none open
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            raise NodeLocked(f"another lnpilot process holds the lock of node {self.pubkey} (PostgreSQL)")
        self._conn = conn

    async def _acquire_lease(self) -> None:
        now = int(self._clock())
        row = {
            "pubkey": self.pubkey,
            "holder": self.holder,
            "acquired_at": now,
            "expires_at": now + int(self.lease_s),
        }
        async with self.store.engine.begin() as conn:
            builder = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            stmt = builder(node_locks).values(**row)
            # One statement: take the row only if it is free, expired, or already ours.
            stmt = stmt.on_conflict_do_update(
                index_elements=["pubkey"],
                set_={c: stmt.excluded[c] for c in ("holder", "acquired_at", "expires_at")},
                where=(node_locks.c.expires_at <= now) | (node_locks.c.holder == self.holder),
            )
            await conn.execute(stmt)
            current = (
                (await conn.execute(select(node_locks).where(node_locks.c.pubkey == self.pubkey)))
                .mappings()
                .one()
            )
        if current["holder"] != self.holder and _dead_on_this_host(current["holder"]):
            # A holder on this host whose process is gone (kill -9): its lease is stale now, not
            # in ``lease_s``; take it over (only if it is still that holder's).
            async with self.store.engine.begin() as conn:
                await conn.execute(
                    update(node_locks)
                    .where(node_locks.c.pubkey == self.pubkey, node_locks.c.holder == current["holder"])
                    .values(holder=self.holder, acquired_at=now, expires_at=now + int(self.lease_s))
                )
                current = (
                    (await conn.execute(select(node_locks).where(node_locks.c.pubkey == self.pubkey)))
                    .mappings()
                    .one()
                )
            if current["holder"] == self.holder:
                log.warning("node_lock_taken_from_dead_process", pubkey=self.pubkey)
        if current["holder"] != self.holder:
            left = int(current["expires_at"]) - now
            raise NodeLocked(
                f"another lnpilot process holds the lock of node {self.pubkey}: {current['holder']} "
                f"(lease expires in {left} s unless renewed)"
            )

    async def heartbeat(self) -> None:
        """Renew the lease (SQLite) or check the holding session (PostgreSQL); raise if lost."""
        if not self._held:
            raise NodeLockLost(f"the lock of node {self.pubkey} is not held")
        if self._conn is not None:
            key = advisory_key(self.pubkey)
            # Still ours only if *this* session holds it: a reconnected session would not.
            query = text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND classid = CAST(:c AS oid) AND objid = CAST(:o AS oid)"
                " AND objsubid = 1)"
            )
            try:
                mine = (
                    await self._conn.execute(query, {"c": (key >> 32) & 0xFFFFFFFF, "o": key & 0xFFFFFFFF})
                ).scalar_one()
                await self._conn.commit()
            except Exception as exc:
                mine = False
                log.error("node_lock_session_failed", pubkey=self.pubkey, error=type(exc).__name__)
            if not mine:
                self._held = False
                raise NodeLockLost(f"the session holding node {self.pubkey}'s lock is gone")
            return
        now = int(self._clock())
        async with self.store.engine.begin() as conn:
            result = await conn.execute(
                update(node_locks)
                .where(node_locks.c.pubkey == self.pubkey, node_locks.c.holder == self.holder)
                .values(expires_at=now + int(self.lease_s))
            )
        if result.rowcount != 1:
            self._held = False
            raise NodeLockLost(f"the lease of node {self.pubkey} was taken over (it expired)")

    async def release(self) -> None:
        await self._stop_heartbeat()
        if not self._held:
            return
        self._held = False
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):  # closing the session drops the lock anyway
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(self.pubkey)})
                await conn.commit()
            await conn.close()
            return
        async with self.store.engine.begin() as conn:
            await conn.execute(
                delete(node_locks).where(
                    node_locks.c.pubkey == self.pubkey, node_locks.c.holder == self.holder
                )
            )
        log.info("node_lock_released", pubkey=self.pubkey)

    def start_heartbeat(self) -> None:
        """Renew every third of the lease in the background until ``release``."""

        async def beat() -> None:
            while self._held:
                await asyncio.sleep(self.lease_s / 3)
                # Shielded: a release that lands mid-renewal waits for it (``_stop_heartbeat``)
                # instead of cancelling the store's own commit or rollback half-way.
                self._renewing = asyncio.ensure_future(self.heartbeat())
                try:
                    await asyncio.shield(self._renewing)
                except LnpilotError as exc:
                    log.error("node_lock_heartbeat_failed", pubkey=self.pubkey, error=str(exc))
                    return

        if self._beat is None:
            self._beat = asyncio.get_running_loop().create_task(beat())

    async def _stop_heartbeat(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
            self._beat = None
        if self._renewing is not None:
            with contextlib.suppress(Exception):  # a lost lease is moot: we are letting go
                await self._renewing
            self._renewing = None

    async def __aenter__(self) -> DbNodeLock:
        await self.acquire()
        self.start_heartbeat()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.release()
