"""The daemon against simnet through several cycles in each mode: the store and simnet agree.

shadow changes nothing on the node; pilot changes only the allow-listed channels; live changes
some. Every decision lands in the shadow log, no_action included. The live run is also issue 12's
check: a daemon cycle moves the metrics it should, visible on the daemon's /metrics port.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx

from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.simnet.server import free_port
from lnpilot.simnet.testing import SimnetHandle, running_simnet
from lnpilot.store import Store
from lnpilot.store.records import TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog
from tests.daemon.daemon_env import control, daemon_settings, make_daemon, sim_policies

CYCLES = 3
CHANNELS = 6


async def _store_policies(settings: object, chan_ids: list[int]) -> dict[int, tuple[int, int]]:
    store = await Store.open(settings)  # type: ignore[arg-type]
    try:
        async with store.unit_of_work() as uow:
            out = {}
            for chan_id in chan_ids:
                p = await uow.policies.current(chan_id)
                assert p is not None, chan_id
                out[chan_id] = (p.base_fee_msat, p.fee_rate_ppm)
            return out
    finally:
        await store.close()


async def _run(handle: SimnetHandle, tmp_path: Path, mode: Mode, **extra: object) -> dict[str, object]:
    control(handle, "POST", "/simnet/clock/advance", {"seconds": 86_400})  # traffic to decide on
    before = sim_policies(handle)
    settings = daemon_settings(handle, tmp_path / "data", **extra)  # type: ignore[arg-type]
    metrics = Metrics()
    daemon = make_daemon(handle, settings, mode, metrics=metrics)
    await daemon.start()
    reports = []
    scraped = ""
    try:
        for _ in range(CYCLES):
            report = await daemon.cycle()
            assert report is not None
            reports.append(report)
            await daemon.clock.wait(settings.daemon.cycle_seconds, daemon.stop)
        port = settings.daemon.metrics_port
        if port is not None:
            async with httpx.AsyncClient() as client:
                scraped = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    finally:
        await daemon.close()
    after = sim_policies(handle)
    store = await Store.open(settings)
    try:
        async with store.unit_of_work() as uow:
            decisions = await uow.decisions.search(limit=10_000)
            node_scores = await uow.scores.count_latest("node")
            channel_scores = await uow.scores.count_latest("channel")
        txs = await SqlTransactionLog(store).recent(limit=1000)
    finally:
        await store.close()
    stored = await _store_policies(settings, sorted(after))
    return {
        "before": before,
        "after": after,
        "stored": stored,
        "reports": reports,
        "decisions": [d for d in decisions if d.params.get("source") == "daemon"],
        "txs": txs,
        "scores": (node_scores, channel_scores),
        "scraped": scraped,
        "updates": handle.sim.policy_updates,
    }


def _common_checks(out: dict[str, object]) -> None:
    decisions = out["decisions"]
    assert isinstance(decisions, list)
    per_cycle = Counter(d.params["cycle_id"] for d in decisions)
    # Every cycle recorded one decision per channel, no_action included, with state and reasons.
    assert len(per_cycle) == CYCLES and set(per_cycle.values()) == {CHANNELS}
    for d in decisions:
        assert d.reasons and "state_before" in d.params and "proposal" in d.params
        assert d.params["state_before"]["capacity_sat"] > 0
        assert d.would_execute == (d.params["verdict"]["approved"] and d.type != "no_action")
    assert out["stored"] == out["after"], "the store's current policies are the node's"
    node_scores, channel_scores = out["scores"]  # type: ignore[misc]
    assert node_scores > 100 and channel_scores == CHANNELS
    for tx in out["txs"]:  # type: ignore[attr-defined]
        assert tx.status in {TxStatus.APPLIED, TxStatus.FAILED, TxStatus.RECONCILED}


async def test_shadow_changes_nothing_on_the_node(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd", nodes=120, channels=CHANNELS, seed=3) as handle:
        out = await _run(handle, tmp_path, Mode.SHADOW)
    _common_checks(out)
    assert out["after"] == out["before"] and out["updates"] == 0
    assert out["txs"] == []
    decisions = out["decisions"]
    assert isinstance(decisions, list)
    assert any(d.would_execute for d in decisions), "shadow mode had nothing it would have done"
    executed = [d.params["execution"] for d in decisions if d.params["execution"] is not None]
    assert executed and {e["status"] for e in executed} == {"shadow"}


async def test_pilot_changes_only_the_allow_listed_channels(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd", nodes=120, channels=CHANNELS, seed=3) as handle:
        chan_ids = sorted(sim_policies(handle))
        allowed = chan_ids[: CHANNELS // 2]
        out = await _run(
            handle,
            tmp_path,
            Mode.PILOT,
            execution={"mode": "pilot", "pilot_channels": [str(c) for c in allowed]},
        )
    _common_checks(out)
    before, after = out["before"], out["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    changed = {c for c in after if after[c] != before[c]}
    assert changed, "pilot mode changed nothing at all"
    assert changed <= set(allowed)
    decisions = out["decisions"]
    assert isinstance(decisions, list)
    outside = [d for d in decisions if d.chan_id not in allowed and d.would_execute]
    assert outside and all(d.params["execution"]["status"] == "shadow" for d in outside)


async def test_live_changes_the_node_and_moves_the_metrics(tmp_path: Path) -> None:
    port = free_port()
    with running_simnet(tmp_path / "lnd", nodes=120, channels=CHANNELS, seed=3) as handle:
        out = await _run(handle, tmp_path, Mode.LIVE, daemon={"cycle_seconds": 21_600, "metrics_port": port})
    _common_checks(out)
    before, after = out["before"], out["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert any(after[c] != before[c] for c in after)
    assert out["updates"] > 0
    text = out["scraped"]
    assert isinstance(text, str)
    for needle in (
        f'lnpilot_cycle_duration_seconds_count{{outcome="ok"}} {float(CYCLES)}',
        f'lnpilot_sync_duration_seconds_count{{outcome="ok"}} {float(CYCLES)}',
        "lnpilot_sync_last_success_timestamp_seconds ",
        'lnpilot_backend_up{backend="simnet"} 1.0',
        "lnpilot_daemon_up 1.0",
        'lnpilot_routing_revenue_sat{window="day"}',
        "lnpilot_graph_snapshot_age_seconds ",
    ):
        assert needle in text, needle
    decided = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("lnpilot_decisions_total{")
    )
    assert decided == CYCLES * CHANNELS
    forwards = [line for line in text.splitlines() if line.startswith("lnpilot_forwards_total ")]
    assert forwards and float(forwards[0].split()[1]) > 0
    assert 'mode="live"' in text and "lnpilot_executions_total{" in text
