"""``lnpilot worker``: consume lnpilot's job queues (arena runs) until SIGTERM/SIGINT."""

from __future__ import annotations

import typer


def worker(
    namespace: str = typer.Option("lnpilot", "--namespace", help="Queue and result-key prefix."),
) -> None:
    """Run one job worker (LNPILOT_BROKER_URL for RabbitMQ, REDIS_URL for results); start one per core."""
    from lnpilot.jobs.worker import main

    raise typer.Exit(main(["--namespace", namespace]))


def jobs(
    namespace: str = typer.Option("lnpilot", "--namespace", help="Queue and result-key prefix."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Jobs waiting, retrying and failed, and the workers consuming, per queue."""
    from dataclasses import asdict

    from lnpilot.cli.common import console, print_json, settings_from_env
    from lnpilot.jobs.engine import job_config
    from lnpilot.jobs.status import queue_status

    rows = queue_status(job_config(settings_from_env(), namespace))
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    for r in rows:
        console.print(
            f"{r.queue}: {r.waiting} waiting, {r.retrying} retrying, {r.failed} failed, {r.workers} workers",
            markup=False,
        )
