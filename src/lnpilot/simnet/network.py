"""The public graph as arrays, and our node joining it with K channels to plausible peers."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy
from lnpilot.errors import InvalidInputError
from lnpilot.simnet.bolt11 import node_private_key, public_key
from lnpilot.simnet.generator import random_policy, txid_from
from lnpilot.simnet.pathing import EdgeArrays, build_edges
from lnpilot.simnet.state import SimChannel

# LND's defaults (bitcoin.basefee, bitcoin.feerate, bitcoin.timelockdelta) for a fresh node.
DEFAULT_POLICY = RoutingPolicy(
    base_fee_msat=1000, fee_rate_ppm=1, time_lock_delta=80, min_htlc_msat=1000, max_htlc_msat=0
)
_STREAM_JOIN = 0x6A6F


@dataclass(frozen=True, slots=True)
class Network:
    graph: Graph  # the public graph without us
    pubkeys: tuple[str, ...]  # node index -> pubkey
    index: dict[str, int]
    edges: EdgeArrays
    node_capacity_sat: np.ndarray
    degree: np.ndarray


def network_from(graph: Graph) -> Network:
    pubkeys = tuple(sorted(graph.nodes))
    index = {key: i for i, key in enumerate(pubkeys)}
    src: list[int] = []
    dst: list[int] = []
    base: list[int] = []
    ppm: list[int] = []
    tld: list[int] = []
    cap: list[int] = []
    usable: list[bool] = []
    chan_ids: list[int] = []
    node_capacity = np.zeros(len(pubkeys), dtype=np.float64)
    degree = np.zeros(len(pubkeys), dtype=np.int64)
    for ch in graph.channels:
        a, b = index.get(ch.node1), index.get(ch.node2)
        if a is None or b is None or a == b:
            continue
        node_capacity[a] += ch.capacity_sat
        node_capacity[b] += ch.capacity_sat
        degree[a] += 1
        degree[b] += 1
        for s, d, pol in ((a, b, ch.node1_policy), (b, a, ch.node2_policy)):
            if pol is None:
                continue
            src.append(s)
            dst.append(d)
            base.append(pol.base_fee_msat)
            ppm.append(pol.fee_rate_ppm)
            tld.append(pol.time_lock_delta)
            max_msat = pol.max_htlc_msat or ch.capacity_sat * 1000
            cap.append(min(ch.capacity_sat * 1000, max_msat))
            usable.append(not pol.disabled)
            chan_ids.append(ch.chan_id)
    if not src:
        raise InvalidInputError("the graph has no channel with a routing policy")
    edges = build_edges(
        len(pubkeys),
        np.asarray(src, dtype=np.int64),
        np.asarray(dst, dtype=np.int64),
        np.asarray(base, dtype=np.float64),
        np.asarray(ppm, dtype=np.float64),
        np.asarray(tld, dtype=np.float64),
        np.asarray(cap, dtype=np.float64),
        np.asarray(usable, dtype=np.bool_),
        np.asarray(chan_ids, dtype=np.int64),
    )
    return Network(graph, pubkeys, index, edges, node_capacity, degree)


def join(
    net: Network,
    *,
    channels: int,
    seed: int,
    start_s: int,
    block_height: int,
    extra_peers: tuple[tuple[str, int], ...] = (),
) -> tuple[GraphNode, list[SimChannel]]:
    """Our node and its channels: peers are well-connected nodes, drawn weighted by degree.

    ``extra_peers`` ((pubkey, capacity sat), ...) adds channels we opened to chosen nodes after the
    seeded ones, from a stream of their own, so the seeded channels are the same with or without
    them: two simulations that differ only in one extra peer compare that peer's worth.
    """
    rng = np.random.default_rng([seed, _STREAM_JOIN])
    our_key = public_key(node_private_key(seed)).hex()  # a real key: it signs our invoices
    if our_key in net.index:
        raise InvalidInputError(f"the graph already has a node {our_key}; pick another seed")
    candidates = np.flatnonzero(net.degree >= 2)
    if len(candidates) < channels:
        raise InvalidInputError(
            f"the graph has {len(candidates)} well-connected nodes, fewer than the {channels} channels asked"
        )
    weight = net.degree[candidates].astype(np.float64)
    peers = rng.choice(candidates, size=channels, replace=False, p=weight / weight.sum())
    ours: list[SimChannel] = []
    for pos, peer in enumerate(sorted(int(p) for p in peers)):
        capacity_sat = int(
            min(50_000_000, max(1_000_000, round(float(rng.lognormal(np.log(5_000_000), 0.6)))))
        )
        local_share = float(rng.uniform(0.1, 0.9))
        local_msat = int(capacity_sat * local_share) * 1000
        initiator = bool(rng.random() < 0.7)
        commit_fee_sat = 2_500 if initiator else 0
        if initiator:
            local_msat -= commit_fee_sat * 1000
        block = block_height - int(rng.integers(1_000, 50_000))
        chan_id = (block << 40) | ((pos + 1) << 16) | int(rng.integers(0, 2))
        peer_policy = replace(
            random_policy(rng, capacity_sat, start_s), disabled=False, inbound_fee_rate_ppm=0
        )
        ours.append(
            SimChannel(
                chan_id=chan_id,
                channel_point=f"{txid_from(rng)}:{chan_id & 0xFFFF}",
                peer_pubkey=net.pubkeys[peer],
                peer_index=peer,
                capacity_sat=capacity_sat,
                local_msat=local_msat,
                remote_msat=(capacity_sat - commit_fee_sat) * 1000 - local_msat,
                policy=replace(DEFAULT_POLICY, max_htlc_msat=capacity_sat * 990, last_update=start_s),
                peer_policy=peer_policy,
                opened_at_s=start_s,
                initiator=initiator,
                local_reserve_sat=capacity_sat // 100,
                remote_reserve_sat=capacity_sat // 100,
                commit_fee_sat=commit_fee_sat,
            )
        )
    extra_rng = np.random.default_rng([seed, _STREAM_JOIN, 1])
    taken = {ch.peer_pubkey for ch in ours}
    for k, (pub_key, capacity_sat) in enumerate(extra_peers):
        index = net.index.get(pub_key)
        if index is None or pub_key in taken:
            raise InvalidInputError(f"extra peer {pub_key[:16]}... is not a new node of the graph")
        taken.add(pub_key)
        chan_id = ((block_height - 6) << 40) | ((channels + k + 1) << 16)
        commit_fee_sat = 2_500
        # We opened it: the whole capacity (less the commitment fee) is ours.
        local_msat = (capacity_sat - commit_fee_sat) * 1000
        ours.append(
            SimChannel(
                chan_id=chan_id,
                channel_point=f"{txid_from(extra_rng)}:0",
                peer_pubkey=pub_key,
                peer_index=index,
                capacity_sat=capacity_sat,
                local_msat=local_msat,
                remote_msat=0,
                policy=replace(DEFAULT_POLICY, max_htlc_msat=capacity_sat * 990, last_update=start_s),
                peer_policy=replace(
                    random_policy(extra_rng, capacity_sat, start_s), disabled=False, inbound_fee_rate_ppm=0
                ),
                opened_at_s=start_s,
                initiator=True,
                local_reserve_sat=capacity_sat // 100,
                remote_reserve_sat=capacity_sat // 100,
                commit_fee_sat=commit_fee_sat,
            )
        )
    node = GraphNode(
        pub_key=our_key,
        alias="lnpilot-simnet",
        last_update=start_s,
        color="#f7931a",
        addresses=("127.0.0.1:9735",),
    )
    return node, ours


def graph_with_us(net: Network, us: GraphNode, ours: list[SimChannel]) -> Graph:
    """The public graph as our node sees it: everyone's channels plus our own."""
    nodes = dict(net.graph.nodes)
    nodes[us.pub_key] = us
    extra = []
    for ch in ours:
        node1, node2 = sorted((us.pub_key, ch.peer_pubkey))
        mine = replace(ch.policy, disabled=ch.policy.disabled or not ch.active)
        p1, p2 = (mine, ch.peer_policy) if node1 == us.pub_key else (ch.peer_policy, mine)
        extra.append(
            GraphChannel(
                chan_id=ch.chan_id,
                node1=node1,
                node2=node2,
                capacity_sat=ch.capacity_sat,
                node1_policy=p1,
                node2_policy=p2,
                channel_point=ch.channel_point,
                last_update=max(p1.last_update, p2.last_update),
            )
        )
    return Graph(nodes=nodes, channels=(*net.graph.channels, *extra), taken_at=net.graph.taken_at)
