"""Fee-weighted routing betweenness: the share of cheapest payment routes passing through a node.

The routing graph is directed. Channel ``a-b`` gives an edge ``a -> b`` when ``a``'s policy is
published, enabled, and can carry the reference payment (capacity, ``min_htlc``/``max_htlc``).
Its weight is the fee ``a`` charges to forward that payment plus 1 msat; the extra msat per hop
keeps every weight positive (zero-fee channels are common), so path counts are exact integers
comparisons, and among equally cheap routes the shorter one wins. The sender pays no fee on its
own first channel, so an edge out of the source weighs 1 msat. Of parallel channels between the
same pair the cheapest direction counts. Inbound fees are not applied (see docs/graph.md).

``routing_betweenness(v)`` = sum over ordered pairs (s, t), s != v != t, of the fraction of
cheapest s -> t routes through ``v`` (networkx ``betweenness_centrality(D, weight=...,
normalized=False)`` on that directed graph, with the free first hop).
"""

from __future__ import annotations

import numpy as np

from lnpilot.domain.graph import Graph
from lnpilot.graph._jit import jit, split_sum
from lnpilot.graph.topology import BoolArray, FloatArray, Int32Array, IntArray, csr_from_pairs

REFERENCE_AMOUNT_SAT = 100_000
HOP_MSAT = 1


def routing_edges(
    graph: Graph, index: dict[str, int], amount_sat: int
) -> tuple[IntArray, IntArray, IntArray]:
    """(source, target, weight_msat) of every usable direction, cheapest of parallel channels."""
    amount_msat = amount_sat * 1000
    src: list[int] = []
    dst: list[int] = []
    cost: list[int] = []
    for channel in graph.channels:
        if channel.capacity_sat < amount_sat or channel.node1 == channel.node2:
            continue
        for node, policy in ((channel.node1, channel.node1_policy), (channel.node2, channel.node2_policy)):
            if policy is None or policy.disabled or policy.min_htlc_msat > amount_msat:
                continue
            if 0 < policy.max_htlc_msat < amount_msat:
                continue
            src.append(index[node])
            dst.append(index[channel.other(node)])
            cost.append(policy.fee_msat(amount_msat) + HOP_MSAT)
    s = np.asarray(src, dtype=np.int64)
    d = np.asarray(dst, dtype=np.int64)
    c = np.asarray(cost, dtype=np.int64)
    order = np.lexsort((c, d, s))
    s, d, c = s[order], d[order], c[order]
    first = np.ones(len(s), dtype=np.bool_)
    first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    return s[first], d[first], c[first]


def directed_csr(
    n: int, src: IntArray, dst: IntArray, cost: IntArray
) -> tuple[IntArray, Int32Array, IntArray]:
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order].astype(np.int32), cost[order]


@jit
def _sift_up(heap: IntArray, pos: IntArray, dist: IntArray, i: int) -> None:
    """Move ``heap[i]`` up to its place; the heap is ordered by ``dist`` of its nodes."""
    node = heap[i]
    key = dist[node]
    while i > 0:
        parent = (i - 1) >> 1
        above = heap[parent]
        if dist[above] <= key:
            break
        heap[i] = above
        pos[above] = i
        i = parent
    heap[i] = node
    pos[node] = i


@jit
def _sift_down(heap: IntArray, pos: IntArray, dist: IntArray, size: int) -> None:
    """Move ``heap[0]`` down to its place among the first ``size`` entries."""
    node = heap[0]
    key = dist[node]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and dist[heap[child + 1]] < dist[heap[child]]:
            child += 1
        below = heap[child]
        if key <= dist[below]:
            break
        heap[i] = below
        pos[below] = i
        i = child
    heap[i] = node
    pos[node] = i


