"""Done-when: against simnet, sync twice adds nothing the second time; a day later, exactly the new."""

from __future__ import annotations

import time
from pathlib import Path

from lnpilot.backends.factory import make_backend
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.sync import SyncJob
from tests.sync.simnet_client import Key, advance, simnet_settings, truth_forwards

DAY = 86_400


async def _stored_keys(store: Store) -> list[Key]:
    async with store.unit_of_work() as uow:
        return [e.natural_key for e in await uow.forwards.between(0, 1 << 62)]


async def test_sync_is_idempotent_and_adds_exactly_the_new_forwards(
    simnet: SimnetHandle, store: Store, tmp_path: Path
) -> None:
    settings = simnet_settings(simnet, tmp_path / "data")
    backend = make_backend(settings)
    job = SyncJob(backend, store, settings.sync, graph_max_age_s=settings.daemon.graph_refresh_seconds)
    try:
        assert await advance(simnet, DAY) > 0
        truth = await truth_forwards(simnet)
        now = int(time.time())

        first = await job.run(now)
        assert first.forwards_added == len(set(truth)) == len(truth)
        assert sorted(await _stored_keys(store)) == sorted(truth)
        assert first.channels == len(simnet.sim.channels)
        assert first.policy_changes == len(simnet.sim.channels)  # the initial policy of each channel
        assert first.graph_nodes is not None and first.graph_nodes > 100

        second = await job.run(now + 60)
        assert (second.forwards_added, second.policy_changes, second.closed_channels_new) == (0, 0, 0)
        assert second.graph_snapshot_id is None and "graph" in second.skipped

        assert await advance(simnet, DAY) > 0
        new_truth = await truth_forwards(simnet)
        third = await job.run(now + 120)
        assert third.forwards_added == len(new_truth) - len(truth) > 0
        assert sorted(await _stored_keys(store)) == sorted(new_truth)
        assert third.forwards_high_water_ns == max(k[0] for k in new_truth)

        async with store.unit_of_work() as uow:
            marks = {m.kind: m for m in await uow.sync_state.all()}
            assert set(marks) == {
                "channels",
                "fee_report",
                "forwards",
                "closed_channels",
                "chain",
                "payments",
                "invoices",
                "graph",
            }
            assert marks["forwards"].synced_at == now + 120
            assert await uow.channels.count() == len(simnet.sim.channels)
            chan_id = simnet.sim.channels[0].chan_id
            assert len(await uow.channels.snapshots(chan_id)) == 3
            snapshot = await uow.graph.latest_snapshot()
            assert snapshot is not None and snapshot.node_count == first.graph_nodes
            assert len(await uow.graph.metrics_of_snapshot(snapshot.id)) == snapshot.node_count
    finally:
        await backend.aclose()


async def test_external_policy_change_is_recorded(simnet: SimnetHandle, store: Store, tmp_path: Path) -> None:
    settings = simnet_settings(simnet, tmp_path / "data")
    backend = make_backend(settings)
    job = SyncJob(backend, store, settings.sync)
    try:
        await job.run(1_000, kinds=("fee_report",))
        channel = simnet.sim.channels[0]
        before = channel.policy
        # Someone else (another tool, the operator) changes the fee on the node.
        changed = RoutingPolicy(
            base_fee_msat=before.base_fee_msat,
            fee_rate_ppm=before.fee_rate_ppm + 77,
            time_lock_delta=before.time_lock_delta,
            min_htlc_msat=before.min_htlc_msat,
            max_htlc_msat=before.max_htlc_msat,
        )
        simnet.sim.set_policy(channel, changed)
        report = await job.run(2_000, kinds=("fee_report",))
        assert report.policy_changes == 1
        async with store.unit_of_work() as uow:
            history = await uow.policies.history(channel.chan_id)
        assert [c.source for c in history] == ["initial", "external"]
        assert history[1].old == history[0].new
        assert history[1].new.fee_rate_ppm == before.fee_rate_ppm + 77
        assert history[1].changed_at == 2_000
        assert (await job.run(3_000, kinds=("fee_report",))).policy_changes == 0
    finally:
        await backend.aclose()
