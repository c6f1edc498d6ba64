"""``lnpilot run``: the daemon (sync, score, decide, validate, execute, watch, notify in a loop)."""

from __future__ import annotations

import asyncio
import time

import typer

from lnpilot.cli.common import settings_from_env
from lnpilot.execution.plan import Mode


def run(
    once: bool = typer.Option(False, "--once", help="Run a single cycle, then exit (1 if it failed)."),
    cycles: int | None = typer.Option(None, "--cycles", min=1, help="Stop after this many cycles."),
    mode: str | None = typer.Option(None, "--mode", help="shadow, pilot or live (default: execution.mode)."),
    simnet_clock: bool = typer.Option(
        False,
        "--simnet-clock",
        help="Run on simnet's simulated clock: advance it between cycles instead of sleeping.",
    ),
) -> None:
    """Run the autopilot loop until SIGTERM/SIGINT (graceful: the current step finishes)."""
    from lnpilot.daemon.clock import Clock, SimnetClock
    from lnpilot.daemon.loop import Daemon
    from lnpilot.errors import ConfigError
    from lnpilot.metrics.registry import Metrics

    settings = settings_from_env()
    clock: Clock | None = None  # the node's clock (execution.node_clock), as the CLI and API use
    metrics = None
    if simnet_clock:
        if settings.backend != "simnet" or settings.lnd_rest_url is None:
            raise ConfigError(
                "--simnet-clock needs LNPILOT_BACKEND=simnet and LND_REST_URL of a running simnet"
            )
        from lnpilot.backends.factory import macaroon_hex

        simnet = SimnetClock(str(settings.lnd_rest_url), macaroon_hex(settings), settings.lnd_tls_cert_path)
        # Sync timestamps and the graph snapshot's age are then in simulated time, like the data.
        metrics = Metrics(clock=lambda: simnet.now_or(time.time()))
        clock = simnet
    daemon = Daemon(settings, clock=clock, metrics=metrics, mode=None if mode is None else Mode.parse(mode))
    code = asyncio.run(daemon.run(max_cycles=1 if once else cycles))
    if code:
        raise typer.Exit(code)
