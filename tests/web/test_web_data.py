"""What the pages read the fast way equals what the slow way reads: the overview's P&L against the
accounting ledger (``books``, as /v1/pnl), the store's summed and averaged reads against the rows,
and the background-refreshed caches (served stale while a newer value is derived, never lost)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from lnpilot.accounting.gather import books
from lnpilot.api.app import create_app
from lnpilot.api.ratelimit import MemoryRateLimiter
from lnpilot.api.services import ApiServices
from lnpilot.domain.node import ChainTransaction, ForwardingEvent, LocalChannel
from lnpilot.domain.payments import NodePayment
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import load_settings
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache
from lnpilot.store.records import Coverage, TransactionItem, TransactionRecord, TxStatus
from lnpilot.store.score_cache import ScoreCache
from lnpilot.web.data.channel import chart_bucket_s
from lnpilot.web.data.overview import WINDOWS_DAYS, pnl_windows
from lnpilot.web.refresh import Refreshing

NOW = 1_764_000_000
DAY = 86_400
NS = 10**9
CHANS = [(800_000 << 40) | (k << 16) | 1 for k in range(1, 4)]
PEERS = ["02" + f"{k:02x}" * 32 for k in range(1, 4)]


def _channel(k: int, local: int) -> LocalChannel:
    return LocalChannel(
        CHANS[k],
        f"{k:02x}" * 32 + ":0",
        PEERS[k],
        1_000_000,
        local,
        990_000 - local,
        True,
        False,
        True,
        50,
        60,
    )


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[ApiServices]:
    settings = load_settings(data_dir=tmp_path)
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'data.db'}")
    svc = ApiServices(
        settings=settings,
        store=store,
        scores=ScoreCache(MemoryCache()),
        limiter=MemoryRateLimiter(1_000),
        metrics=Metrics(),
        clock=lambda: float(NOW),
    )
    yield svc
    await svc.aclose()


async def _fill(store: Store) -> None:
    """Forwards over 40 days (inside and outside every window), a paid rebalance 3 days ago, a
    channel's funding fee 2 days ago with a chain sync, a payment to another node 4 days ago with a
    payment sync, and balance snapshots every 10 minutes."""
    async with store.unit_of_work() as uow:
        await uow.channels.record_open([_channel(k, 100_000) for k in range(3)], NOW - 40 * DAY)
        forwards = [
            ForwardingEvent(
                (NOW - h * 3_600 - 17) * NS, CHANS[h % 3], CHANS[(h + 1) % 3], 1_000 + h, 900, 100 + h
            )
            for h in range(0, 40 * 24, 5)
        ]
        forwards.append(ForwardingEvent(NOW * NS, CHANS[0], CHANS[1], 10_000, 9_000, 1_000))  # at `now`
        assert await uow.forwards.add_many(forwards) == len(forwards)
        result = {"kind": "rebalance", "status": "applied", "fee_msat": 12_345, "moved_sat": 50_000}
        item = TransactionItem(CHANS[2], f"{2:02x}" * 32 + ":0", {}, None, result)
        await uow.transactions.create(
            TransactionRecord(NOW - 3 * DAY, NOW - 3 * DAY, "live", TxStatus.APPLIED, (item,))
        )
        funding = ChainTransaction(f"{1:02x}" * 32, -1_000_000, 2_500, 870_000, NOW - 2 * DAY)
        await uow.chain.add_many([funding])
        await uow.sync_state.set("chain", NOW - DAY)
        paid = NodePayment(
            "cd" * 32, 1, "SUCCEEDED", 3_000_000, 7_000, NOW - 4 * DAY, NOW - 4 * DAY, PEERS[0], CHANS[0]
        )
        await uow.payments.add_payments([paid])
        # synced before the rebalance, so the log's rebalance counts (the sync cannot have seen it)
        await uow.sync_state.set("payments", NOW - 3 * DAY - 3_600)
        for t in range(NOW - 2 * DAY, NOW, 600):
            await uow.channels.add_snapshots(
                [_channel(k, 100_000 + (t // 600) % 50 * 1_000) for k in range(3)], t
            )


async def test_overview_pnl_is_the_ledgers(services: ApiServices) -> None:
    await _fill(services.store)
    found = await pnl_windows(services, NOW)
    windows = found.rows
    assert found.chain is Coverage.MEASURED and found.payments is Coverage.MEASURED
    assert [w.days for w in windows] == list(WINDOWS_DAYS)
    for window in windows:
        ledger = await books(services.store, NOW - window.days * DAY, NOW + 1)
        expected = ledger.pnl.node
        got = window.line
        # revenue, forwards, every cost, net (the overview shows no capacity)
        assert replace(got, capacity_sat=0) == replace(expected, capacity_sat=0), window.days
    one, seven, thirty = windows
    assert one.line.forwards < seven.line.forwards < thirty.line.forwards  # the windows differ
    assert one.line.rebalance_cost_msat == 0 and seven.line.rebalance_cost_msat == 12_345
    assert seven.rebalances == 1 and seven.line.onchain_cost_msat == 2_500_000
    assert one.line.payment_fee_msat == 0 and seven.line.payment_fee_msat == 7_000  # what we paid
    assert seven.line.sent_msat == 3_000_000 and found.note("payments") is None


async def test_summed_and_averaged_reads_equal_the_rows(services: ApiServices) -> None:
    await _fill(services.store)
    async with services.store.unit_of_work() as uow:
        for days in (1, 7, 30):
            start, end = (NOW - days * DAY) * NS, (NOW + 1) * NS
            rows = await uow.forwards.between(start, end)
            by_out: dict[int, tuple[int, int]] = {}
            for f in rows:
                n, fees = by_out.get(f.chan_id_out, (0, 0))
                by_out[f.chan_id_out] = (n + 1, fees + f.fee_msat)
            assert await uow.forwards.totals_out(start, end) == by_out and by_out
        since = NOW - DAY
        rows = await uow.channels.snapshots(CHANS[1], since=since)
        newest = await uow.channels.newest_snapshots(since)
        assert set(newest) == set(CHANS) and newest[CHANS[1]] == rows[-1]
        assert (await uow.channels.newest_snapshots(since, chan_id=CHANS[1])) == {CHANS[1]: rows[-1]}
        assert await uow.channels.newest_snapshots(NOW + 1) == {}
        bucket = 3_600
        series = await uow.channels.balance_series(CHANS[1], since, bucket)
        assert len(series) == len({s.taken_at // bucket for s in rows})
        for at, mean in series:
            inside = [s for s in rows if s.taken_at // bucket == at // bucket]
            assert at == inside[-1].taken_at
            assert mean == pytest.approx(sum(s.local_balance_sat for s in inside) / len(inside))
    assert chart_bucket_s(NOW - 30 * DAY, NOW) == 7_200 and chart_bucket_s(NOW - 600, NOW) == 60


async def test_a_refreshing_value_is_served_stale_while_the_new_one_is_derived() -> None:
    cache: Refreshing[str] = Refreshing("test")
    gate = asyncio.Event()
    calls: list[str] = []

    async def derive(value: str, wait: bool = False) -> str:
        calls.append(value)
        if wait:
            await gate.wait()
        return value

    first = await cache.get(1, lambda: derive("one"))  # nothing yet: the request waits for it
    assert (first.value, first.current) == ("one", True)
    assert (await cache.get(1, lambda: derive("never"))).value == "one" and calls == ["one"]
    stale = await cache.get(2, lambda: derive("two", wait=True))  # served at once, derived behind
    assert (stale.value, stale.current) == ("one", False)
    await asyncio.sleep(0)  # the background derivation starts
    again = await cache.get(2, lambda: derive("twice"))
    assert (again.value, again.current) == ("one", False) and calls == ["one", "two"]  # one derivation
    gate.set()
    for _ in range(20):
        await asyncio.sleep(0)
    fresh = await cache.get(2, lambda: derive("never"))
    assert (fresh.value, fresh.current) == ("two", True)

    async def broken() -> str:
        raise RuntimeError("graph unreadable")

    assert (await cache.get(3, broken)).value == "two"  # a failed refresh keeps the old value
    for _ in range(20):
        await asyncio.sleep(0)
    assert cache.failures == 1 and (await cache.get(2, broken)).value == "two"
    empty: Refreshing[str] = Refreshing("empty")
    with pytest.raises(RuntimeError, match="unreadable"):  # nothing to serve: the request sees why
        await empty.get(1, broken)
    await cache.aclose()


async def test_the_server_start_derives_the_graph_before_the_first_page(tmp_path: Path) -> None:
    """`lnpilot serve`'s start (the app's lifespan) parses the stored graph snapshot: the first
    page reads it from memory."""
    import json

    from lnpilot.simnet import wire
    from lnpilot.simnet.generator import generate_graph

    graph = generate_graph(30, seed=3)
    raw = json.dumps(
        {
            "nodes": [wire.node(n) for n in graph.nodes.values()],
            "edges": [wire.edge(c) for c in graph.channels],
        }
    ).encode()
    settings = load_settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    store = await Store.open(settings)
    try:
        async with store.unit_of_work() as uow:
            snapshot_id = await uow.graph.add_snapshot(NOW, "test", 30, len(graph.channels), 0, raw=raw)
    finally:
        await store.close()
    services = await ApiServices.from_settings(settings)
    services.clock = lambda: float(NOW)
    app = create_app(settings, services)
    try:
        async with app.router.lifespan_context(app):
            web = app.state.web
            assert web.warming is not None
            await web.warming
            assert web.graph.derived_for == snapshot_id  # derived by the start, before any page
            info = await web.graph.get(services.store)
            assert info.snapshot_id == snapshot_id and len(info.aliases) == 30
    finally:
        await services.aclose()
