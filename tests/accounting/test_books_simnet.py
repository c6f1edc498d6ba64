"""The P&L and the ledger against simnet's ground truth, to the msat, with a real close in them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lnpilot.accounting.gather import books
from lnpilot.accounting.ledger import Category
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.daemon.clock import SimnetClock
from lnpilot.daemon.loop import Daemon
from lnpilot.errors import InvalidInputError
from lnpilot.execution.close import CloseRefused, CloseRequest, close_channel
from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import EconomicsSettings, Settings
from lnpilot.simnet.engine import BLOCK_INTERVAL_S
from lnpilot.simnet.testing import make_simulation, running_simnet
from lnpilot.store import Store
from lnpilot.sync.job import SyncJob


async def test_books_equal_simnet_truth_with_a_close(tmp_path: Path) -> None:
    sim = make_simulation(seed=3)
    start = sim.now_s
    with running_simnet(tmp_path / "simnet", sim=sim) as handle:
        settings = Settings(
            backend="simnet",
            data_dir=tmp_path,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'books.db'}",
            lnd_rest_url=handle.url,
            lnd_tls_cert_path=handle.tls_cert_path,
            lnd_macaroon_path=handle.admin_macaroon_path,
            log_level="WARNING",
            execution={"mode": "live"},
            daemon={"cycle_seconds": 6 * 3600, "graph_refresh_seconds": 7 * 86_400},
        )
        clock = SimnetClock(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
        daemon = Daemon(
            settings, clock=clock, metrics=Metrics(clock=lambda: clock.now_or(time.time())), mode=Mode.LIVE
        )
        await daemon.run(max_cycles=8)

        victim = next(c for c in sim.open_channels() if c.initiator and c.active)
        eco = EconomicsSettings(close_allow_list=(victim.channel_point,))
        store = await Store.open(settings)
        lnd = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
        try:
            other = next(c for c in sim.open_channels() if c is not victim)
            for request, mode, why in [
                (CloseRequest(other.channel_point, False, 5, True), "live", "allow_list"),
                (CloseRequest(victim.channel_point, False, 5, True), "shadow", "live mode"),
                (CloseRequest(victim.channel_point, False, 5, False), "live", "confirmation"),
                (CloseRequest(victim.channel_point, True, None, True), "live", "force closes are off"),
                (CloseRequest(victim.channel_point, False, None, True), "live", "fee rate"),
            ]:
                with pytest.raises(CloseRefused, match=why):
                    await close_channel(lnd, store, eco, request, mode=mode, now=lambda: sim.now_s)
            assert not sim.chain.closing  # nothing refused reached the node
            async with store.unit_of_work() as uow:
                before = await uow.transactions.count()

            outcome = await close_channel(
                lnd,
                store,
                eco,
                CloseRequest(victim.channel_point, False, 6, True),
                mode="live",
                now=lambda: sim.now_s,
            )
            assert outcome.status == "pending_close" and outcome.closing_txid
            async with store.unit_of_work() as uow:
                assert await uow.transactions.count() == before + 1
                tx = await uow.transactions.get(outcome.tx_id)
            assert tx.status.value == "applied" and tx.items[0].result["verified"] == "waiting_close"

            sim.advance(BLOCK_INTERVAL_S)
            await SyncJob(lnd, store).run(sim.now_s, ("channels", "forwards", "closed_channels", "chain"))
            until = sim.now_s + 1
            result = await books(store, 0, until)
            truth = sim.truth()
            chain_truth = sim.chain.truth()
            async with store.unit_of_work() as uow:
                tracked = await uow.channels.get(victim.chan_id)
        finally:
            await lnd.aclose()
            await store.close()
        await clock.aclose()

    node = result.pnl.node
    assert node.revenue_msat == truth["fees_earned_msat"]
    assert node.rebalance_cost_msat == truth["rebalance_fees_paid_msat"]
    assert node.onchain_cost_msat == chain_truth["onchain_fees_sat"] * 1000
    assert node.forwards == truth["forwards"]
    assert result.totals["profit"] == node.net_msat
    assert tracked is not None and tracked.closed and tracked.closing_tx_hash == outcome.closing_txid
    close_rows = [
        e for e in result.events if e.chan_id == victim.chan_id and e.counterparty == outcome.closing_txid
    ]
    assert {e.category for e in close_rows} == {Category.ONCHAIN_FEE}
    transfer = [
        e for e in result.events if e.category is Category.CHANNEL_CLOSE and e.chan_id == victim.chan_id
    ]
    assert len(transfer) == 1
    by_chan = {line.key: line for line in result.pnl.channels}
    assert by_chan[str(victim.chan_id)].onchain_cost_msat >= 6 * 200 * 1000  # its close fee at least
    unattributed = sum(e.amount_msat for e in result.events if e.chan_id is None and e.affects_profit)
    assert sum(line.net_msat for line in result.pnl.channels) + unattributed == node.net_msat
    assert result.since == 0 < start < result.until


def test_bad_windows_are_refused() -> None:
    from lnpilot.accounting.gather import check_window

    with pytest.raises(InvalidInputError):
        check_window(10, 10)
    with pytest.raises(InvalidInputError):
        check_window(-1, 10)
