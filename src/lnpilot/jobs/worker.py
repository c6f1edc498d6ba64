"""A worker process: ``python -m lnpilot.jobs.worker`` (or ``lnpilot worker``) consumes lnpilot's
queues until SIGTERM/SIGINT. Run as many as there are cores, on as many machines as you like.

One thread per process: arena runs are CPU-bound (numba and Python), so processes, not threads,
are what spreads them; a prefetch of one keeps an idle worker from waiting behind a busy one.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence

from dramatiq import Worker

from lnpilot.errors import LnpilotError
from lnpilot.jobs.engine import JobConfig, job_config, make_engine

READY_LINE = "lnpilot worker ready"


class BrokerUnreachable(LnpilotError):
    code = "broker-unreachable"


def serve(config: JobConfig, stop: threading.Event, metrics_port: int | None = None) -> None:
    from lnpilot.jobs.metrics import JobMetrics
    from lnpilot.jobs.running import RunningJobs
    from lnpilot.metrics.registry import Metrics

    engine = make_engine(config)
    try:
        # Dramatiq's consumers would retry a dead broker forever in the background: fail first.
        _ = engine.broker.connection
    except Exception as exc:
        engine.close()
        raise BrokerUnreachable(f"cannot reach the broker: {type(exc).__name__}") from None
    metrics = Metrics()
    job_metrics = JobMetrics(metrics)  # durations; the queue counts are the scheduler's to export
    running = RunningJobs(config.results_url, config.namespace, on_done=job_metrics.observe)
    engine.broker.add_middleware(running)
    server = None
    if metrics_port is not None:
        from lnpilot.metrics.exposition import start_metrics_server

        server = start_metrics_server(metrics_port, metrics=metrics)
    worker = Worker(engine.broker, queues=set(config.queues), worker_threads=1, worker_timeout=200)
    worker.queue_prefetch = 1
    worker.start()
    where = f" (metrics on 127.0.0.1:{server.port})" if server is not None else ""
    print(READY_LINE + where, flush=True)
    try:
        stop.wait()
    finally:
        worker.stop(timeout=10_000)
        if server is not None:
            server.close()
        running.close()
        engine.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lnpilot-worker", description=__doc__)
    parser.add_argument("--namespace", default="lnpilot", help="Queue and result-key prefix.")
    parser.add_argument("--metrics-port", type=int, default=None, help="Serve Prometheus metrics here.")
    args = parser.parse_args(argv)
    from lnpilot.logs import configure_logging
    from lnpilot.settings import load_settings

    configure_logging("console", "WARNING")
    # Broker and Redis URLs come from the environment (LNPILOT_BROKER_URL, REDIS_URL), never from
    # the command line, where every local user can read them.
    config = job_config(load_settings(), args.namespace)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        serve(config, stop, args.metrics_port)
    except LnpilotError as exc:
        print(f"lnpilot worker: {exc}", flush=True)  # one line, no URL (it may carry a password)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised as a subprocess
    raise SystemExit(main())
