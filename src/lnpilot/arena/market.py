"""The one place the arena hands a market file to simnet (``--market FILE`` / ``[market]``).

simnet's market model lives in ``lnpilot.simnet``; the arena only passes the file through, so
every strategy of a comparison sees the same market.
"""

from __future__ import annotations

from pathlib import Path

from lnpilot.domain.graph import Graph
from lnpilot.errors import InvalidInputError
from lnpilot.simnet.engine import SimConfig, Simulation


def check_market_file(path: str | None) -> None:
    """Fail early, with one line, on a market file that cannot be used."""
    if path is None:
        return
    if not Path(path).is_file():
        raise InvalidInputError(f"no such market file: {path}")
    raise InvalidInputError(f"market file {path}: this build of simnet has no market model to load it into")


def simulation_with_market(graph: Graph, config: SimConfig, market: str | None) -> Simulation:
    check_market_file(market)
    return Simulation(graph, config)
