"""The simulation: determinism, fees and liquidity steering traffic, flaps, the clock."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.errors import InvalidInputError, NotFoundError
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph

DAY = 86_400


def _sim(seed: int = 3, **kw: float) -> Simulation:
    return Simulation(generate_graph(250, seed=seed), SimConfig(seed=seed, channels=6, **kw))  # type: ignore[arg-type]


def _history(sim: Simulation) -> tuple[object, ...]:
    return (
        tuple(sim.forwards),
        tuple(
            (c.local_msat, c.remote_msat, c.uptime_s, c.active, c.failed_for_liquidity) for c in sim.channels
        ),
    )


def _raise_fees(sim: Simulation, ppm: int) -> None:
    for ch in sim.channels:
        sim.set_policy(ch, replace(ch.policy, fee_rate_ppm=ppm))


def test_same_seed_and_same_updates_give_the_same_history() -> None:
    a, b = _sim(), _sim()
    for sim in (a, b):
        sim.advance(DAY)
        _raise_fees(sim, 400)
        sim.advance(2 * DAY)
    assert a.forwards, "the scenario must forward something to be a meaningful comparison"
    assert _history(a) == _history(b)


def test_history_does_not_depend_on_how_the_clock_is_advanced() -> None:
    whole, pieces = _sim(), _sim()
    whole.advance(DAY)
    for _ in range(24):
        pieces.advance(3_600)
    pieces.advance(0)
    assert whole.now_ns == pieces.now_ns
    assert _history(whole) == _history(pieces)


def test_a_different_seed_gives_a_different_history() -> None:
    a, b = _sim(seed=3), _sim(seed=4)
    a.advance(DAY)
    b.advance(DAY)
    assert _history(a) != _history(b)


def test_our_fees_change_which_payments_we_forward() -> None:
    cheap, dear = _sim(), _sim()
    _raise_fees(dear, 1_000)
    cheap.advance(2 * DAY)
    dear.advance(2 * DAY)
    assert len(dear.forwards) < len(cheap.forwards)
    # a dear forward earns more per payment than a cheap one
    per_cheap = cheap.fees_earned_msat() / max(1, len(cheap.forwards))
    per_dear = dear.fees_earned_msat() / max(1, len(dear.forwards))
    assert per_dear > per_cheap


def test_forwards_conserve_money_and_respect_reserves() -> None:
    sim = _sim()
    totals = [c.local_msat + c.remote_msat for c in sim.channels]
    sim.advance(3 * DAY)
    assert [c.local_msat + c.remote_msat for c in sim.channels] == totals
    assert all(c.local_msat >= c.local_reserve_sat * 1000 or c.total_sent_msat == 0 for c in sim.channels)
    gained = sum(c.local_msat for c in sim.channels) - sum(c.local_msat for c in _sim().channels)
    assert gained == sim.fees_earned_msat()
    for f in sim.forwards:
        assert f.amt_in_msat - f.amt_out_msat == f.fee_msat >= 0
        assert f.chan_id_in != f.chan_id_out


def test_draining_a_channel_counts_payments_failed_for_our_liquidity() -> None:
    sim = _sim()
    for ch in sim.channels:  # push every channel's balance to the peer's side
        ch.remote_msat += ch.local_msat - ch.local_reserve_sat * 1000
        ch.local_msat = ch.local_reserve_sat * 1000
    sim.advance(DAY)
    assert sum(c.failed_for_liquidity for c in sim.channels) > 0
    assert sim.forwards == []


def test_peers_flap_and_uptime_is_credited_only_while_online() -> None:
    sim = _sim()
    sim.advance(10 * DAY)
    elapsed = sim.now_s - sim.start_s
    assert all(0 < c.uptime_s <= elapsed for c in sim.channels)
    assert any(c.uptime_s < elapsed for c in sim.channels), "some peer must have been offline in 10 days"
    flapped = [c for c in sim.channels if c.uptime_s < elapsed and c.active]
    assert all(c.flap_count >= 1 and c.last_flap_ns > sim.start_s * 10**9 for c in flapped)
    assert all(c.flap_count == 0 for c in sim.channels if c.uptime_s == elapsed)


def test_clock_and_blocks() -> None:
    sim = _sim()
    height = sim.block_height
    sim.advance(6_000.5)
    assert sim.block_height == height + 10
    with pytest.raises(InvalidInputError):
        sim.advance(-1)


def test_lookups_and_construction_errors() -> None:
    sim = _sim()
    ch = sim.channels[0]
    assert sim.channel_by_point(ch.channel_point) is ch
    assert sim.channel_by_id(ch.chan_id) is ch
    with pytest.raises(NotFoundError):
        sim.channel_by_point("00" * 32 + ":9")
    with pytest.raises(NotFoundError):
        sim.channel_by_id(1)
    with pytest.raises(InvalidInputError):
        Simulation(generate_graph(50, seed=1), SimConfig(channels=1))
    with pytest.raises(InvalidInputError):
        Simulation(generate_graph(8, seed=1), SimConfig(channels=8))


def test_public_graph_contains_our_node_and_live_policy() -> None:
    sim = _sim()
    ch = sim.channels[0]
    sim.set_policy(ch, replace(ch.policy, fee_rate_ppm=321))
    graph = sim.public_graph()
    assert sim.node.pub_key in graph.nodes
    edge = next(c for c in graph.channels if c.chan_id == ch.chan_id)
    assert edge.policy_of(sim.node.pub_key).fee_rate_ppm == 321  # type: ignore[union-attr]
    assert edge.policy_of(ch.peer_pubkey) == ch.peer_policy
    truth = sim.truth()
    assert truth["policy_updates"] == 1


def test_a_fee_limit_finds_the_cheapest_fee_route_when_the_best_weighted_one_is_too_dear() -> None:
    sim = _sim(seed=6)
    book = sim.book
    amount = 200_000_000
    cases = []
    for out in sim.channels:
        for back in sim.channels:
            weighted, cheapest = (
                book._route(out, back, amount),
                book._route(out, back, amount, fees_only=True),
            )
            if weighted is None or cheapest is None:
                continue
            w_fee, c_fee = (sum(h.fee_msat for h in r[0]) for r in (weighted, cheapest))
            assert c_fee <= w_fee
            if c_fee < w_fee:
                cases.append((out, back, c_fee, w_fee))
    assert cases, "the generated graph must offer a fee/weight trade-off somewhere"
    out, back, c_fee, w_fee = cases[0]
    out.local_msat, back.local_msat = out.capacity_sat * 900, back.capacity_sat * 100
    out.remote_msat = out.capacity_sat * 1000 - out.local_msat
    back.remote_msat = back.capacity_sat * 1000 - back.local_msat
    invoice = book.add_invoice(amount)
    paid = book.pay(
        invoice.payment_request,
        outgoing_chan_ids=[out.chan_id],
        last_hop_pubkey=back.peer_pubkey,
        fee_limit_msat=(c_fee + w_fee) // 2,
        allow_self_payment=True,
    )
    assert paid.status == "SUCCEEDED" and paid.fee_msat == c_fee


_BASE = _sim(seed=8)


@given(
    updates=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5_000), st.integers(0, 3_000), st.integers(60, 20_000)),
        max_size=6,
    )
)
@settings(max_examples=15, deadline=None)
def test_any_policy_sequence_conserves_money_and_keeps_balances_in_bounds(
    updates: list[tuple[int, int, int, int]],
) -> None:
    sim = Simulation(_BASE.network.graph, _BASE.config)
    totals = [c.local_msat + c.remote_msat for c in sim.channels]
    start_local = sum(c.local_msat for c in sim.channels)
    for index, ppm, base, wait_s in updates:
        ch = sim.channels[index]
        sim.set_policy(ch, replace(ch.policy, fee_rate_ppm=ppm, base_fee_msat=base))
        sim.advance(wait_s)
    sim.advance(6 * 3_600)
    assert [c.local_msat + c.remote_msat for c in sim.channels] == totals
    assert sum(c.local_msat for c in sim.channels) - start_local == sim.fees_earned_msat()
    assert all(0 <= c.local_msat and 0 <= c.remote_msat for c in sim.channels)
    assert all(f.fee_msat >= 0 for f in sim.forwards)


def test_payers_never_accept_a_route_fee_above_their_limit() -> None:
    sim = _sim()
    for ch in sim.channels:  # 6 % on our hop alone: above LND's 5 % limit for anything over 1,000 sat
        sim.set_policy(ch, replace(ch.policy, base_fee_msat=0, fee_rate_ppm=60_000))
    sim.advance(2 * DAY)
    # only payments up to 1,000 sat (LND allows 100 % fees there) may still cross us
    assert all(f.amt_out_msat <= 1_000_000 and f.fee_msat <= f.amt_out_msat for f in sim.forwards)
    within = _sim()
    _raise_fees(within, 5_000)
    within.advance(2 * DAY)
    assert within.forwards, "0.5 % still wins payments that have no cheaper way around us"
