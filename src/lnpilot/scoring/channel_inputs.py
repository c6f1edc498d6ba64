"""Graph-derived inputs of a ChannelView: the competitors' fee toward a peer and reach lost on close.

Pure functions over a ``Graph``; the one view builder (``lnpilot.views.builder``) calls them.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from lnpilot.domain.graph import Graph, GraphChannel
from lnpilot.scoring._scale import weighted_median

__all__ = [
    "CompetitorFee",
    "Reach",
    "adjacency",
    "channels_by_node",
    "competitor_fee",
    "reach_lost",
    "reach_lost_by_peer",
    "weighted_median",
]


@dataclass(frozen=True, slots=True)
class CompetitorFee:
    fee_ppm: float | None
    channel_count: int


def channels_by_node(graph: Graph) -> dict[str, list[GraphChannel]]:
    """node -> its channels: build once when asking about many peers of the same graph."""
    index: dict[str, list[GraphChannel]] = defaultdict(list)
    for chan in graph.channels:
        index[chan.node1].append(chan)
        if chan.node2 != chan.node1:
            index[chan.node2].append(chan)
    return index


# A rate of 0 or 1 ppm is an implementation's default (LND: 1,000 msat + 1 ppm) or a free channel:
# half of the 2021 graph's channels, a fifth of the 2025 sample's. Nobody priced them, so they say
# nothing about what liquidity toward the peer is worth.
UNPRICED_PPM = 1


def competitor_fee(
    graph: Graph,
    peer: str,
    exclude_chan_ids: Collection[int] = (),
    index: Mapping[str, list[GraphChannel]] | None = None,
) -> CompetitorFee:
    """Capacity-weighted median of what other nodes charge to forward *into* ``peer``.

    For every enabled channel X-peer (ours excluded), X's own policy on it is what a sender pays X
    to reach the peer: the price we compete with. ``index`` (from ``channels_by_node``) avoids a
    scan of the whole graph per peer.
    """
    pairs = []
    candidates = index.get(peer, []) if index is not None else graph.channels
    for chan in candidates:
        if chan.chan_id in exclude_chan_ids or peer not in (chan.node1, chan.node2):
            continue
        other = chan.other(peer)
        policy = chan.policy_of(other)
        if policy is None or policy.disabled or other == peer:
            continue
        if policy.fee_rate_ppm <= UNPRICED_PPM:
            continue
        pairs.append((float(policy.fee_rate_ppm), float(chan.capacity_sat)))
    return CompetitorFee(weighted_median(pairs), len(pairs))


def adjacency(graph: Graph) -> dict[str, dict[str, int]]:
    """node -> {peer: number of channels between them}."""
    adj: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for chan in graph.channels:
        if chan.node1 != chan.node2:
            adj[chan.node1][chan.node2] += 1
            adj[chan.node2][chan.node1] += 1
    return adj


def _within(
    adj: Mapping[str, Mapping[str, int]], start: str, hops: int, cut: tuple[str, str] | None
) -> set[str]:
    seen = {start}
    frontier: deque[tuple[str, int]] = deque([(start, 0)])
    a, b = cut if cut is not None else ("", "")
    while frontier:
        node, depth = frontier.popleft()
        if depth == hops:
            continue
        for nxt in adj.get(node, {}):
            # The cut edge, either way round (compared as strings: no set built per edge).
            if cut is not None and ((node == a and nxt == b) or (node == b and nxt == a)):
                continue
            if nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, depth + 1))
    seen.discard(start)
    return seen


@dataclass(frozen=True, slots=True)
class Reach:
    lost_nodes: int
    total_nodes: int


def reach_lost(adj: Mapping[str, Mapping[str, int]], us: str, peer: str, hops: int = 3) -> Reach | None:
    """Nodes within ``hops`` of us, and how many of them we could no longer reach in ``hops`` if our
    only channel to ``peer`` closed (none lost while a parallel channel remains). None when the
    graph has no channel between us (a private or not yet announced channel): not measurable."""
    links = adj.get(us, {}).get(peer, 0)
    if links == 0:
        return None
    reachable = _within(adj, us, hops, None)
    if links > 1:
        return Reach(0, len(reachable))
    without = _within(adj, us, hops, (us, peer))
    return Reach(len(reachable - without), len(reachable))


def reach_lost_by_peer(
    adj: Mapping[str, Mapping[str, int]], us: str, peers: Iterable[str], hops: int = 3
) -> dict[str, Reach | None]:
    """``reach_lost`` for many peers: the search from us runs once, the cut search once per peer
    (not per channel: parallel channels to one peer share the answer)."""
    reachable: set[str] | None = None
    out: dict[str, Reach | None] = {}
    for peer in set(peers):
        links = adj.get(us, {}).get(peer, 0)
        if links == 0:
            out[peer] = None
            continue
        if reachable is None:
            reachable = _within(adj, us, hops, None)
        if links > 1:
            out[peer] = Reach(0, len(reachable))
            continue
        without = _within(adj, us, hops, (us, peer))
        out[peer] = Reach(len(reachable - without), len(reachable))
    return out
