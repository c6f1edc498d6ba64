"""The P&L and the ledger against simnet's ground truth, to the msat, with a real close in them."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

import httpx
import pytest

from lnpilot.accounting.gather import books
from lnpilot.accounting.ledger import Category
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.daemon.clock import SimnetClock
from lnpilot.daemon.loop import Daemon
from lnpilot.errors import InvalidInputError
from lnpilot.execution.actions import RebalanceOrder
from lnpilot.execution.close import CloseRefused, CloseRequest, close_channel
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import EconomicsSettings, Settings
from lnpilot.simnet.engine import BLOCK_INTERVAL_S, Simulation
from lnpilot.simnet.testing import SimnetHandle, make_simulation, running_simnet
from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import SqlTransactionLog
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
            # Money in and out beside routing: invoices paid to us and payments to other nodes
            # (simnet's /simnet/receive and /simnet/pay), and a rebalance lnpilot did not make
            # (a self-payment straight through LND, as `bos rebalance` would).
            await _pay_and_receive(handle, sim)
            await _lnpilot_rebalance(lnd, store, sim)
            manual, manual_fee = await _manual_rebalance(lnd, sim)
            # Before the next payment sync: lnpilot's rebalance counts from its log, the manual
            # one is not known yet.
            early = (await books(store, 0, sim.now_s + 1)).pnl.node
            assert early.rebalance_cost_msat == sim.book.rebalance_fees_msat - manual_fee
            sync_kinds = ("channels", "forwards", "closed_channels", "chain", "payments")
            await SyncJob(lnd, store).run(sim.now_s, sync_kinds)
            again = await SyncJob(lnd, store).run(sim.now_s + 1, sync_kinds)  # nothing new
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
    assert node.payment_fee_msat == truth["payment_fees_paid_msat"] > 0
    assert node.received_msat == truth["invoices_received_msat"] == 3 * 250_000_000
    assert node.sent_msat == truth["payments_sent_msat"] > 0
    assert node.forwards == truth["forwards"]
    totals = result.totals
    assert totals["profit"] == node.net_msat
    assert totals["invoice"] == node.received_msat and -totals["payment"] == node.sent_msat
    assert -totals["payment_fee"] == node.payment_fee_msat
    assert result.payments_synced and again.payments_read == 0
    # Every rebalance once: lnpilot's (logged, and in LND's payment list) and the manual one (only
    # in LND's list); their invoices, settled by ourselves, are no income.
    self_paid = [p for p in sim.book.payments if p.status == "SUCCEEDED" and p.payment_request]
    rebalance_rows = [e for e in result.events if e.category is Category.REBALANCE_FEE]
    assert len(rebalance_rows) == len(self_paid) >= 2
    assert len({e.id for e in rebalance_rows}) == len(rebalance_rows)
    assert any(e.id == f"rebal:{manual}" and "not made by lnpilot" in e.note for e in rebalance_rows)
    assert any("lnpilot tx" in e.note for e in rebalance_rows), "no rebalance made by lnpilot"
    invoice_rows = [e for e in result.events if e.category is Category.INVOICE]
    assert len(invoice_rows) == 3 and all(e.amount_msat == 250_000_000 for e in invoice_rows)
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


async def _pay_and_receive(handle: SimnetHandle, sim: Simulation) -> None:
    headers = {"Grpc-Metadata-macaroon": handle.macaroon_hex()}
    context = ssl.create_default_context(cafile=str(handle.tls_cert_path))
    ours = {c.peer_pubkey for c in sim.channels} | {sim.node.pub_key}
    others = [k for k in sim.network.pubkeys if k not in ours]
    async with httpx.AsyncClient(base_url=handle.url, verify=context, headers=headers) as http:
        for _ in range(3):
            answer = await http.post("/simnet/receive", json={"amount_msat": 250_000_000, "memo": "coffee"})
            assert answer.status_code == 200, answer.text
        succeeded = 0
        for dest in others[:4]:
            answer = await http.post(
                "/simnet/pay", json={"pubkey": dest, "amount_msat": 100_000_000, "fee_limit_msat": 1_000_000}
            )
            assert answer.status_code == 200, answer.text
            succeeded += answer.json()["status"] == "SUCCEEDED"
        assert succeeded >= 2
        bad = await http.post("/simnet/pay", json={"pubkey": "zz", "amount_msat": 1})
        assert bad.status_code == 400


async def _lnpilot_rebalance(lnd: LndRestBackend, store: Store, sim: Simulation) -> None:
    """A rebalance through lnpilot's executor: logged, with its payment hash."""
    executor = Executor(lnd, SqlTransactionLog(store), backoff_s=0.0, clock=lambda: sim.now_s)
    channels = sorted(sim.open_channels(), key=lambda c: c.local_msat)
    target = channels[0]
    for source in reversed(channels[1:]):
        order = RebalanceOrder(
            target_chan_id=target.chan_id,
            target_channel_point=target.channel_point,
            source_chan_id=source.chan_id,
            amount_sat=50_000,
            max_fee_msat=250_000,
            min_amount_sat=10_000,
        )
        (result,) = (await executor.apply([order], Mode.LIVE)).results
        if result.status is ItemStatus.APPLIED:
            return
    raise AssertionError("no lnpilot rebalance went through")


async def _manual_rebalance(lnd: LndRestBackend, sim: Simulation) -> tuple[str, int]:
    """A circular payment lnpilot's log knows nothing of; returns its payment hash and fee."""
    for out in sim.open_channels():
        for back in sim.open_channels():
            if out is back or not (out.active and back.active):
                continue
            invoice = await lnd.add_invoice(20_000_000, "manual rebalance")
            paid = await lnd.pay_self(invoice.payment_request, out.chan_id, back.peer_pubkey, 2_000_000, 30)
            if paid.status.value == "SUCCEEDED":
                return paid.payment_hash, paid.fee_msat
    raise AssertionError("no manual rebalance went through")
