"""simnet on a real snapshot: the 2025 describegraph sample (the mainnet month is the benchmark's)."""

from __future__ import annotations

from pathlib import Path

from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.testing import make_simulation, running_simnet
from tests.conftest import shared_file
from tests.simnet.support import client


def test_real_snapshot_serves_and_routes(tmp_path: Path) -> None:
    path = shared_file("data", "graphs", "describegraph_sample200_2025-10-25.json.gz")
    sim = make_simulation(graph_path=path, channels=4, seed=2)
    assert set(sim.network.pubkeys) <= set(sim.public_graph().nodes)
    sim.advance(86_400)
    again = Simulation.from_file(path, seed=2, channels=4)
    again.advance(86_400)
    assert sim.forwards and again.forwards == sim.forwards
    with running_simnet(tmp_path / "lnd", sim=sim) as handle, client(handle, "readonly") as c:
        edges = c.get("/v1/graph").json()["edges"]
        assert len(edges) == len(sim.public_graph().channels)
        nodes = sim.network.graph.nodes
        for peer in c.get("/v1/peers").json()["peers"]:
            assert peer["address"] == next(iter(nodes[peer["pub_key"]].addresses), "")
        assert any(p["address"] for p in c.get("/v1/peers").json()["peers"]), "the sample announces addresses"
        assert len(c.get("/v1/getinfo").json()["block_hash"]) == 64


def test_generated_constructor() -> None:
    sim = Simulation.generated(60, seed=3, channels=2)
    assert len(sim.channels) == 2 and len(sim.network.pubkeys) == 60
