"""``lnpilot simnet``: serve the simulated LND node."""

from __future__ import annotations

from pathlib import Path

import typer

from lnpilot.cli.common import err_console
from lnpilot.errors import InvalidInputError

app = typer.Typer(help="The simulated routing node that speaks LND's REST API.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """The simulated routing node that speaks LND's REST API."""


@app.command("serve")
def serve(
    lnddir: Path = typer.Option(
        ..., "--lnddir", help="Where tls.cert, tls.key and the macaroons are written."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8080, "--port", min=0, max=65_535, help="HTTPS port (LND's REST default)."),
    graph: Path | None = typer.Option(
        None, "--graph", help="Graph snapshot (describegraph or listchannels)."
    ),
    nodes: int | None = typer.Option(None, "--nodes", min=4, help="Generate a graph of N nodes instead."),
    channels: int = typer.Option(8, "--channels", min=2, help="Channels of the simulated node."),
    seed: int = typer.Option(1, "--seed", help="Seed of the graph, traffic and flaps."),
    speed: float = typer.Option(
        0.0, "--speed", min=0.0, help="Simulated seconds per wall second (0: manual)."
    ),
    market: str = typer.Option(
        "default", "--market", help="Market TOML file with a [market] table, or a preset name."
    ),
    start: str | None = typer.Option(
        None, "--start", help="Where the simulated clock starts (ISO 8601 or Unix seconds; default: now)."
    ),
) -> None:
    """Write LND's files to --lnddir and serve HTTPS until interrupted."""
    import uvicorn

    from lnpilot.simnet.engine import wall_clock_start
    from lnpilot.simnet.faults import Faults
    from lnpilot.simnet.market.config import load_market, parse_start
    from lnpilot.simnet.server import prepare_lnddir, uvicorn_config
    from lnpilot.simnet.testing import make_simulation

    if graph is not None and nodes is not None:
        raise InvalidInputError("give either --graph or --nodes, not both")
    sim = make_simulation(
        nodes=nodes or 300,
        channels=channels,
        seed=seed,
        graph_path=graph,
        market=load_market(Path(market)),
        start_time_s=wall_clock_start() if start is None else parse_start(start),
    )
    lnd = prepare_lnddir(lnddir)
    config = uvicorn_config(sim, lnd, host=host, port=port, faults=Faults(), speed=speed)
    err_console.print(
        f"simnet: {sim.node.pub_key} with {len(sim.channels)} channels in a graph of "
        f"{len(sim.network.pubkeys)} nodes, market {sim.market.name!r}; https://{host}:{port} "
        f"(cert {lnd.tls_cert}, macaroons in {lnd.path})",
        markup=False,
        highlight=False,
    )
    uvicorn.Server(config).run()
