"""Arena runs spread over job workers: same specs, same ``run_one``, same results as a local run.

The caller enqueues every spec, optionally starts ``workers`` local worker processes for the
duration (workers already running on other machines take jobs from the same queue too), and
gathers the results in the specs' order, so the table is the one a local run prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence

from lnpilot.arena.types import RunResult, RunSpec
from lnpilot.errors import LnpilotError
from lnpilot.jobs.codec import result_from_dict, spec_to_dict
from lnpilot.jobs.engine import JobConfig, make_engine
from lnpilot.jobs.worker import READY_LINE

# A worker that has not said it is ready by then has failed to start (broker down, bad URL).
_START_TIMEOUT_S = 120.0
# The longest one run may wait for its result (queued behind others plus its own run time).
RESULT_TIMEOUT_S = 6 * 3600.0


class JobFailed(LnpilotError):
    code = "job-failed"


def start_local_workers(
    count: int, config: JobConfig, extra_args: Sequence[str] = ()
) -> list[subprocess.Popen[str]]:
    """``count`` worker processes on this machine, each ready (consuming) when this returns."""
    procs: list[subprocess.Popen[str]] = []
    env = {**os.environ, "LNPILOT_BROKER_URL": config.broker_url, "REDIS_URL": config.results_url}
    try:
        for _ in range(count):
            proc = subprocess.Popen(
                [sys.executable, "-m", "lnpilot.jobs.worker", "--namespace", config.namespace, *extra_args],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            procs.append(proc)
        for proc in procs:
            _wait_ready(proc)
            _drain(proc)
    except BaseException:
        stop_workers(procs)
        raise
    return procs


def _drain(proc: subprocess.Popen[str]) -> None:
    """Keep reading a worker's output so that a full pipe never blocks it (its lines are logs the
    worker also sends to its log handlers; the last few are kept for a failure message)."""
    import collections
    import threading

    tail: collections.deque[str] = collections.deque(maxlen=50)
    proc.output_tail = tail  # type: ignore[attr-defined]

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip())

    threading.Thread(target=read, name=f"worker-{proc.pid}-output", daemon=True).start()


def _wait_ready(proc: subprocess.Popen[str]) -> None:
    import selectors
    import time

    assert proc.stdout is not None
    deadline = time.monotonic() + _START_TIMEOUT_S
    seen: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=1.0):
                if proc.poll() is not None:
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            if READY_LINE in line:
                return
            seen.append(line.strip())
    detail = next((s for s in reversed(seen) if s), "no output")
    raise JobFailed(f"a job worker did not start: {detail}")


def stop_workers(procs: Sequence[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def run_on_workers(
    specs: Sequence[RunSpec],
    config: JobConfig,
    workers: int,
    on_done: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Every spec's result, in order, computed by job workers (``workers`` of them started here)."""
    done = on_done or (lambda _r: None)
    engine = make_engine(config)
    procs = start_local_workers(workers, config) if workers > 0 else []
    try:
        messages = [engine.arena.send(spec_to_dict(spec)) for spec in specs]
        results = []
        for message in messages:
            try:
                data = message.get_result(
                    backend=engine.results, block=True, timeout=int(RESULT_TIMEOUT_S * 1000)
                )
            except Exception as exc:  # a failed actor, or a timeout: name it, one line
                raise JobFailed(
                    f"arena job {message.message_id} failed: {type(exc).__name__}: {exc}"
                ) from None
            results.append(result_from_dict(data))
            done(results[-1])
        return results
    finally:
        stop_workers(procs)
        engine.close()
