"""Invoices and payments in the ledger: every rebalance counted once, whatever lists it."""

from __future__ import annotations

from pathlib import Path

from lnpilot.accounting.ledger import Category, totals_by_category
from lnpilot.accounting.pnl import compute
from lnpilot.accounting.sources import PaidRebalance, payment_events
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.domain.payments import NodeInvoice, NodePayment
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.sync.job import SyncJob

US, PEER, SHOP = "02" + "11" * 32, "03" + "22" * 32, "03" + "33" * 32


def _pay(h: str, *, self_payment: bool, fee: int, at: int = 100) -> NodePayment:
    return NodePayment(
        h, 1, "SUCCEEDED", 50_000_000, fee, at, at, US if self_payment else SHOP, 7, 9, self_payment
    )


def _inv(h: str, amount: int, at: int = 100) -> NodeInvoice:
    return NodeInvoice(h, 1, "SETTLED", amount, amount, at - 10, at, 3600, "")


def test_every_rebalance_once_and_its_invoice_is_no_income() -> None:
    logged_known = PaidRebalance(1, 1, 100, 9, 700, 50_000, "aa" * 32)  # lnpilot's, hash recorded
    logged_old = PaidRebalance(2, 2, 90, 9, 300, 50_000)  # before hashes were recorded
    logged_new = PaidRebalance(3, 3, 500, 9, 400, 50_000, "dd" * 32)  # after the last sync
    payments = [
        _pay("aa" * 32, self_payment=True, fee=700),
        _pay("bb" * 32, self_payment=True, fee=300, at=90),  # logged_old, as LND lists it
        _pay("cc" * 32, self_payment=False, fee=1_500),
    ]
    invoices = [_inv("aa" * 32, 50_000_000), _inv("bb" * 32, 50_000_000), _inv("ee" * 32, 9_000)]
    logged = [logged_known, logged_old, logged_new]
    events = payment_events(payments, invoices, logged, {9: PEER}, payments_synced_at=400)
    by = {c: [e for e in events if e.category is c] for c in Category}
    assert sorted(e.amount_msat for e in by[Category.REBALANCE_FEE]) == [-700, -400, -300]
    assert len({e.id for e in by[Category.REBALANCE_FEE]}) == 3
    assert [e.amount_msat for e in by[Category.INVOICE]] == [9_000]  # self-paid invoices are no income
    assert [e.amount_msat for e in by[Category.PAYMENT]] == [-50_000_000]
    assert [e.amount_msat for e in by[Category.PAYMENT_FEE]] == [-1_500]
    pnl = compute(events, since=0, until=1_000, capacity_sat={9: 1_000_000}, peer_of={9: PEER})
    totals = totals_by_category(events)
    assert pnl.node.net_msat == totals["profit"] == -(700 + 400 + 300 + 1_500)
    assert (pnl.node.received_msat, pnl.node.sent_msat) == (9_000, 50_000_000)
    # Without a payment sync the log is the only source of rebalances.
    unsynced = payment_events([], [], logged, {9: PEER}, payments_synced_at=None)
    assert sorted(e.amount_msat for e in unsynced) == [-700, -400, -300]


async def test_sync_marks_wait_for_open_invoices(simnet: SimnetHandle, tmp_path: Path) -> None:
    sim = simnet.sim
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    lnd = LndRestBackend(simnet.url, simnet.macaroon_hex(), simnet.tls_cert_path)
    try:
        await lnd.add_invoice(1_000_000, "open", expiry_s=3600)  # add_index 1, stays open
        invoice, _ = sim.book.receive(2_000_000, "paid")  # add_index 2, settled
        report = await SyncJob(lnd, store).run(sim.now_s, ("payments",))
        async with store.unit_of_work() as uow:
            held = await uow.sync_state.get("invoices")
            stored = await uow.payments.invoices()
        assert report.invoices_settled == 1 and [i.r_hash for i in stored] == [invoice.r_hash.hex()]
        assert held is not None and held.high_water == 0  # the open invoice may still be paid
        report = await SyncJob(lnd, store).run(sim.now_s + 7200, ("payments",))  # it expired
        async with store.unit_of_work() as uow:
            moved = await uow.sync_state.get("invoices")
        assert moved is not None and moved.high_water == 2
    finally:
        await lnd.aclose()
        await store.close()
