"""A value derived from the store that is slow to derive: computed once per key, refreshed behind.

The pages use it for what only changes when the daemon stores something big (the public graph
snapshot's aliases and policies, the peer ranking): the first request of a process (or the
warm-up when the server starts) computes it; when the key moves on (a newer snapshot), requests
keep being served the previous value, said to be stale, while one background task derives the
new one. No page render waits on a re-derivation once a value exists.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from lnpilot.logs import get_logger, redact_text

V = TypeVar("V")
log = get_logger("lnpilot.web")


@dataclass(frozen=True, slots=True)
class Got(Generic[V]):
    value: V
    current: bool  # False: the value of an older key, served while the newer one is derived


class Refreshing(Generic[V]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._key: Hashable | None = None
        self._value: V | None = None
        self._has = False
        self._task: asyncio.Task[None] | None = None
        self._task_key: Hashable | None = None
        self.failures = 0

    @property
    def key(self) -> Hashable | None:
        return self._key

    async def get(self, key: Hashable, derive: Callable[[], Awaitable[V]]) -> Got[V]:
        if self._has and key == self._key:
            return Got(self._value, True)  # type: ignore[arg-type]
        task = self._start(key, derive)
        if not self._has:  # nothing to serve yet: wait for the derivation (shared with others)
            await asyncio.shield(task)
            if not self._has:
                # the derivation failed: derive here so the caller sees the error
                value = await derive()
                self._set(key, value)
        return Got(self._value, key == self._key)  # type: ignore[arg-type]

    def _start(self, key: Hashable, derive: Callable[[], Awaitable[V]]) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task_key = key
            self._task = asyncio.create_task(self._run(key, derive), name=f"web-refresh-{self.name}")
        return self._task

    async def _run(self, key: Hashable, derive: Callable[[], Awaitable[V]]) -> None:
        try:
            self._set(key, await derive())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # served stale (or derived in the request) and logged, never lost
            self.failures += 1
            detail = redact_text(str(exc))[:200]
            log.warning("web_refresh_failed", cache=self.name, error=type(exc).__name__, detail=detail)

    def _set(self, key: Hashable, value: V) -> None:
        self._key, self._value, self._has = key, value, True

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
