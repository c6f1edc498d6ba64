"""Issue 19's done-when: lnpilot's commands and daemon through the real LNbits in front of simnet.

LNbits 1.6.2 (LndRestWallet, node UI on, first install claimed) runs from ``.venv-lnbits``; the
public graph (and with it our channels' time locks and HTLC limits, which LNbits does not report)
comes from a describegraph snapshot file, as an LNbits user would configure it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lnpilot.backends.base import BackendNotFound, Capability, CapabilityMissing, PolicyUpdateFailed
from lnpilot.backends.graph_source import GraphSource
from lnpilot.backends.http import Secret
from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.cli.main import main
from lnpilot.domain.balance_flow import FORWARDS_NOT_MEASURED
from lnpilot.settings import load_settings
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from tests.lnbits.lnbits_process import running_lnbits
from tests.lnbits.stack import (
    PASSWORD,
    USER,
    Stack,
    configure,
    prepare,
    run_json,
    truth_fees,
    write_snapshot,
)


async def _recorded_changes() -> list[tuple[int, Any]]:
    """Every policy change lnpilot recorded (sync, executor, rollback), oldest first."""
    return [(chan_id, policy) for chan_id, policy, _source in await _recorded_with_source()]


async def _recorded_with_source() -> list[tuple[int, Any, str]]:
    from sqlalchemy import select

    from lnpilot.store.codec import policy_from_json
    from lnpilot.store.tables import policy_changes as t

    store = await Store.open(load_settings())
    try:
        async with store.engine.connect() as conn:
            rows = (await conn.execute(select(t).order_by(t.c.changed_at, t.c.id))).mappings().all()
    finally:
        await store.close()
    return [(int(r["chan_id"]), policy_from_json(r["new_policy"]), str(r["source"])) for r in rows]


Fees = tuple[int, int, int]


def _log_simnet_updates(simnet: SimnetHandle, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Fees]]:
    """Every policy simnet applies from now on, in order (what LNbits' PUTs reached)."""
    applied: list[tuple[int, Fees]] = []
    original = simnet.sim.set_policy

    def set_policy(channel: Any, policy: Any) -> None:
        original(channel, policy)
        applied.append((channel.chan_id, (policy.base_fee_msat, policy.fee_rate_ppm, policy.time_lock_delta)))

    monkeypatch.setattr(simnet.sim, "set_policy", set_policy)
    return applied


def _per_channel(changes: list[tuple[int, Fees]]) -> dict[int, list[Fees]]:
    out: dict[int, list[Fees]] = {}
    for chan_id, fees in changes:
        out.setdefault(chan_id, []).append(fees)
    return out


def _assert_latest_equal_truth(changes: list[tuple[int, Any]], truth: dict[int, tuple[int, int, int]]) -> int:
    latest = dict(changes)
    for chan_id, policy in latest.items():
        assert (policy.base_fee_msat, policy.fee_rate_ppm, policy.time_lock_delta) == truth[chan_id], chan_id
    return len(latest)


def test_commands_and_daemon_through_lnbits_match_simnet(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, stack, tmp_path)
    simnet = stack.simnet
    applied_by_simnet = _log_simnet_updates(simnet, monkeypatch)

    report = run_json(capsys, "sync")
    assert report["channels"] == 8 and report["policy_changes"] == 8
    # Honest degradation: what LNbits cannot give is named, not faked.
    assert "forwarding_history" in report["skipped"]["forwards"]
    assert "closed_channels" in report["skipped"]["closed_channels"]
    assert report["graph_nodes"] and report["graph_nodes"] > 100
    assert _assert_latest_equal_truth(asyncio.run(_recorded_changes()), truth_fees(simnet)) == 8

    channels = run_json(capsys, "channels")
    assert len(channels["channels"]) == 8

    decided = run_json(capsys, "decide")
    assert len(decided) == 8 and all(d["reasons"] for d in decided)
    for decision in decided:  # LNbits' missing forwards are unknown, never "sold nothing"
        text = " | ".join(decision["reasons"])
        assert FORWARDS_NOT_MEASURED in text and "the fee only approaches the prior from below" in text, text
        assert not any(
            f"{step})" in text for step in ("explore", "probe", "continue", "revert", "sold-out")
        ), text
    from_store = run_json(capsys, "decide", "--from", "store")
    assert not any("policy is unknown" in " ".join(d["reasons"]) for d in from_store)

    before = truth_fees(simnet)
    applied = run_json(capsys, "apply", "--execute", "--mode", "live", "--from", "store")
    changed = [r for r in applied["results"] if r["changed"]]
    assert changed, applied["results"]
    for result in changed:
        assert result["status"] == "applied", result
        assert "not readable here" in result["detail"] and "time_lock_delta" in result["detail"]
    after_apply = truth_fees(simnet)
    assert after_apply != before
    assert _assert_latest_equal_truth(asyncio.run(_recorded_changes()), after_apply) == 8

    capsys.readouterr()
    code = main(["run", "--cycles", "3", "--mode", "live"])
    assert code == 0
    truth = truth_fees(simnet)
    changes = asyncio.run(_recorded_changes())
    _assert_latest_equal_truth(changes, truth)

    _assert_revenue_is_not_measured(capsys, simnet, tmp_path)

    tx_id = applied["tx_id"]
    # The daemon's cycles may have changed the same channels since: a plain rollback refuses to
    # undo them (issue 17), so the operator forces it, and the log marks what it overrode.
    rolled = run_json(capsys, "rollback", str(tx_id), "--force")
    assert rolled["complete"] and all(r["status"] == "applied" for r in rolled["results"]), rolled
    restored = truth_fees(simnet)
    for result in changed:
        chan_id = int(result["chan_id"])
        assert restored[chan_id][:2] == before[chan_id][:2], chan_id
    _assert_latest_equal_truth(asyncio.run(_recorded_changes()), restored)
    # Every change lnpilot recorded after the first sync (executor, daemon, rollback) is one simnet
    # applied, in the same order per channel, and simnet applied nothing lnpilot did not record.
    recorded = [
        (chan_id, (p.base_fee_msat, p.fee_rate_ppm, p.time_lock_delta))
        for chan_id, p, source in asyncio.run(_recorded_with_source())
        if source != "initial"
    ]
    assert len(recorded) >= len(changed) * 2  # the apply and the rollback at least
    assert _per_channel(recorded) == _per_channel(applied_by_simnet)


def _assert_revenue_is_not_measured(
    capsys: pytest.CaptureFixture[str], simnet: SimnetHandle, tmp_path: Path
) -> None:
    """``pnl``, ``ledger`` and ``report`` through LNbits: revenue absent, LNbits' node-wide sums shown."""
    run_json(capsys, "sync")
    with simnet.sim.lock:
        now = simnet.sim.now_s
        truth = [simnet.sim.fees_earned_msat(now - days * 86_400) // 1000 for days in (1, 7, 30)]
    pnl = run_json(capsys, "pnl", "--by", "channel")
    assert pnl["revenue_measured"] is False and "no per-channel forwards" in pnl["revenue_note"]
    assert len(pnl["rows"]) == 8 and {r["revenue_msat"] for r in pnl["rows"]} == {None}
    sums = pnl["node_fee_sums"]
    assert [sums["day_sat"], sums["week_sat"], sums["month_sat"]] == truth  # LNbits' figures, via LND
    capsys.readouterr()
    assert main(["ledger", "--format", "json"]) == 0
    ledger = json.loads(capsys.readouterr().out)
    assert ledger["totals_msat"]["forward_fee"] is None and ledger["totals_msat"]["profit"] is None
    assert main(["report", "--format", "md", "--output", str(tmp_path / "r.md")]) == 0
    text = (tmp_path / "r.md").read_text()
    assert "| forwards | not measured (routing revenue not measured" in text
    assert "unknown (routing revenue not measured)" in text


def _set_time_lock(simnet: SimnetHandle, chan_id: int, time_lock: int) -> None:
    channel = next(c for c in simnet.sim.channels if c.chan_id == chan_id)
    simnet.sim.set_policy(channel, replace(channel.policy, time_lock_delta=time_lock))


def test_a_time_lock_other_than_80_is_not_reset_without_the_opt_in(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simnet = stack.simnet
    chan_id = min(truth_fees(simnet))
    _set_time_lock(simnet, chan_id, 40)
    asyncio.run(write_snapshot(simnet, stack.snapshot))
    configure(monkeypatch, stack, tmp_path)
    run_json(capsys, "sync")
    before = truth_fees(simnet)[chan_id]

    args = ("apply", "--execute", "--mode", "live", "--from", "store", "--channel", str(chan_id))
    refused = run_json(capsys, *args)
    (result,) = refused["results"]
    assert result["status"] == "failed" and not result["changed"]
    assert "reset the time lock" in result["detail"] and "40 to 80" in result["detail"]
    assert "allow_time_lock_reset" in result["detail"]
    assert truth_fees(simnet)[chan_id] == before  # nothing reached the node

    configure(monkeypatch, stack, tmp_path, allow_reset=True)
    allowed = run_json(capsys, *args)
    (result,) = allowed["results"]
    assert result["status"] == "applied" and result["changed"], result
    after = truth_fees(simnet)[chan_id]
    assert after[2] == 80 and after[:2] != before[:2]
    # What lnpilot recorded is what simnet holds, the forced time lock included.
    recorded = [p for c, p in asyncio.run(_recorded_changes()) if c == chan_id][-1]
    assert (recorded.base_fee_msat, recorded.fee_rate_ppm, recorded.time_lock_delta) == after


async def test_graph_and_policy_through_lnbits_with_and_without_a_snapshot(stack: Stack) -> None:

    simnet = stack.simnet
    await write_snapshot(simnet, stack.snapshot)
    with simnet.sim.lock:
        channel = simnet.sim.channels[0]
        chan_id, point, peer = channel.chan_id, channel.channel_point, channel.peer_pubkey
    async with LnbitsBackend(stack.lnbits_url, username=USER, password=PASSWORD) as bare:
        assert Capability.DESCRIBE_GRAPH not in bare.capabilities
        for call in (bare.get_policy(point), bare.describe_graph(), bare.get_edge(chan_id)):
            with pytest.raises(CapabilityMissing, match="graph_source"):
                await call
    source = GraphSource(str(stack.snapshot))
    async with LnbitsBackend(
        stack.lnbits_url, username=USER, password=PASSWORD, graph_source=source
    ) as lnbits:
        assert Capability.DESCRIBE_GRAPH in lnbits.capabilities
        assert (await lnbits.get_edge(chan_id)).capacity_sat == channel.capacity_sat
        assert (await lnbits.get_node(peer)).pub_key == peer
        assert json.loads(await lnbits.describe_graph())["edges"]
        policy = await lnbits.get_policy(point)
        with simnet.sim.lock:
            truth = channel.policy
        assert (policy.base_fee_msat, policy.fee_rate_ppm, policy.time_lock_delta) == (
            truth.base_fee_msat,
            truth.fee_rate_ppm,
            truth.time_lock_delta,
        )
        # An expired (here: forged) token is renewed by logging in again, once.
        lnbits._token = Secret("expired-token")
        assert len(await lnbits.list_channels()) == 8
        # A request to change what LNbits cannot send is refused before anything is sent.
        with pytest.raises(PolicyUpdateFailed, match="cannot set max_htlc_msat"):
            await lnbits.update_channel_policy(point, replace(policy, max_htlc_msat=policy.max_htlc_msat + 1))
        with pytest.raises(BackendNotFound):
            await lnbits.get_policy("cd" * 32 + ":7")


def test_sync_without_a_snapshot_names_what_is_missing(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, stack, tmp_path)
    (tmp_path / "lnpilot.toml").write_text("[daemon]\ncycle_seconds = 0.05\n")
    report = run_json(capsys, "sync")
    assert report["channels"] == 8 and report["policy_changes"] == 0
    assert "graph_source" in report["skipped"]["fee_report"]
    assert "describe_graph" in report["skipped"]["graph"]


def test_node_ui_disabled_is_one_clear_line(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    simnet = stack.simnet
    env = {
        "LNBITS_BACKEND_WALLET_CLASS": "LndRestWallet",
        "LNBITS_NODE_UI": "false",
        "LND_REST_ENDPOINT": simnet.url,
        "LND_REST_CERT": str(simnet.tls_cert_path),
        "LND_REST_MACAROON": str(simnet.admin_macaroon_path),
    }
    with running_lnbits(tmp_path / "lnbits-no-node-ui", env) as url:
        asyncio.run(prepare(url, simnet, tmp_path / "unused.json"))
        configure(monkeypatch, Stack(simnet, url, stack.snapshot), tmp_path)
        capsys.readouterr()
        assert main(["sync"]) == 1
        err = capsys.readouterr().err
    assert "node API is disabled" in err and "LNBITS_NODE_UI=true" in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


async def test_a_rebalance_through_lnbits_is_recommended_never_executed(stack: Stack, tmp_path: Path) -> None:
    from lnpilot.execution.actions import RebalanceOrder
    from lnpilot.execution.executor import Executor
    from lnpilot.execution.plan import Mode
    from lnpilot.store.repos.transaction_log import SqlTransactionLog

    simnet = stack.simnet
    with simnet.sim.lock:
        target, source = simnet.sim.channels[0], simnet.sim.channels[1]
    order = RebalanceOrder(
        target_chan_id=target.chan_id,
        target_channel_point=target.channel_point,
        source_chan_id=source.chan_id,
        amount_sat=50_000,
        max_fee_msat=10_000,
        min_amount_sat=10_000,
        reasons=("test",),
    )
    settings = load_settings(data_dir=tmp_path)
    store = await Store.open(settings)
    try:
        async with LnbitsBackend(stack.lnbits_url, username=USER, password=PASSWORD) as lnbits:
            executor = Executor(lnbits, SqlTransactionLog(store))
            batch = await executor.apply([order], Mode.LIVE)
    finally:
        await store.close()
    (result,) = batch.results
    assert result.status.value == "refused" and not result.changed
    assert "outgoing channel and last hop" in result.detail and "recommendation" in result.detail
