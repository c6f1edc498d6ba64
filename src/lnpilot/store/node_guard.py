"""The whole node lock: the host's file lock, then the database's lock, taken and released together.

| two lnpilot instances on one node                      | excluded by                         |
| ------------------------------------------------------ | ----------------------------------- |
| same host and user (or a shared ``lock_dir``), any data dir or database | the host lock (``flock``) |
| any hosts sharing one database (PostgreSQL)            | the database lock (advisory lock)   |
| any hosts sharing one SQLite file (one data dir on NFS) | the database lock (lease)          |
| two hosts, each with its own database                  | nothing can: they never meet        |

``hold`` is re-entrant within one guard: the daemon holds the guard for its life and every step
inside (apply, rollback, the automatic rollback) passes through; a second guard on the same node
(another process, or another request of the same API process) is refused with ``NodeLocked``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from lnpilot.store.host_lock import HostNodeLock, default_lock_dir
from lnpilot.store.node_lock import DEFAULT_LEASE_S, DbNodeLock
from lnpilot.store.store import Store


@dataclass(frozen=True, slots=True)
class NodeKey:
    pubkey: str  # the database lock's key
    host_key: str  # the host lock's key: the pubkey, plus the address for simulated nodes


class NodeGuard:
    def __init__(
        self,
        store: Store,
        key: Callable[[], Awaitable[NodeKey]],
        *,
        lock_dir: Path | None = None,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> None:
        self.store = store
        self._key = key
        self.lock_dir = lock_dir if lock_dir is not None else default_lock_dir()
        self.lease_s = lease_s
        self._host: HostNodeLock | None = None
        self._db: DbNodeLock | None = None
        self._depth = 0

    @property
    def held(self) -> bool:
        return self._depth > 0

    @property
    def db_lock(self) -> DbNodeLock | None:
        return self._db

    async def acquire(self, purpose: str) -> NodeGuard:
        """Take both locks (or enter once more when this guard already holds them)."""
        if self._depth == 0:
            key = await self._key()
            host = HostNodeLock(self.lock_dir, key.host_key, purpose).acquire()
            try:
                db = await DbNodeLock(self.store, key.pubkey, purpose, lease_s=self.lease_s).acquire()
                db.start_heartbeat()
            except BaseException:
                host.release()
                raise
            self._host, self._db = host, db
        self._depth += 1
        return self

    async def release(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth:
            return
        host, db = self._host, self._db
        self._host = self._db = None
        try:
            if db is not None:
                await db.release()
        finally:
            if host is not None:
                host.release()

    @contextlib.asynccontextmanager
    async def hold(self, purpose: str) -> AsyncIterator[NodeGuard]:
        await self.acquire(purpose)
        try:
            yield self
        finally:
            await self.release()
