"""A force close runs only for a peer seen online, then offline past the configured time."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.backends.lnd import LndRestBackend
from lnpilot.execution.close import CloseRefused, CloseRequest, close_channel
from lnpilot.settings import EconomicsSettings, Settings
from lnpilot.simnet.chain import FORCE_SWEEP_SAT_PER_VBYTE
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.sync.job import SyncJob

HOUR = 3600


async def test_force_close_needs_the_peer_seen_online_then_away_long_enough(
    simnet: SimnetHandle, tmp_path: Path
) -> None:
    sim = simnet.sim
    victim = sim.channels[0]
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'force.db'}", data_dir=tmp_path)
    eco = EconomicsSettings(
        close_allow_list=(victim.channel_point,), allow_force_close=True, force_close_after_offline_hours=48
    )
    force = CloseRequest(victim.channel_point, True, None, True)
    store = await Store.open(settings)
    lnd = LndRestBackend(simnet.url, simnet.macaroon_hex(), simnet.tls_cert_path)
    t0 = sim.now_s
    try:

        async def snapshot(at: int, active: bool) -> None:
            with sim.lock:
                victim.active = active
            await SyncJob(lnd, store).run(at, ("channels",))

        async def refused(at: int) -> str:
            with pytest.raises(CloseRefused) as caught:
                await close_channel(lnd, store, eco, force, mode="live", now=lambda: at)
            return str(caught.value)

        # Offline in every snapshot, for longer than the limit: never seen online, so how long it
        # has really been away is unknown.
        await snapshot(t0, False)
        await snapshot(t0 + 100 * HOUR, False)
        why = await refused(t0 + 100 * HOUR)
        assert "never seen online" in why and "\n" not in why
        # Seen online once, then offline for less than the limit.
        await snapshot(t0 + 101 * HOUR, True)
        await snapshot(t0 + 102 * HOUR, False)
        why = await refused(t0 + 111 * HOUR)
        assert "offline 10.0 h, less than 48 h" in why
        assert not sim.chain.closing  # nothing refused reached the node
        # Away past the limit: the force close runs, with no fee rate sent (LND refuses one).
        outcome = await close_channel(lnd, store, eco, force, mode="live", now=lambda: t0 + 150 * HOUR)
    finally:
        await lnd.aclose()
        await store.close()
    assert outcome.status == "pending_close" and "pending_force_closing" in outcome.detail
    closing = sim.chain.closing[victim.channel_point]
    assert closing.force and closing.fee_per_vbyte == FORCE_SWEEP_SAT_PER_VBYTE
