"""Done-when tests of issue 9 against simnet over real HTTPS (the kill test is separate)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.execution.actions import PolicyChange, RebalanceOrder
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.watch import check_auto_rollbacks
from lnpilot.store.records import TxStatus

testing = pytest.importorskip("lnpilot.simnet.testing")
from tests.execution.simnet_env import executor_env, truth_policy  # noqa: E402

DAY = 86_400


async def test_batch_shows_on_simnet_and_rollback_restores_every_field(tmp_path: Path) -> None:
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=5, seed=11) as handle:
        async with executor_env(handle, tmp_path / "db.sqlite") as env:
            before = env.truth()
            channels = sorted(before.values(), key=lambda c: str(c["chan_id"]))
            touched = channels[:2]
            changes = []
            for i, row in enumerate(touched):
                old = truth_policy(row)
                new = RoutingPolicy(
                    base_fee_msat=old.base_fee_msat + 7 + i,
                    fee_rate_ppm=old.fee_rate_ppm + 123 + i,
                    time_lock_delta=old.time_lock_delta + 6,
                    min_htlc_msat=old.min_htlc_msat + 1000,
                    max_htlc_msat=old.max_htlc_msat - 1_000_000,
                    inbound_base_fee_msat=-10 - i,
                    inbound_fee_rate_ppm=-25,
                )
                changes.append(PolicyChange(int(str(row["chan_id"])), str(row["channel_point"]), new))
            batch = await env.executor.apply(changes, Mode.LIVE)
            assert [r.status for r in batch.results] == [ItemStatus.APPLIED, ItemStatus.APPLIED]
            during = env.truth()
            for change in changes:
                assert truth_policy(during[change.channel_point]) == change.policy
            assert batch.tx_id is not None
            result = await env.executor.rollback(batch.tx_id)
            assert result.complete
            after = env.truth()
            for point, row in before.items():
                if point in {c.channel_point for c in changes}:
                    # Every field back to its exact previous value (last_update is a new gossip stamp).
                    assert after[point]["policy"] == row["policy"], point
                else:
                    assert after[point] == row or after[point]["policy"] == row["policy"]
            assert handle.sim.policy_updates == 4  # two changes, two restores, nothing else
            assert (await env.txlog.get(batch.tx_id)).status is TxStatus.ROLLED_BACK


async def test_bad_change_collapses_and_is_rolled_back_good_change_is_kept(tmp_path: Path) -> None:
    sim = testing.make_simulation(nodes=150, channels=6, seed=5, payments_per_day=40_000)
    with testing.running_simnet(tmp_path / "lnd", sim=sim) as handle:
        async with executor_env(handle, tmp_path / "db.sqlite") as env:
            await env.advance(DAY)  # a day of history before the change
            busiest = [c for c, _ in Counter(f.chan_id_out for f in handle.sim.forwards).most_common(2)]
            rows = {int(str(r["chan_id"])): r for r in env.truth().values()}
            bad_row, good_row = rows[busiest[0]], rows[busiest[1]]
            bad_old, good_old = truth_policy(bad_row), truth_policy(good_row)
            # Far above every competitor: 5 % plus 1,000 sat per forward.
            bad = PolicyChange(
                busiest[0],
                str(bad_row["channel_point"]),
                RoutingPolicy(
                    1_000_000, 50_000, bad_old.time_lock_delta, bad_old.min_htlc_msat, bad_old.max_htlc_msat
                ),
            )
            good = PolicyChange(
                busiest[1],
                str(good_row["channel_point"]),
                RoutingPolicy(
                    good_old.base_fee_msat,
                    good_old.fee_rate_ppm + 1,
                    good_old.time_lock_delta,
                    good_old.min_htlc_msat,
                    good_old.max_htlc_msat,
                ),
            )
            batch = await env.executor.apply([bad, good], Mode.LIVE)
            assert batch.ok
            await env.advance(DAY)
            outcomes = await check_auto_rollbacks(
                env.executor, now_s=handle.sim.now_s, window_s=DAY, drop_threshold=0.5, min_forwards=10
            )
            by_chan = {o.chan_id: o for o in outcomes}
            collapsed = by_chan[bad.chan_id].assessment
            print("bad:", collapsed.reason)
            print("good:", by_chan[good.chan_id].assessment.reason)
            assert collapsed.channel_after.forwards <= collapsed.channel_before.forwards // 5
            assert by_chan[bad.chan_id].rollback is not None and by_chan[bad.chan_id].rollback.complete
            assert by_chan[good.chan_id].rollback is None
            assert by_chan[good.chan_id].assessment.verdict.value == "keep"
            now = env.truth()
            assert truth_policy(now[bad.channel_point]) == bad_old
            assert truth_policy(now[good.channel_point]) == good.policy


async def test_rebalance_moves_liquidity_within_budget(tmp_path: Path) -> None:
    with testing.running_simnet(tmp_path / "lnd", nodes=150, channels=6, seed=7) as handle:
        async with executor_env(handle, tmp_path / "db.sqlite") as env:
            await env.advance(DAY)
            rows = sorted(env.truth().values(), key=lambda r: int(str(r["local_msat"])))
            target = rows[0]
            amount_sat = 50_000
            budget_msat = amount_sat * 1000 * 5000 // 1_000_000  # 5,000 ppm
            # Fullest sources first; a source whose peer offers no route back fails and moves nothing.
            for source in reversed(rows[1:]):
                before = {str(r["chan_id"]): int(str(r["local_msat"])) for r in env.truth().values()}
                order = RebalanceOrder(
                    target_chan_id=int(str(target["chan_id"])),
                    target_channel_point=str(target["channel_point"]),
                    source_chan_id=int(str(source["chan_id"])),
                    amount_sat=amount_sat,
                    max_fee_msat=budget_msat,
                    min_amount_sat=10_000,
                )
                (result,) = (await env.executor.apply([order], Mode.LIVE)).results
                after = {str(r["chan_id"]): int(str(r["local_msat"])) for r in env.truth().values()}
                if result.status is ItemStatus.FAILED:
                    assert after == before, result.detail
                    continue
                assert result.status is ItemStatus.APPLIED and result.rebalance is not None
                moved, fee = result.rebalance.moved_sat, result.rebalance.fee_msat
                assert fee <= budget_msat * moved // amount_sat
                gained = after[str(target["chan_id"])] - before[str(target["chan_id"])]
                spent = before[str(source["chan_id"])] - after[str(source["chan_id"])]
                assert gained == moved * 1000
                assert spent == moved * 1000 + fee
                assert result.rebalance.channel_earnings_msat is not None
                print(
                    f"rebalance: moved {moved} sat for {fee} msat (budget {budget_msat} msat), attempts "
                    f"{len(result.rebalance.attempts)}, cost/earnings {result.rebalance.cost_to_earnings}"
                )
                return
            pytest.fail("no source channel could rebalance into the target")
