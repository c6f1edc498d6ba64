"""Route choice against exact searches on the 2021 mainnet graph (issue 15, item 1).

For every payment of a sample, the market's choice (through us or around us, priced at the
payment's own amount from the candidate paths) is compared with an exact Dijkstra search at that
amount over the whole graph *with* our node, under the same LND a-priori cost function.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from lnpilot.graph.ingest import load_graph
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.market import kernel as kern
from lnpilot.simnet.market.config import DemandConfig, FeeLimits, LiquidityConfig, MarketConfig, SenderMix
from lnpilot.simnet.market.senders import edge_weights
from lnpilot.simnet.pathing import EdgeArrays, _dijkstra, build_edges
from tests.conftest import shared_file


def _graph_with_us(sim: Simulation) -> EdgeArrays:
    """The public edges plus our node (index n) and its channels, with our live policies."""
    e, n = sim.network.edges, sim.network.edges.nodes
    extra = []
    for ch in sim.channels:  # peer -> us with the peer's policy, us -> peer with ours
        cap = ch.capacity_sat * 1000
        extra.append((ch.peer_index, n, ch.peer_policy, cap))
        extra.append((n, ch.peer_index, ch.policy, min(cap, ch.policy.max_htlc_msat or cap)))

    def col(values: list[float], base: np.ndarray) -> np.ndarray:
        return np.concatenate([base, np.asarray(values, dtype=base.dtype)])

    return build_edges(
        n + 1,
        col([x[0] for x in extra], e.src),
        col([x[1] for x in extra], e.dst),
        col([x[2].base_fee_msat for x in extra], e.base_msat),
        col([x[2].fee_rate_ppm for x in extra], e.ppm),
        col([x[2].time_lock_delta for x in extra], e.time_lock_delta),
        col([x[3] for x in extra], e.capacity_msat),
        col([not x[2].disabled for x in extra], e.usable),
        col([0 for _ in extra], e.chan_id),
    )


def _exact_through_us(
    ext: EdgeArrays, sender: int, receiver: int, amount: float, kp: np.ndarray
) -> bool | None:
    """Does the exact cheapest route cross our node (the last index)? None when there is no route."""
    us = ext.nodes - 1
    weight, first = edge_weights(ext, ext.capacity_msat + 1.0, kp, 0, amount)
    dist = np.empty(ext.nodes)
    pred = np.empty(ext.nodes, dtype=np.int64)
    _dijkstra(ext.indptr, ext.dst, weight, first, sender, False, dist, pred)
    if not np.isfinite(dist[receiver]):
        return None
    node = receiver
    while node != sender:
        node = int(ext.src[int(pred[node])])
        if node == us:
            return True
    return False


@pytest.mark.slow
def test_route_choices_agree_with_exact_searches_on_the_2021_graph() -> None:
    graph = load_graph(shared_file("data", "graphs", "cln_listchannels_2021-04-16.json.gz")).graph
    # One cost function (LND a priori) and no fee limit in the way: the comparison is about pricing.
    market = MarketConfig(
        senders=SenderMix(lnd_apriori=1.0, lnd_learned=0.0, ldk=0.0, cln_eclair=0.0),
        fee_limits=FeeLimits(lnd_full_up_to_sat=0.0, lnd_percent=100.0),
        demand=DemandConfig(budget_median_ppm=0.0),
        liquidity=LiquidityConfig(enabled=False),  # no balances: senders' own channels all usable
    )
    sim = Simulation(graph, SimConfig(seed=1, channels=20, market=market))
    model = sim.market_model
    results = []
    for ppm, steps in ((1, range(0, 60, 3)), (300, range(1, 60, 3)), (1_500, range(2, 60, 3))):
        for ch in sim.channels:
            sim.set_policy(ch, replace(ch.policy, base_fee_msat=0, fee_rate_ppm=ppm))
        sim.gossip.deliver_until(sim.now_ns + 10**15)
        ext = _graph_with_us(sim)
        for step in steps:
            pays = model.draw(step)
            _, status = model.route(pays, sim.channels, sim.gossip.advertised, sim.now_ns, decide_only=True)
            for p in range(len(status)):
                sender = int(model.population.senders[pays.sender_rows[p]])
                amount = float(pays.amounts_msat[p])
                exact = _exact_through_us(ext, sender, int(pays.receivers[p]), amount, model.kp)
                ours = None if status[p] == kern.NO_ROUTE else bool(status[p] == kern.THROUGH)
                results.append((ppm, exact, ours))
    assert len(results) > 1_000
    routed = [r for r in results if r[1] is not None and r[2] is not None]
    differ = [r for r in routed if r[1] != r[2]]
    through = [r for r in routed if r[1] or r[2]]
    no_route = [r for r in results if (r[1] is None) != (r[2] is None)]
    share = len(differ) / len(routed)
    print(
        f"\nagreement: {len(differ)} of {len(routed)} route choices differ ({share:.2%}); "
        f"{len(through)} go through us in either; route found by one side only: {len(no_route)} "
        f"of {len(results)} ({len(no_route) / len(results):.2%}); "
        f"(exact, market) mismatches: {Counter(r[1:] for r in differ + no_route)}"
    )
    assert share < 0.02
    assert len(no_route) / len(results) < 0.02
