"""Done-when of issue 25: a fleet of three simnet nodes, two job workers over the real RabbitMQ,
one scheduler, one shared PostgreSQL; a worker killed -9 mid-cycle; every node's store equals its
simnet's truth and nothing was applied twice."""

from __future__ import annotations

import os
import signal
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from lnpilot.fleet.scheduler import Scheduler, job_outcome
from lnpilot.jobs.arena import start_local_workers, stop_workers
from lnpilot.jobs.engine import Engine, JobConfig, make_engine
from lnpilot.jobs.running import running_jobs
from lnpilot.settings import load_settings
from lnpilot.simnet.testing import running_simnet
from tests.daemon.daemon_env import control
from tests.fleet.fleet_env import fleet_toml, node_view, sim_policies, wait_in_flight
from tests.store.databases import fresh_postgres

pytestmark = pytest.mark.service
SEEDS = {"n1": 11, "n2": 12, "n3": 13}
CYCLE_S = 21_600  # each node's daemon.cycle_seconds; the scheduler's clock is the test's
LATENCY_MS = 1500


def _wait_all(engine: Engine, messages: list[Any], timeout_s: float = 600.0) -> dict[str, dict[str, Any]]:
    out = {}
    for message in messages:
        outcome = job_outcome(engine, message, timeout_s=timeout_s)
        assert outcome is not None, f"job {message.args} did not finish"
        out[outcome["node"]] = outcome
    return out


def _print_worker_output(procs: list[Any]) -> None:
    for proc in procs:
        print(f"--- worker {proc.pid}:", *list(getattr(proc, "output_tail", []))[-20:], sep="\n")


def _advance(handles: dict[str, Any], now: list[float]) -> None:
    """Six hours of traffic on every node, and the scheduler's clock as far."""
    for handle in handles.values():
        control(handle, "POST", "/simnet/clock/advance", {"seconds": CYCLE_S})
    now[0] += CYCLE_S


def _running_pid(config: JobConfig, node: str, timeout_s: float = 60.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for job in running_jobs(config.results_url, config.namespace):
            if job.label == node:
                return job.pid
        time.sleep(0.2)
    raise AssertionError(f"no worker is running node {node}'s cycle")


def test_fleet_of_three_nodes_two_workers_a_kill_and_the_truth(
    tmp_path: Path, job_config: JobConfig, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ExitStack() as stack:
        database = stack.enter_context(fresh_postgres(postgres_url))
        handles = {
            name: stack.enter_context(running_simnet(tmp_path / name, nodes=80, channels=5, seed=seed))
            for name, seed in SEEDS.items()
        }
        for handle in handles.values():  # a day of traffic to decide on
            control(handle, "POST", "/simnet/clock/advance", {"seconds": 86_400})
        before = {name: sim_policies(h) for name, h in handles.items()}
        config_path = fleet_toml(tmp_path / "fleet.toml", database, handles)
        monkeypatch.setenv("LNPILOT_CONFIG", str(config_path))
        monkeypatch.setenv("LNPILOT_BROKER_URL", job_config.broker_url)
        monkeypatch.setenv("REDIS_URL", job_config.results_url)
        settings = load_settings()
        procs = start_local_workers(2, job_config)
        stack.callback(stop_workers, procs)
        stack.callback(_print_worker_output, procs)  # shown by pytest when the test fails
        engine = make_engine(job_config)
        stack.callback(engine.close)
        now = [0.0]
        scheduler = Scheduler(settings, engine, clock=lambda: now[0])
        assert scheduler.nodes == ["n1", "n2", "n3"]

        # Round 1: every node's first cycle (sync, graph, scores; one day of history is too little
        # to move a fee yet).
        first = _wait_all(engine, scheduler.tick())
        assert {n: o["status"] for n, o in first.items()} == dict.fromkeys(SEEDS, "done")
        assert scheduler.tick() == []  # not due again before its interval

        # Round 2: n1's node answers slowly; its worker is killed -9 with a change in flight.
        _advance(handles, now)
        handles["n1"].faults.configure({"latency_ms": LATENCY_MS})
        sent = scheduler.tick()
        assert sorted(m.args[0] for m in sent) == ["n1", "n2", "n3"]
        assert scheduler.tick() == []  # nothing is enqueued twice while its job is outstanding
        wait_in_flight(settings, "n1")
        victim_pid = _running_pid(job_config, "n1")
        (victim,) = [p for p in procs if p.pid == victim_pid]
        (survivor,) = [p for p in procs if p.pid != victim_pid]
        # The survivor pauses so that the victim's last request (held by the injected latency)
        # reaches the simnet before anyone reconciles: a real node answers at once; only the
        # injected delay could otherwise race the reconciliation.
        os.kill(survivor.pid, signal.SIGSTOP)
        try:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=30)
            time.sleep(LATENCY_MS / 1000 * 2)
            handles["n1"].faults.configure({"latency_ms": 0})
        finally:
            os.kill(survivor.pid, signal.SIGCONT)
        second = _wait_all(engine, sent)
        assert {n: o["status"] for n, o in second.items()} == dict.fromkeys(SEEDS, "done")
        # n1's job came back to the survivor, which settled the killed worker's transaction first.
        assert second["n1"]["reconciled"] >= 1, second["n1"]
        assert victim.returncode == -signal.SIGKILL

        # Two workers again, and more cycles on every node.
        procs.extend(start_local_workers(1, job_config))
        for _ in range(2):
            _advance(handles, now)
            later = _wait_all(engine, scheduler.tick())
            assert {n: o["status"] for n, o in later.items()} == dict.fromkeys(SEEDS, "done")
            assert all(o["reconciled"] == 0 for o in later.values())

        # Every node's store against its own simnet (the databases are still there).
        changed_somewhere = False
        for name, handle in handles.items():
            truth = sim_policies(handle)
            view = node_view(settings, name, sorted(truth))
            assert view["policies"] == truth, f"{name}: the store's policies are not the node's"
            for tx in view["txs"]:
                assert tx.status.value in {"applied", "failed", "reconciled"}, (name, tx)
            # Every change the node received is one applied item of the log: nothing applied twice.
            assert len(view["applied_items"]) == handle.sim.policy_updates, name
            changed_somewhere |= truth != before[name]
        assert changed_somewhere, "no node's fees changed: the fleet ran nothing worth checking"
