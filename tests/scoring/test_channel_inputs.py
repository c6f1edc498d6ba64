from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode
from lnpilot.scoring.channel_inputs import (
    adjacency,
    channels_by_node,
    competitor_fee,
    reach_lost,
    weighted_median,
)
from tests.scoring.scoring_builders import policy, pubkey


def test_weighted_median_hand_computed() -> None:
    # weights 1, 1, 3 -> total 5, half 2.5 -> 30 (10:1, 20:2, 30:5)
    assert weighted_median([(10, 1), (20, 1), (30, 3)]) == 30
    assert weighted_median([(10, 3), (20, 1), (30, 1)]) == 10
    assert weighted_median([(10, 1), (20, 1)]) == 10
    assert weighted_median([]) is None
    assert weighted_median([(5, 0)]) is None


@settings(deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0.1, 1e6)), min_size=1, max_size=30))
def test_weighted_median_is_one_of_the_values(pairs: list[tuple[float, float]]) -> None:
    median = weighted_median(pairs)
    assert median in {v for v, _ in pairs}


US, PEER = pubkey(0), pubkey(1)


def _chan(
    k: int, a: int, b: int, cap: int = 1_000_000, fee_a: int | None = 100, fee_b: int | None = 100
) -> GraphChannel:
    return GraphChannel(
        (700_000 + k) << 40,
        pubkey(a),
        pubkey(b),
        cap,
        None if fee_a is None else policy(fee_a),
        None if fee_b is None else policy(fee_b),
    )


def _graph(*chans: GraphChannel) -> Graph:
    keys = {c.node1 for c in chans} | {c.node2 for c in chans}
    return Graph({k: GraphNode(k) for k in keys}, chans)


def test_competitor_fee_uses_the_other_side_policy() -> None:
    graph = _graph(
        _chan(0, 0, 1, fee_a=1),  # ours: excluded
        _chan(1, 2, 1, cap=3_000_000, fee_a=50, fee_b=9999),  # node 2 charges 50 toward the peer
        _chan(2, 1, 3, cap=1_000_000, fee_a=9999, fee_b=400),  # node 3 is node2 here: charges 400
        _chan(3, 4, 1, fee_a=None),  # no policy: not a competitor
        _chan(4, 5, 6),  # unrelated
    )
    result = competitor_fee(graph, PEER, exclude_chan_ids={graph.channels[0].chan_id})
    assert result.channel_count == 2
    assert result.fee_ppm == 50.0  # 3M sat at 50 ppm outweighs 1M at 400
    indexed = competitor_fee(graph, PEER, {graph.channels[0].chan_id}, channels_by_node(graph))
    assert indexed == result
    assert competitor_fee(graph, pubkey(42), (), channels_by_node(graph)) == competitor_fee(graph, pubkey(42))
    disabled = _graph(_chan(1, 2, 1, fee_a=None))
    assert competitor_fee(disabled, PEER) == competitor_fee(_graph(_chan(1, 2, 3)), PEER)


def test_competitor_fee_ignores_unpriced_channels() -> None:
    """0 and 1 ppm are defaults or free channels, not prices: 5M sat at 1 ppm and 2M at 0 ppm
    would otherwise make the median 1 ppm; without them it is the priced channels' 300 ppm."""
    graph = _graph(
        _chan(1, 2, 1, cap=5_000_000, fee_a=1),
        _chan(2, 3, 1, cap=2_000_000, fee_a=0),
        _chan(3, 4, 1, cap=1_000_000, fee_a=300),
    )
    result = competitor_fee(graph, PEER)
    assert result.fee_ppm == 300.0
    assert result.channel_count == 1
    only_defaults = _graph(_chan(1, 2, 1, fee_a=1))
    assert competitor_fee(only_defaults, PEER).fee_ppm is None  # no price known: the caller falls back


def test_reach_lost() -> None:
    # us - peer - 2 - 3, us - 4; peer is the only way to 2 and 3 within 3 hops.
    graph = _graph(_chan(0, 0, 1), _chan(1, 1, 2), _chan(2, 2, 3), _chan(3, 0, 4))
    adj = adjacency(graph)
    reach = reach_lost(adj, US, PEER, hops=3)
    assert reach is not None and (reach.lost_nodes, reach.total_nodes) == (3, 4)
    # A second way to 2 via 4: within 3 hops nothing is lost (the peer itself is us-4-2-peer);
    # within 2 hops the peer is lost, and 2 (via 4) is kept.
    adj2 = adjacency(_graph(*graph.channels, _chan(4, 4, 2)))
    reach2 = reach_lost(adj2, US, PEER, hops=3)
    assert reach2 is not None and (reach2.lost_nodes, reach2.total_nodes) == (0, 4)
    reach2 = reach_lost(adj2, US, PEER, hops=2)
    assert reach2 is not None and (reach2.lost_nodes, reach2.total_nodes) == (1, 3)
    # A parallel channel to the peer: closing one loses nothing.
    adj3 = adjacency(_graph(*graph.channels, _chan(5, 0, 1)))
    reach3 = reach_lost(adj3, US, PEER)
    assert reach3 is not None and reach3.lost_nodes == 0
    # Not in the graph: not measurable.
    assert reach_lost(adj, US, pubkey(9)) is None
