"""The market around our node (issue 15): no free lunch, fee response, depletion, gossip."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.market import kernel as kern
from lnpilot.simnet.market.config import DemandConfig, GossipConfig, MarketConfig, preset
from lnpilot.simnet.market.model import StepPayments
from lnpilot.simnet.market.population import can_send

DAY = 86_400


def _sim(
    seed: int = 3, nodes: int = 250, ppd: float = 8_000, market: MarketConfig | None = None
) -> Simulation:
    base = market or MarketConfig()
    market = replace(base, demand=replace(base.demand, payments_per_day=ppd))
    return Simulation(generate_graph(nodes, seed=seed), SimConfig(seed=seed, channels=6, market=market))


def _uniform_fee(sim: Simulation, ppm: int) -> None:
    for ch in sim.channels:
        sim.set_policy(ch, replace(ch.policy, base_fee_msat=0, fee_rate_ppm=ppm))


def test_only_nodes_with_usable_outbound_send() -> None:
    sim = _sim()
    able = can_send(sim.network.edges)
    assert able[sim.market_model.population.senders].all()
    assert not able.all(), "the generated graph has nodes whose every channel is disabled"


def test_a_payment_with_no_route_fails_and_moves_nothing() -> None:
    sim = _sim(market=MarketConfig(demand=DemandConfig(mpp=False)))
    model = sim.market_model
    before = model.balance.copy()
    local = [c.local_msat for c in sim.channels]
    huge = int(sim.network.edges.capacity_msat.max()) * 4  # wider than any channel, no MPP
    pays = StepPayments(
        np.array([1.0]), np.array([0]), np.array([int(sim.channels[0].peer_index)]), np.array([huge])
    )
    forwards, status = model.route(pays, sim.channels, sim.gossip.advertised, sim.now_ns)
    assert status.tolist() == [kern.NO_ROUTE] and forwards == []
    assert np.array_equal(model.balance, before) and [c.local_msat for c in sim.channels] == local
    assert model.stats.failed_no_route == 1


def test_forwards_leave_us_for_competitors_when_our_fee_rises() -> None:
    counts = {}
    for ppm in (0, 200, 1_000, 3_000):
        sim = _sim()
        _uniform_fee(sim, ppm)
        sim.advance(DAY)
        counts[ppm] = len(sim.forwards)
        assert sim.market_model.stats.succeeded > 0.5 * sim.market_model.stats.payments
    assert counts[0] > counts[200] > counts[1_000] > counts[3_000]
    assert counts[3_000] < counts[0] / 4


def test_revenue_against_a_uniform_fee_has_an_interior_maximum() -> None:
    fees = (0, 50, 200, 600, 1_500, 5_000)
    for seed in (3, 5, 7):
        revenue = []
        for ppm in fees:
            sim = _sim(seed=seed)
            _uniform_fee(sim, ppm)
            sim.advance(DAY)
            revenue.append(sim.fees_earned_msat())
        best = int(np.argmax(revenue))
        assert 0 < best < len(fees) - 1, (seed, revenue)


def test_competitor_channels_deplete_under_directional_traffic_and_recover() -> None:
    sim = _sim(market=preset("sink-heavy"), ppd=20_000)
    model = sim.market_model
    sim.advance(DAY)
    moved = np.abs(model.balance - model.prior)
    depleted = np.flatnonzero(moved > 0.3 * model.chan_cap)
    assert len(depleted) > 0, "a day of payments into sinks must drain some competitor channels"
    before = moved[depleted].sum()
    half_life_s = sim.market.liquidity.recovery_half_life_h * 3_600
    for _ in range(int(2 * half_life_s / sim.config.step_s)):  # two half-lives without traffic
        model.recover()
    after = np.abs(model.balance - model.prior)[depleted].sum()
    assert after < 0.5 * before
    assert model.stats.public_liquidity_failures > 0


def test_a_stale_lower_fee_fails_once_then_the_payer_retries() -> None:
    slow_gossip = replace(MarketConfig(), gossip=GossipConfig(delay_s=3 * 3_600))
    sim = _sim(ppd=20_000, market=slow_gossip)
    sim.advance(3_600)
    _uniform_fee(sim, 2_000)  # dearer than what payers know for the next three hours
    sim.advance(3 * 3_600 - 1)
    stale = sim.market_model.stats.stale_fee_failures
    assert stale > 0
    assert all(sim.gossip.advertised.ppm != 2_000)
    sim.advance(1)
    assert all(sim.gossip.advertised.ppm == 2_000)
    sim.advance(3_600)
    assert sim.market_model.stats.stale_fee_failures == stale  # everyone knows the new fee now
    assert sim.gossip.updates_published == len(sim.channels)


def test_gossip_rate_limit_delays_bursts() -> None:
    sim = _sim()
    ch = sim.channels[0]
    for ppm in range(100, 100 + 12):  # twelve updates at once: two over LND's burst of ten
        sim.set_policy(ch, replace(ch.policy, fee_rate_ppm=ppm))
    assert sim.gossip.updates_delayed_by_rate_limit == 2


def test_reacting_competitors_change_fees_daily() -> None:
    sim = _sim(market=preset("fee-sensitive"), ppd=10_000)
    sim.advance(2 * DAY + 600)
    assert sim.competitor_fee_changes > 0
    assert sim.truth()["competitor_fee_changes"] == sim.competitor_fee_changes


def test_a_payer_abandons_a_payment_no_route_fits_its_budget() -> None:
    demand = MarketConfig().demand
    tight = replace(
        MarketConfig(), demand=replace(demand, budget_median_ppm=1.0, budget_sigma=0.0, budget_base_sat=0.0)
    )
    unbounded = replace(MarketConfig(), demand=replace(demand, budget_median_ppm=0.0))
    runs = {}
    for name, market in (("tight", tight), ("unbounded", unbounded)):
        sim = _sim(market=market)
        _uniform_fee(sim, 2_000)
        sim.advance(DAY // 4)
        runs[name] = (sim.market_model.stats.failed_no_route, len(sim.forwards))
    assert runs["tight"][1] == 0, "2,000 ppm is above a 1 ppm budget: nobody pays it"
    assert runs["unbounded"][1] > 0
    assert runs["tight"][0] > runs["unbounded"][0]


def test_a_sender_never_tries_its_own_channels_that_cannot_carry_the_payment() -> None:
    sim = _sim(ppd=0)
    model = sim.market_model
    edges = sim.network.edges
    peers = {int(c.peer_index) for c in sim.channels}
    row = next(r for r, node in enumerate(model.population.senders) if int(node) not in peers)
    sender = int(model.population.senders[row])
    own = np.arange(edges.indptr[sender], edges.indptr[sender + 1])
    model.balance[own] = 0.0  # every channel of the sender drained on its side
    receivers = np.array([r for r in range(edges.nodes) if r != sender][:20])
    n = len(receivers)
    pays = StepPayments(
        np.linspace(1.0, 2.0, n), np.full(n, row), receivers, np.full(n, 50_000_000, dtype=np.int64)
    )
    forwards, status = model.route(pays, sim.channels, sim.gossip.advertised, sim.now_ns)
    assert forwards == [] and set(status.tolist()) == {kern.NO_ROUTE}
    assert model.stats.attempts == 0 and model.stats.public_liquidity_failures == 0
