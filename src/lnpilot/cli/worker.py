"""``lnpilot worker``: consume lnpilot's job queues (arena runs) until SIGTERM/SIGINT."""

from __future__ import annotations

import typer


def worker(
    namespace: str = typer.Option("lnpilot", "--namespace", help="Queue and result-key prefix."),
) -> None:
    """Run one job worker (LNPILOT_BROKER_URL for RabbitMQ, REDIS_URL for results); start one per core."""
    from lnpilot.jobs.worker import main

    raise typer.Exit(main(["--namespace", namespace]))
