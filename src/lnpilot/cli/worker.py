"""``lnpilot worker``, ``lnpilot jobs`` and ``lnpilot schedule``: the job workers, what they are
doing, and the fleet's scheduler (docs/scale.md)."""

from __future__ import annotations

import typer


def worker(
    namespace: str = typer.Option("lnpilot", "--namespace", help="Queue and result-key prefix."),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", min=0, max=65535, help="Serve Prometheus metrics on 127.0.0.1:PORT."
    ),
) -> None:
    """Run one job worker (LNPILOT_BROKER_URL for RabbitMQ, REDIS_URL for results); start one per core."""
    from lnpilot.jobs.worker import main

    argv = ["--namespace", namespace]
    if metrics_port is not None:
        argv += ["--metrics-port", str(metrics_port)]
    raise typer.Exit(main(argv))


def jobs(
    namespace: str = typer.Option("lnpilot", "--namespace", help="Queue and result-key prefix."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Jobs waiting, running, retrying and failed, and the workers consuming, per queue."""
    import time
    from dataclasses import asdict

    from lnpilot.cli.common import console, print_json, settings_from_env
    from lnpilot.jobs.engine import job_config
    from lnpilot.jobs.running import running_jobs
    from lnpilot.jobs.status import queue_status

    config = job_config(settings_from_env(), namespace)
    rows = queue_status(config)
    running = running_jobs(config.results_url, config.namespace)
    if as_json:
        print_json(
            [{**asdict(r), "running": sum(1 for j in running if j.queue == r.queue)} for r in rows]
            + [{"running_job": asdict(j)} for j in running]
        )
        return
    for r in rows:
        busy = sum(1 for j in running if j.queue == r.queue)
        console.print(
            f"{r.queue}: {r.waiting} waiting, {busy} running, {r.retrying} retrying, {r.failed} failed, "
            f"{r.workers} workers",
            markup=False,
            soft_wrap=True,
        )
    now = time.time()
    for j in running:
        console.print(
            f"  running {j.actor} {j.label} on {j.host} pid {j.pid} for {now - j.started_at:.0f} s",
            markup=False,
            soft_wrap=True,
        )


def schedule(
    namespace: str = typer.Option("lnpilot", "--namespace", help="Queue and result-key prefix."),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", min=0, max=65535, help="Serve Prometheus metrics (job counts) here."
    ),
) -> None:
    """Enqueue every fleet node's cycle on its interval, for the job workers to run."""
    import signal
    import threading

    from lnpilot.cli.common import console, settings_from_env
    from lnpilot.fleet.scheduler import Scheduler
    from lnpilot.jobs.engine import job_config, make_engine
    from lnpilot.settings import load_settings

    settings_from_env()  # logging, and one line for a bad configuration
    settings = load_settings()  # the whole fleet, whatever --node says
    config = job_config(settings, namespace)
    engine = make_engine(config)
    server = None
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        try:
            _ = engine.broker.connection  # fail now, in one line, when the broker is down
        except Exception as exc:
            from lnpilot.jobs.worker import BrokerUnreachable

            raise BrokerUnreachable(f"cannot reach the broker: {type(exc).__name__}") from None
        if metrics_port is not None:
            from lnpilot.jobs.metrics import JobMetrics
            from lnpilot.metrics.exposition import start_metrics_server
            from lnpilot.metrics.registry import Metrics

            metrics = Metrics()
            JobMetrics(metrics, config)
            server = start_metrics_server(metrics_port, metrics=metrics)
        scheduler = Scheduler(settings, engine)
        console.print(
            f"scheduling {len(scheduler.nodes)} node(s): {', '.join(scheduler.nodes)}", markup=False
        )
        scheduler.run(stop)
    finally:
        if server is not None:
            server.close()
        engine.close()
