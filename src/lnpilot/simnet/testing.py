"""A running simnet for tests and demos: HTTPS on 127.0.0.1, a free port, stopped on exit."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lnpilot.simnet.engine import START_TIME_S, SimConfig, Simulation
from lnpilot.simnet.faults import Faults
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.market.config import MarketConfig
from lnpilot.simnet.server import (
    BackgroundServer,
    LndDir,
    SimnetStartError,
    free_port,
    prepare_lnddir,
    uvicorn_config,
)


@dataclass(frozen=True, slots=True)
class SimnetHandle:
    url: str
    lnddir: Path
    tls_cert_path: Path
    admin_macaroon_path: Path
    readonly_macaroon_path: Path
    invoice_macaroon_path: Path
    sim: Simulation
    faults: Faults

    def macaroon_hex(self, kind: str = "admin") -> str:
        path = {
            "admin": self.admin_macaroon_path,
            "readonly": self.readonly_macaroon_path,
            "invoice": self.invoice_macaroon_path,
        }[kind]
        return path.read_bytes().hex()

    def __repr__(self) -> str:
        return f"SimnetHandle(url={self.url!r}, lnddir={str(self.lnddir)!r})"


def make_simulation(
    *,
    nodes: int = 300,
    channels: int = 8,
    seed: int = 1,
    graph_path: Path | None = None,
    payments_per_day: float | None = None,
    market: MarketConfig | None = None,
    start_time_s: int = START_TIME_S,
) -> Simulation:
    """A simulation of a generated graph (or ``graph_path``) in ``market`` (default: the default)."""
    config = SimConfig(
        seed=seed,
        channels=channels,
        payments_per_day=payments_per_day,
        market=market or MarketConfig(),
        start_time_s=start_time_s,
    )
    if graph_path is not None:
        from lnpilot.graph.ingest import load_graph

        return Simulation(load_graph(graph_path).graph, config)
    return Simulation(generate_graph(nodes, seed=seed), config)


def _start(sim: Simulation, lnd: LndDir, faults: Faults, speed: float) -> tuple[BackgroundServer, int]:
    # A free port can be taken by another process between probing and binding: try a few.
    for attempt in range(3):
        port = free_port()
        server = BackgroundServer(
            uvicorn_config(sim, lnd, host="127.0.0.1", port=port, faults=faults, speed=speed)
        )
        try:
            server.start()
        except SimnetStartError:
            if attempt == 2:
                raise
            continue
        return server, port
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def running_simnet(
    lnddir: Path,
    *,
    nodes: int = 300,
    channels: int = 8,
    seed: int = 1,
    graph_path: Path | None = None,
    speed: float = 0.0,
    sim: Simulation | None = None,
) -> Iterator[SimnetHandle]:
    """Serve a simulation (built here unless ``sim`` is given) until the block exits."""
    simulation = sim or make_simulation(nodes=nodes, channels=channels, seed=seed, graph_path=graph_path)
    lnd = prepare_lnddir(Path(lnddir))
    faults = Faults()
    server, port = _start(simulation, lnd, faults, speed)
    try:
        yield SimnetHandle(
            url=f"https://127.0.0.1:{port}",
            lnddir=lnd.path,
            tls_cert_path=lnd.tls_cert,
            admin_macaroon_path=lnd.macaroons.admin,
            readonly_macaroon_path=lnd.macaroons.readonly,
            invoice_macaroon_path=lnd.macaroons.invoice,
            sim=simulation,
            faults=faults,
        )
    finally:
        server.stop()
