"""Kill a live batch at every step in turn; after restart + reconcile the log and the node agree,
and re-running the batch applies nothing twice (counted by simnet itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from lnpilot.execution.crash import CRASH_ENV, CRASH_EXIT_CODE, STEPS
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.verify import policy_from, policy_json, same_policy
from lnpilot.store.records import TxStatus

testing = pytest.importorskip("lnpilot.simnet.testing")
from tests.execution.simnet_env import Env, executor_env, truth_policy  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = 3
# (step, n-th arrival): per-channel steps are hit once per channel, batch steps once.
SCENARIOS = [
    (step, n)
    for step in STEPS
    for n in (range(1, CHANNELS + 1) if step in {"logged", "sent", "marked"} else (1,))
]


def _spec(env: Env, db: Path) -> tuple[dict[str, object], list[tuple[str, object]]]:
    rows = sorted(env.truth().values(), key=lambda r: str(r["chan_id"]))[:CHANNELS]
    changes = []
    for i, row in enumerate(rows):
        old = truth_policy(row)
        new = replace(old, fee_rate_ppm=old.fee_rate_ppm + 50 + i, base_fee_msat=old.base_fee_msat + 1)
        changes.append([str(row["chan_id"]), str(row["channel_point"]), policy_json(new)])
    spec = {
        "url": env.handle.url,
        "cert": str(env.handle.tls_cert_path),
        "macaroon": str(env.handle.admin_macaroon_path),
        "db": str(db),
        "now": env.handle.sim.now_s,  # simnet's clock, so both processes log on one time line
        "changes": changes,
    }
    return spec, [(str(c[1]), c[2]) for c in changes]


async def _log_agrees_with_node(env: Env) -> None:
    """Nothing left open, and each channel's latest log entry says what the node really has."""
    truth = env.truth()
    seen: set[str] = set()
    for record in sorted(await env.txlog.recent(limit=100), key=lambda r: -(r.id or 0)):  # newest first
        assert record.status not in {TxStatus.PENDING, TxStatus.IN_FLIGHT}, record
        for item in record.items:
            if item.channel_point in seen:
                continue
            seen.add(item.channel_point)
            status = (item.result or {}).get("status")
            live = truth_policy(truth[item.channel_point])
            if status in {ItemStatus.APPLIED.value, ItemStatus.UNCHANGED.value}:
                assert same_policy(live, policy_from(item.requested_policy)), (record.id, item)
            else:
                assert status == ItemStatus.NOT_APPLIED.value, (record.id, item)
                assert same_policy(live, policy_from(item.backup_policy)), (record.id, item)


@pytest.mark.parametrize(("step", "n"), SCENARIOS, ids=[f"{s}-{n}" for s, n in SCENARIOS])
async def test_kill_at_step_then_reconcile(tmp_path: Path, step: str, n: int) -> None:
    db = tmp_path / "db.sqlite"
    with testing.running_simnet(tmp_path / "lnd", nodes=80, channels=CHANNELS + 1, seed=3) as handle:
        async with executor_env(handle, db) as env:
            spec, requested = _spec(env, db)
            untouched = {
                p: r["policy"] for p, r in env.truth().items() if p not in {point for point, _ in requested}
            }
        env_vars = {**os.environ, CRASH_ENV: f"{step}:{n}"}
        victim = subprocess.run(
            [sys.executable, "-m", "tests.execution.crash_worker", json.dumps(spec)],
            cwd=ROOT,
            env=env_vars,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert victim.returncode == CRASH_EXIT_CODE, victim.stderr[-2000:]
        sent_before_restart = handle.sim.policy_updates

        # Restart: a new executor on the same database reconciles before anything else.
        async with executor_env(handle, db) as env:
            outcomes = await env.executor.reconcile()
            # The step killed decides what reconcile must find on the node for the n-th channel.
            expected = {"logged": [ItemStatus.NOT_APPLIED], "sent": [ItemStatus.APPLIED]}.get(step, [])
            assert [o.status for o in outcomes] == expected
            await _log_agrees_with_node(env)
            assert handle.sim.policy_updates == sent_before_restart  # reconcile sends nothing

            # Re-running the same batch completes it without sending anything twice.
            from lnpilot.execution.actions import PolicyChange

            changes = [
                PolicyChange(int(c[0]), str(c[1]), policy_from(c[2]))  # type: ignore[arg-type]
                for c in spec["changes"]  # type: ignore[attr-defined]
            ]
            rerun = await env.executor.apply(changes, Mode.LIVE)
            assert rerun.ok, rerun
            await _log_agrees_with_node(env)
            truth = env.truth()
            for point, policy in requested:
                assert same_policy(truth_policy(truth[point]), policy_from(policy))  # type: ignore[arg-type]
            assert handle.sim.policy_updates == CHANNELS  # each channel's update sent exactly once
            assert {p: truth[p]["policy"] for p in untouched} == untouched
