"""The generated graph looks like mainnet's; the traffic and uptime models behave as documented."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from lnpilot.errors import InvalidInputError
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.market.config import DemandConfig, MarketConfig
from lnpilot.simnet.market.model import MarketModel
from lnpilot.simnet.network import network_from
from lnpilot.simnet.pathing import RouteCosts, path_edges
from lnpilot.simnet.uptime import UptimeModel


@pytest.fixture(scope="module")
def graph():  # type: ignore[no-untyped-def]
    return generate_graph(2_000, seed=11)


def test_degree_capacity_and_fee_distributions(graph) -> None:  # type: ignore[no-untyped-def]
    degree: Counter[str] = Counter()
    for ch in graph.channels:
        degree[ch.node1] += 1
        degree[ch.node2] += 1
    assert set(degree) == set(graph.nodes)  # connected by construction: nobody is left out
    leaves = sum(1 for d in degree.values() if d == 1) / len(graph.nodes)
    assert 0.4 <= leaves <= 0.65
    assert max(degree.values()) >= 30 * np.median(list(degree.values()))  # heavy tail: hubs exist
    ppm = np.array([p.fee_rate_ppm for ch in graph.channels for p in (ch.node1_policy, ch.node2_policy)])
    assert 30 <= np.median(ppm) <= 150
    assert 800 <= np.percentile(ppm, 90) <= 4_000
    capacity = np.array([ch.capacity_sat for ch in graph.channels])
    assert 1_000_000 <= np.median(capacity) <= 4_000_000
    policies = [p for ch in graph.channels for p in (ch.node1_policy, ch.node2_policy)]
    disabled = sum(p.disabled for p in policies) / len(policies)
    assert 0.05 <= disabled <= 0.15
    assert all(p.inbound_fee_rate_ppm <= 0 and p.inbound_base_fee_msat <= 0 for p in policies)
    assert len({ch.chan_id for ch in graph.channels}) == len(graph.channels)


def test_same_seed_same_graph_and_tiny_graphs_refused() -> None:
    assert generate_graph(50, seed=2) == generate_graph(50, seed=2)
    assert generate_graph(50, seed=2) != generate_graph(50, seed=3)
    with pytest.raises(InvalidInputError):
        generate_graph(3, seed=1)


def test_route_costs_and_paths(graph) -> None:  # type: ignore[no-untyped-def]
    net = network_from(graph)
    costs = RouteCosts(net.edges, 50_000_000.0)
    dist, pred = costs.from_source(0, charge_source=False)
    charged, _ = costs.from_source(0, charge_source=True)
    assert dist[0] == 0.0 and np.all(dist <= charged + 1e-6)  # the payer's own hop costs no fee
    reachable = np.flatnonzero(np.isfinite(dist))
    target = int(reachable[-1])
    path = path_edges(pred, net.edges, 0, target)
    assert path and int(net.edges.src[path[0]]) == 0 and int(net.edges.dst[path[-1]]) == target
    weight = net.edges.weights(50_000_000.0)
    first_hop = costs.first_hop[path[0]]
    assert dist[target] == pytest.approx(first_hop + sum(weight[e] for e in path[1:]))
    assert path_edges(pred, net.edges, 0, 0) == []
    big = RouteCosts(net.edges, 1e15)  # larger than any channel: nothing is reachable
    assert not np.isfinite(big.from_source(0, charge_source=False)[0][1:]).any()


def test_payment_draws_are_seeded_heavy_tailed_and_follow_the_day() -> None:
    graph = generate_graph(400, seed=11)
    net = network_from(graph)
    caps = {c.chan_id: c.capacity_sat for c in graph.channels}
    demand = DemandConfig(payments_per_day=50_000.0, micro_share=0.0, directional_share=0.0)
    model = MarketModel(
        net.edges,
        net.node_capacity_sat,
        caps,
        [1, 2, 3],
        seed=4,
        market=MarketConfig(demand=demand),
        step_s=600,
        start_s=1_735_689_600,
    )
    a, b = model.draw(7), model.draw(7)
    assert np.array_equal(a.amounts_msat, b.amounts_msat) and np.array_equal(a.receivers, b.receivers)
    amounts = np.concatenate([model.draw(s).amounts_msat for s in range(40)]) / 1000
    assert amounts.max() <= demand.max_amount_sat and amounts.min() >= 1
    assert np.mean(amounts) > 2 * np.median(amounts)  # heavy right tail
    assert np.all(np.diff(a.times_s) >= 0)
    assert not np.any(model.population.senders[a.sender_rows] == a.receivers)
    peak_step, trough_step = 15 * 6, 3 * 6  # 15:00 and 03:00 UTC on a start at midnight
    assert model.rate_per_step(peak_step) > 1.8 * model.rate_per_step(trough_step)


def test_uptime_model_availability() -> None:
    model = UptimeModel(200, seed=1, step_s=600)
    online = np.ones(200, dtype=bool)
    up = 0
    for step in range(2_000):
        online = model.next_state(online, step)
        up += int(online.sum())
    share = up / (200 * 2_000)
    assert 0.9 < share < 0.995
    assert np.array_equal(model.next_state(online, 5), model.next_state(online, 5))
