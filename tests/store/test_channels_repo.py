"""Our channels, their snapshots, their policy history, and graph snapshots with metrics."""

from __future__ import annotations

from lnpilot.domain.channel_view import ChannelSnapshot, PolicyChange
from lnpilot.domain.node import ClosedChannel, LocalChannel
from lnpilot.store import Store
from tests.store.factories import metrics, policy, pubkey

TXID = "ab" * 32


def _channel(chan_id: int, local: int = 600_000, active: bool = True) -> LocalChannel:
    return LocalChannel(
        chan_id=chan_id,
        channel_point=f"{TXID}:{chan_id % 10}",
        remote_pubkey=pubkey(chan_id),
        capacity_sat=1_000_000,
        local_balance_sat=local,
        remote_balance_sat=1_000_000 - local,
        active=active,
        uptime_s=3600 if active else None,
        lifetime_s=7200,
    )


async def test_open_then_closed_channels(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.channels.record_open([_channel(1), _channel(2)], now=100) == 2
        await uow.channels.record_open([_channel(1)], now=200)
    closed = ClosedChannel(
        chan_id=2,
        channel_point=f"{TXID}:2",
        remote_pubkey=pubkey(2),
        capacity_sat=1_000_000,
        close_height=800_000,
        settled_balance_sat=590_000,
        close_type="COOPERATIVE_CLOSE",
        closing_tx_hash="cd" * 32,
    )
    never_seen = ClosedChannel(5, f"{TXID}:5", pubkey(5), 500_000, 700_000, 0, "REMOTE_FORCE_CLOSE")
    async with store.unit_of_work() as uow:
        assert await uow.channels.record_closed([closed, never_seen], now=300) == 2
        assert await uow.channels.record_closed([closed], now=400) == 0  # already known closed
    async with store.unit_of_work() as uow:
        one = await uow.channels.get(1)
        assert one is not None and (one.first_seen_at, one.last_seen_at, one.closed) == (100, 200, False)
        two = await uow.channels.get(2)
        assert two is not None and two.closed and two.close_type == "COOPERATIVE_CLOSE"
        assert two.first_seen_at == 100 and two.settled_balance_sat == 590_000
        five = await uow.channels.get(5)
        assert five is not None and five.closed and five.closing_tx_hash is None
        assert [c.chan_id for c in await uow.channels.all()] == [1]
        assert await uow.channels.count() == 1
        assert await uow.channels.count(include_closed=True) == 3
        assert len(await uow.channels.all(include_closed=True)) == 3
        await uow.channels.touch(1, 500)
        touched = await uow.channels.get(1)
        assert touched is not None and touched.last_seen_at == 500
        assert await uow.channels.get(99) is None


async def test_snapshots_keep_unknown_uptime_as_none(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.channels.add_snapshots([_channel(1), _channel(2, active=False)], taken_at=100)
        await uow.channels.add_snapshots([_channel(1, local=500_000)], taken_at=200)
        assert await uow.channels.add_snapshots([], taken_at=300) == 0
    async with store.unit_of_work() as uow:
        assert await uow.channels.snapshots(1) == (
            ChannelSnapshot(100, 600_000, 400_000, True, 1_000_000, 3600, 7200),
            ChannelSnapshot(200, 500_000, 500_000, True, 1_000_000, 3600, 7200),
        )
        assert (await uow.channels.snapshots(2))[0].uptime_s is None
        assert len(await uow.channels.snapshots(1, since=150)) == 1
        assert await uow.channels.prune_snapshots(before=150) == 2
        assert len(await uow.channels.snapshots(1)) == 1


async def test_policy_history(store: Store) -> None:
    first = PolicyChange(changed_at=100, old=None, new=policy(100), source="initial")
    second = PolicyChange(changed_at=200, old=policy(100), new=policy(150), source="external")
    async with store.unit_of_work() as uow:
        assert await uow.policies.latest(7) is None
        assert await uow.policies.current(7) is None
        await uow.policies.add(7, first)
        await uow.policies.add(7, second)
    async with store.unit_of_work() as uow:
        assert await uow.policies.latest(7) == second
        assert await uow.policies.current(7) == policy(150)
        assert await uow.policies.history(7) == (first, second)
        assert await uow.policies.history(7, since=150) == (second,)
        assert await uow.policies.history(8) == ()


async def test_graph_snapshots_and_metrics(store: Store) -> None:
    raw = b'{"nodes": [], "edges": []}' * 100
    async with store.unit_of_work() as uow:
        assert await uow.graph.latest_snapshot() is None
        old = await uow.graph.add_snapshot(100, "backend", 2, 1, 5_000_000, raw=raw)
        await uow.graph.add_metrics(old, 100, [metrics(pubkey(1), degree=1), metrics(pubkey(2))])
        new = await uow.graph.add_snapshot(200, "backend", 2, 1, 5_000_000)
        await uow.graph.add_metrics(new, 200, [metrics(pubkey(1), degree=5)])
        assert await uow.graph.add_metrics(new, 200, []) == 0
    async with store.unit_of_work() as uow:
        latest = await uow.graph.latest_snapshot()
        assert latest is not None and latest.id == new and latest.taken_at == 200
        assert await uow.graph.raw_graph(old) == raw
        assert await uow.graph.raw_graph(new) is None
        assert await uow.graph.latest_metrics(pubkey(1)) == metrics(pubkey(1), degree=5)
        assert [t for t, _ in await uow.graph.metrics_history(pubkey(1))] == [200, 100]
        assert await uow.graph.latest_metrics(pubkey(9)) is None
        assert len(await uow.graph.metrics_of_snapshot(old)) == 2
        # Pruning everything older than 300 still keeps the newest snapshot.
        assert await uow.graph.prune(before=300) == 1
        assert await uow.graph.metrics_of_snapshot(old) == []
        assert (await uow.graph.latest_snapshot()) == latest
        # A new raw graph replaces the stored one: only the newest raw copy is kept.
        newest = await uow.graph.add_snapshot(300, "backend", 0, 0, 0, raw=b"{}")
        await uow.graph.add_snapshot(310, "backend", 0, 0, 0, raw=b'{"nodes": []}')
        assert await uow.graph.raw_graph(newest) is None
