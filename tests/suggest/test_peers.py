"""Peer suggestions: the ranking by hand, and in simnet the top suggestion against a random peer."""

from __future__ import annotations

import random
from pathlib import Path

from lnpilot.backends.lnd import LndRestBackend
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.testing import running_simnet
from lnpilot.store import Store
from lnpilot.suggest.gather import peer_suggestions
from lnpilot.suggest.peers import MAX_CAPACITY_SAT, suggest_peers
from lnpilot.sync.job import SyncJob

US, P1, P2, P3, X = ("02" + c * 64 for c in "01234")


def _m(
    key: str, pagerank: float, fee: float | None, disabled: float | None = 0.0, cap: int = 4_000_000
) -> NodeMetrics:
    return NodeMetrics(key, 4, 4, cap, 0.0, 0.0, 0.0, 0.0, 0.0, pagerank, 100.0, fee, disabled, 10.0)


def test_ranking_by_hand() -> None:
    metrics = [
        _m(US, 0.9, 100.0),  # us: never
        _m(P1, 0.8, 100.0),  # already a peer: never
        _m(P2, 0.1, 100.0),
        _m(P3, 0.1, 300.0),  # same flow, pricier to reach: better
        _m(X, 0.5, None),  # no readable inbound policy: left out
    ]
    neighbours = {P2: frozenset({P1, X}), P3: frozenset({P1, X, US})}
    found = suggest_peers(
        metrics, us=US, our_peers=frozenset({P1}), neighbours=neighbours, composite={}, aliases={P3: "three"}
    )
    assert [s.pub_key for s in found] == [P2, P3]  # more new reach beats a higher price here
    # P3: 0.1 x (1 + 300/1000) x (1 new of 3) x 1.0 = 0.0433; P2: 0.1 x 1.1 x (1 of 2) = 0.055
    assert abs(found[1].index - 0.1 * 1.3 / 3) < 1e-12 and abs(found[0].index - 0.1 * 1.1 / 2) < 1e-12
    assert found[1].alias == "three" and "no composite score yet" in " ".join(found[1].reasons)
    assert found[0].suggested_capacity_sat == 1_000_000
    scored = suggest_peers(
        metrics,
        us=US,
        our_peers=frozenset({P1}),
        neighbours=neighbours,
        composite={P3: 90.0, P2: 10.0},
        aliases={},
    )
    assert [s.pub_key for s in scored] == [P3, P2]  # a poor score outweighs the reach
    big = suggest_peers(
        [_m(P2, 0.1, 50.0, cap=10**10)],
        us=US,
        our_peers=frozenset(),
        neighbours={P2: frozenset({X})},
        composite={},
        aliases={},
    )
    assert big[0].suggested_capacity_sat == MAX_CAPACITY_SAT


async def test_top_suggestion_routes_more_than_a_random_peer(tmp_path: Path) -> None:
    """Open the top suggestion in simnet, or a random node: over several seeds the top one earns more."""
    wins, gains_top, gains_random = 0, [], []
    seeds = (1, 2, 3, 4)
    for seed in seeds:
        graph = generate_graph(300, seed=seed)
        base = Simulation(graph, SimConfig(seed=seed, channels=8))
        with running_simnet(tmp_path / f"lnd{seed}", sim=base) as handle:
            store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / f's{seed}.db'}")
            lnd = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
            try:
                await SyncJob(lnd, store).run(base.now_s, ("channels", "graph"))
                found = await peer_suggestions(store, us=base.node.pub_key, profile="balanced", limit=5)
            finally:
                await lnd.aclose()
                await store.close()
        top = found[0]
        peers = {c.peer_pubkey for c in base.channels} | {base.node.pub_key}
        others = sorted(k for k in graph.nodes if k not in peers and k != top.pub_key)
        rival = random.Random(seed).choice(others)
        earned = {}
        for name, key in (("top", top.pub_key), ("random", rival)):
            sim = Simulation(
                graph, SimConfig(seed=seed, channels=8, extra_peers=((key, top.suggested_capacity_sat),))
            )
            sim.advance(3 * 86_400)
            new_chan = sim.channels[-1].chan_id
            earned[name] = sum(f.fee_msat for f in sim.forwards if f.chan_id_out == new_chan)
        gains_top.append(earned["top"])
        gains_random.append(earned["random"])
        wins += earned["top"] > earned["random"]
    assert wins >= len(seeds) - 1, (gains_top, gains_random)
    assert sum(gains_top) > sum(gains_random), (gains_top, gains_random)
