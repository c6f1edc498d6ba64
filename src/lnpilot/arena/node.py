"""One strategy's own simnet, reached through lnpilot's backend protocol.

``inprocess`` serves simnet's real ASGI app (LND's REST routes, macaroons checked) to the real
``LndRestBackend`` through an in-memory transport: the same requests and JSON as production,
without sockets or TLS. ``https`` serves it with uvicorn on 127.0.0.1 like ``lnpilot simnet
serve``; a test shows both give the same result for a seed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from lnpilot.arena.types import GraphSpec, RunSpec
from lnpilot.backends.base import NodeBackend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.daemon.clock import Clock, SimnetClock
from lnpilot.domain.graph import Graph
from lnpilot.errors import InvalidInputError
from lnpilot.simnet.engine import SimConfig, Simulation

GRAPH_SEED = 1  # the generated graph stays the same across seeds; seeds vary our peers and traffic
_INPROCESS_URL = "http://localhost"  # loopback: the credentials-over-http guard allows it


@functools.lru_cache(maxsize=4)
def load_arena_graph(graph: GraphSpec) -> Graph:
    """The public graph of a run, parsed once per process (snapshots take seconds to parse)."""
    if graph.path is None:
        from lnpilot.simnet.generator import generate_graph

        return generate_graph(graph.nodes, seed=GRAPH_SEED)
    from lnpilot.graph.ingest import load_graph

    path = Path(graph.path)
    if not path.is_file():
        raise InvalidInputError(f"no such graph file: {path}")
    return load_graph(path).graph


def build_simulation(spec: RunSpec) -> Simulation:
    from lnpilot.arena.market import simulation_with_market

    config = SimConfig(seed=spec.seed, channels=spec.channels, payments_per_day=spec.payments_per_day)
    return simulation_with_market(load_arena_graph(spec.graph), config, spec.market)


class SimClock:
    """simnet's clock read and advanced directly (the in-process twin of ``SimnetClock``)."""

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim

    def now(self) -> int:
        return self._sim.now_s

    async def refresh(self) -> int:
        return self._sim.now_s

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        if seconds <= 0 or stop.is_set():
            return
        self._sim.advance(seconds)

    async def aclose(self) -> None:
        return None


class InProcessLndBackend(LndRestBackend):
    """The production LND REST client, its HTTP client pointed at simnet's app in memory."""

    def __init__(self, app: object, macaroon_hex: str) -> None:
        super().__init__(_INPROCESS_URL, macaroon_hex, None)
        # Replace the TLS client by one on an ASGI transport; retries, error mapping, JSON
        # decoding and read-backs stay the production code's.
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self._client = httpx.AsyncClient(
            base_url=_INPROCESS_URL,
            transport=transport,
            headers={"Grpc-Metadata-macaroon": macaroon_hex},
        )


@dataclass
class ArenaNode:
    sim: Simulation
    backend: NodeBackend
    clock: Clock


@contextlib.asynccontextmanager
async def arena_node(spec: RunSpec, sim: Simulation, workdir: Path) -> AsyncIterator[ArenaNode]:
    """The backend and clock of one run's simnet, over the transport the spec asks for."""
    if spec.transport == "https":
        from lnpilot.simnet.testing import running_simnet

        with running_simnet(workdir / "simnet", sim=sim) as handle:
            backend = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
            clock = SimnetClock(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
            try:
                yield ArenaNode(sim, backend, clock)
            finally:
                await clock.aclose()
                await backend.aclose()
        return
    if spec.transport != "inprocess":
        raise InvalidInputError(f"unknown transport {spec.transport!r} (inprocess or https)")
    from lnpilot.simnet.app import build_app
    from lnpilot.simnet.server import prepare_lnddir

    lnd = prepare_lnddir(workdir / "simnet")
    app = build_app(sim, lnd.checker)
    backend = InProcessLndBackend(app, lnd.macaroons.admin.read_bytes().hex())
    try:
        yield ArenaNode(sim, backend, SimClock(sim))
    finally:
        await backend.aclose()
