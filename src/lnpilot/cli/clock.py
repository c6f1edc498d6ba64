"""The "now" of a read-only command (``decide``, ``explain``, ``channels``), and where it came from.

The same rule as ``apply``, ``sync`` and the daemon (``execution.node_clock``): ``--at`` when given;
else a simulated node's own clock (its ``getinfo``), which may be years from the wall clock
(``simnet serve --start``); else the wall clock, which a real node lives on. Cooldowns and windows
judged on another clock than the one the history was stamped with are nonsense, so every such
command says which clock it used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from lnpilot.settings import Settings

GIVEN = "given with --at"
NODE = "the simulated node's clock (getinfo)"
LAST_SYNC = "the store's last sync (the simulated node did not answer)"
LAST_SYNC_UNCONFIGURED = "the store's last sync (no simulated node configured)"
WALL = "the wall clock"
WALL_UNCONFIGURED = "the wall clock (no simulated node configured, no sync stored)"


@dataclass(frozen=True, slots=True)
class CommandClock:
    now: int
    source: str  # one of the sources above

    @property
    def line(self) -> str:
        at = datetime.fromtimestamp(self.now, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"as of {at}: {self.source}"

    def to_dict(self) -> dict[str, int | str]:
        return {"now": self.now, "source": self.source}


async def command_clock(settings: Settings, at: int | None, *, store_fallback: bool = False) -> CommandClock:
    """This command's now. ``store_fallback``: a command that reads only the store may take the
    time of the last sync (stamped on the node's clock) when a simulated node does not answer."""
    from lnpilot.execution.node_clock import node_now, simulated

    if at is not None:
        return CommandClock(at, GIVEN)
    if not simulated(settings):
        return CommandClock(int(time.time()), WALL)
    if store_fallback and settings.lnd_rest_url is None:  # a store read without any node
        synced = await _last_sync(settings)
        if synced is None:
            return CommandClock(int(time.time()), WALL_UNCONFIGURED)
        return CommandClock(synced, LAST_SYNC_UNCONFIGURED)
    from lnpilot.backends.factory import make_backend
    from lnpilot.errors import LnpilotError

    backend = make_backend(settings)
    try:
        return CommandClock((await node_now(settings, backend)).now(), NODE)
    except LnpilotError:  # unreachable, or no clock reported
        if not store_fallback:
            raise
        synced = await _last_sync(settings)
        if synced is None:
            raise
        return CommandClock(synced, LAST_SYNC)
    finally:
        await backend.aclose()


async def _last_sync(settings: Settings) -> int | None:
    from lnpilot.store import Store

    store = await Store.open(settings)
    try:
        async with store.unit_of_work() as uow:
            mark = await uow.sync_state.get("channels")
    finally:
        await store.close()
    return None if mark is None else mark.synced_at