@jit
def dijkstra_brandes(
    indptr: IntArray,
    indices: Int32Array,
    cost: IntArray,
    runs: IntArray,
    charged: BoolArray,
    run_weight: FloatArray,
    leaf_targets: FloatArray,
    leaf_both: FloatArray,
    first_hop: int,
    first: int,
    step: int,
) -> FloatArray:
    """Betweenness over ordered pairs on a directed graph with positive integer weights, for the
    runs ``first, first + step, ...``.

    Each run is a Dijkstra from ``runs[r]`` counted ``run_weight[r]`` times. An uncharged run is
    a payment sent by that node (free first hop); a charged run stands for the payments of the
    leaves hanging from it (their hop to it is free, its own fee is paid). ``leaf_targets[v]``
    leaves receive through ``v``: they start ``delta[v]``, since every route to them ends in v.

    While settling a vertex the search records the out-edges that reached a neighbour at a
    distance no worse than known; the backward pass keeps those still tight at the final
    distances (a later, cheaper route can have superseded one) and pulls from them.
    """
    n = len(indptr) - 1
    acc = np.zeros(n)
    dist = np.full(n, -1, np.int64)
    sigma = np.zeros(n)
    coef = np.zeros(n)  # (1 + delta) / sigma of a finished vertex
    order = np.empty(n, np.int64)
    start = np.empty(n + 1, np.int64)  # edges recorded by order[i]: tight[start[i]:start[i + 1]]
    tight = np.empty(len(indices), np.int64)
    heap = np.empty(n, np.int64)  # indexed binary heap: one entry per node, keyed by dist
    pos = np.full(n, -1, np.int64)  # a node's place in the heap; -1 when not in it
    for r in range(first, len(runs), step):
        s = runs[r]
        free = not charged[r]
        dist[s] = 0
        sigma[s] = 1.0
        heap[0] = s
        pos[s] = 0
        size = 1
        settled, m = 0, 0
        while size > 0:
            v = heap[0]
            size -= 1
            pos[v] = -1
            if size > 0:
                heap[0] = heap[size]
                _sift_down(heap, pos, dist, size)
            d = dist[v]
            order[settled] = v
            start[settled] = m
            settled += 1
            sv = sigma[v]
            hop_free = free and v == s
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                nd = d + (first_hop if hop_free else cost[k])
                known = dist[w]
                if known < 0:
                    dist[w] = nd
                    sigma[w] = sv
                    heap[size] = w
                    _sift_up(heap, pos, dist, size)
                    size += 1
                elif nd < known:  # w is still in the heap: a settled node is never this cheap
                    dist[w] = nd
                    sigma[w] = sv
                    _sift_up(heap, pos, dist, pos[w])
                elif nd == known:
                    sigma[w] += sv
                else:
                    continue
                tight[m] = k
                m += 1
        start[settled] = m
        weight = run_weight[r]
        for i in range(settled - 1, -1, -1):
            v = order[i]
            hop_free = free and v == s
            pulled = 0.0
            for j in range(start[i], start[i + 1]):
                k = tight[j]
                w = indices[k]
                if dist[v] + (first_hop if hop_free else cost[k]) == dist[w]:
                    pulled += coef[w]
            delta = leaf_targets[v] + sigma[v] * pulled
            coef[v] = (1.0 + delta) / sigma[v]
            if v != s:
                acc[v] += weight * delta
            elif not free:
                # the root relays for its leaves too, except a leaf paying itself
                acc[v] += weight * delta - leaf_both[v]
        for i in range(settled):
            dist[order[i]] = -1
    return acc


def _leaf_runs(n: int, src: IntArray, dst: IntArray) -> tuple[BoolArray, IntArray, FloatArray, FloatArray]:
    """Leaves of the routing graph (one peer, which has others) and, per peer, how many of its
    leaves can pay through it, be paid through it, and both."""
    indptr, indices = csr_from_pairs(n, src, dst)
    degree = np.diff(indptr)
    peer = np.full(n, -1, dtype=np.int64)
    single = degree == 1
    peer[single] = indices[indptr[:-1][single]]
    leaf = single & (degree[np.maximum(peer, 0)] > 1)
    pays = leaf[src]  # edge leaf -> peer
    paid = leaf[dst]  # edge peer -> leaf
    payers = np.bincount(dst[pays], minlength=n).astype(np.int64)
    receivers = np.bincount(src[paid], minlength=n).astype(np.float64)
    can_pay = np.zeros(n, dtype=np.bool_)
    can_pay[src[pays]] = True
    both = np.bincount(src[paid & can_pay[dst]], minlength=n).astype(np.float64)
    return leaf, payers, receivers, both


def routing_betweenness(
    graph: Graph, index: dict[str, int], amount_sat: int = REFERENCE_AMOUNT_SAT
) -> FloatArray:
    """Raw routing betweenness per node index (ordered pairs; see the module docstring).

    Leaves (a single routing peer) are taken out: every route to a leaf ends with its peer's
    hop, and every route from a leaf starts with a free hop to its peer, so one charged run from
    the peer stands for all of them.
    """
    n = len(index)
    src, dst, cost = routing_edges(graph, index, amount_sat)
    if len(src) == 0:
        return np.zeros(n)
    leaf, payers, receivers, both = _leaf_runs(n, src, dst)
    keep = ~(leaf[src] | leaf[dst])
    src, dst, cost = src[keep], dst[keep], cost[keep]
    indptr, indices, wts = directed_csr(n, src, dst, cost)
    senders = np.flatnonzero(~leaf & (np.diff(indptr) > 0))
    relays = np.flatnonzero(payers > 0)
    runs = np.concatenate([senders, relays]).astype(np.int64)
    charged = np.concatenate([np.zeros(len(senders), np.bool_), np.ones(len(relays), np.bool_)])
    run_weight = np.concatenate([np.ones(len(senders)), payers[relays].astype(np.float64)])
    args = (indptr, indices, wts, runs, charged, run_weight, receivers, both, HOP_MSAT)
    return split_sum(dijkstra_brandes, args, len(runs))
