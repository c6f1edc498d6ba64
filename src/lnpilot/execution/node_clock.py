"""One "now" for a node, whoever asks: the CLI, the API and the daemon read it the same way.

The rule: a simulated node (``LNPILOT_BACKEND=simnet``) lives on its own clock, which it reports
as ``best_header_timestamp`` in ``getinfo``; a real node (LND, LNbits) lives on the wall clock
(LND's ``best_header_timestamp`` is a block's time, minutes to hours behind, never "now"). Each
command, API request and daemon cycle reads the node's now once (``refresh``) and judges limits
and stamps history with it, so a change made by one entry point is judged by the others on the
same clock. (The daemon's ``--simnet-clock`` reads the same clock through simnet's control
endpoint and advances it instead of sleeping.)
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from lnpilot.backends.base import Capability, NodeBackend
from lnpilot.errors import LnpilotError
from lnpilot.settings import Settings


class NodeClockError(LnpilotError):
    code = "clock-error"


def simulated(settings: Settings) -> bool:
    return settings.backend == "simnet"


class NodeClock:
    """``now`` of one node (the ``daemon.clock.Clock`` protocol); waits are on the wall clock."""

    def __init__(self, backend: NodeBackend, *, simulated: bool) -> None:
        self._backend = backend
        self._simulated = simulated
        self._now: int | None = None

    @classmethod
    def for_settings(cls, settings: Settings, backend: NodeBackend) -> NodeClock:
        return cls(backend, simulated=simulated(settings))

    def now(self) -> int:
        if not self._simulated:
            return int(time.time())
        if self._now is None:
            raise NodeClockError("the node's clock has not been read yet")
        return self._now

    async def refresh(self) -> int:
        if not self._simulated:
            return self.now()
        if Capability.GET_INFO not in self._backend.capabilities:
            raise NodeClockError("this simulated node does not report its clock (getinfo)")
        stamp = (await self._backend.get_info()).best_header_timestamp
        if not stamp:
            raise NodeClockError("the simulated node reported no clock (best_header_timestamp)")
        self._now = int(stamp)
        return self._now

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        if seconds <= 0 or stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    async def aclose(self) -> None:
        return None  # the backend belongs to the caller


async def node_now(settings: Settings, backend: NodeBackend) -> NodeClock:
    """A node clock read once: ``.now()`` is this command's (or request's) now."""
    clock = NodeClock.for_settings(settings, backend)
    await clock.refresh()
    return clock
