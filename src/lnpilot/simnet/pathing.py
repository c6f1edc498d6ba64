"""Route costs the way LND's pathfinding weighs them, over the public graph without our node.

An edge ``a -> b`` carries ``a``'s policy. Its weight for an HTLC of ``amt`` msat is the fee ``a``
charges plus LND's time-lock risk term (``amt * time_lock_delta * 15e-9``, the default
``riskfactorbillionths``) plus a per-hop penalty standing in for LND's a-priori attempt cost.
The sender pays no fee on its own first hop, so a search from a payer does not charge the
source's edges; a search from one of our peers (an intermediate hop) does.

Fees are evaluated at the payment amount rather than accumulated backwards from the receiver
(fee-on-fee is ignored): a few msat of difference that never changes which route wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

RISK_FACTOR = 15e-9  # LND's default riskfactorbillionths, per msat per block
ATTEMPT_COST_MSAT = 100_000  # LND's default attempt cost (100 sat) ...
ATTEMPT_COST_PPM = 1_000  # ... plus 1,000 ppm of the amount
APRIORI_HOP_PROBABILITY = 0.6
HOP_PENALTY_FACTOR = (1.0 - APRIORI_HOP_PROBABILITY) / APRIORI_HOP_PROBABILITY


def hop_penalty_msat(amount_msat: Any) -> Any:
    """LND's attempt cost at the a-priori hop probability, as an additive per-hop term."""
    return (ATTEMPT_COST_MSAT + amount_msat * ATTEMPT_COST_PPM / 1e6) * HOP_PENALTY_FACTOR


@dataclass(frozen=True, slots=True)
class EdgeArrays:
    """Directed edges in CSR order (by source node), each with the source's policy."""

    indptr: np.ndarray  # int64, len nodes + 1
    dst: np.ndarray  # int64
    base_msat: np.ndarray  # float64
    ppm: np.ndarray  # float64
    time_lock_delta: np.ndarray  # float64
    capacity_msat: np.ndarray  # float64
    usable: np.ndarray  # bool: announced and enabled
    chan_id: np.ndarray  # int64, the channel each directed edge belongs to
    src: np.ndarray  # int64, source node of each edge

    @property
    def nodes(self) -> int:
        return len(self.indptr) - 1

    def weights(self, amount_msat: float) -> np.ndarray:
        """Per-edge weight for an HTLC of ``amount_msat``; inf where it cannot pass."""
        fee = self.base_msat + amount_msat * self.ppm / 1e6
        weight = fee + amount_msat * self.time_lock_delta * RISK_FACTOR + hop_penalty_msat(amount_msat)
        passable = self.usable & (self.capacity_msat >= amount_msat)
        return np.where(passable, weight, np.inf)

    def fees(self, amount_msat: float) -> np.ndarray:
        return self.base_msat + np.floor(amount_msat * self.ppm / 1e6)


def build_edges(
    nodes: int,
    src: np.ndarray,
    dst: np.ndarray,
    base_msat: np.ndarray,
    ppm: np.ndarray,
    time_lock_delta: np.ndarray,
    capacity_msat: np.ndarray,
    usable: np.ndarray,
    chan_id: np.ndarray,
) -> EdgeArrays:
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=nodes)
    indptr = np.zeros(nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return EdgeArrays(
        indptr=indptr,
        dst=dst[order].astype(np.int64),
        base_msat=base_msat[order].astype(np.float64),
        ppm=ppm[order].astype(np.float64),
        time_lock_delta=time_lock_delta[order].astype(np.float64),
        capacity_msat=capacity_msat[order].astype(np.float64),
        usable=usable[order].astype(np.bool_),
        chan_id=chan_id[order].astype(np.int64),
        src=src[order].astype(np.int64),
    )


@njit(cache=True)
def heap_pop(heap_d: np.ndarray, heap_v: np.ndarray, size: int) -> tuple[float, int, int]:  # pragma: no cover
    """Remove the root of the binary min-heap ``heap_d[:size]`` (values in ``heap_v``).

    Returns (key, value, new size). Every search of simnet shares this heap: which of two equal
    keys comes out first depends on its exact sift order, and routes depend on that order.
    """
    d = heap_d[0]
    v = heap_v[0]
    size -= 1
    if size > 0:
        # sift the last element down from the root
        ld = heap_d[size]
        lv = heap_v[size]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= size:
                break
            if c + 1 < size and heap_d[c + 1] < heap_d[c]:
                c += 1
            if heap_d[c] < ld:
                heap_d[i] = heap_d[c]
                heap_v[i] = heap_v[c]
                i = c
            else:
                break
        heap_d[i] = ld
        heap_v[i] = lv
    return d, v, size


@njit(cache=True)
def heap_push(heap_d: np.ndarray, heap_v: np.ndarray, size: int, d: float, v: int) -> int:  # pragma: no cover
    """Insert ``v`` with key ``d`` (sift up); returns the new size."""
    i = size
    while i > 0:
        p = (i - 1) // 2
        if heap_d[p] > d:
            heap_d[i] = heap_d[p]
            heap_v[i] = heap_v[p]
            i = p
        else:
            break
    heap_d[i] = d
    heap_v[i] = v
    return size + 1


@njit(cache=True)
def _dijkstra(
    indptr: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    first_hop: np.ndarray,
    source: int,
    charge_source: bool,
    dist: np.ndarray,
    pred_edge: np.ndarray,
) -> None:  # pragma: no cover - compiled; exercised through shortest_costs
    n = len(indptr) - 1
    for i in range(n):
        dist[i] = np.inf
        pred_edge[i] = -1
    done = np.zeros(n, dtype=np.bool_)
    cap = len(dst) + n + 1
    heap_d = np.empty(cap, dtype=np.float64)
    heap_v = np.empty(cap, dtype=np.int64)
    size = 0
    dist[source] = 0.0
    heap_d[0] = 0.0
    heap_v[0] = source
    size = 1
    while size > 0:
        d, v, size = heap_pop(heap_d, heap_v, size)
        if done[v]:
            continue
        done[v] = True
        for e in range(indptr[v], indptr[v + 1]):
            w = weight[e]
            if v == source and not charge_source:
                w = first_hop[e]
            if w == np.inf:
                continue
            u = dst[e]
            nd = d + w
            if nd < dist[u]:
                dist[u] = nd
                pred_edge[u] = e
                size = heap_push(heap_d, heap_v, size, nd, u)


class RouteCosts:
    """Shortest route weights for one amount: rows per source, columns per destination node."""

    def __init__(self, edges: EdgeArrays, amount_msat: float, *, fees_only: bool = False) -> None:
        """``fees_only`` weighs routes by fee alone: the cheapest route a fee limit can admit."""
        self.edges = edges
        self.amount_msat = amount_msat
        self.weight = edges.weights(amount_msat)
        # A payer's own first hop costs no fee, only the risk and attempt terms.
        own = amount_msat * edges.time_lock_delta * RISK_FACTOR + hop_penalty_msat(amount_msat)
        if fees_only:
            self.weight = np.where(np.isfinite(self.weight), edges.fees(amount_msat), np.inf)
            own = np.zeros_like(own)
        self.first_hop = np.where(np.isfinite(self.weight), own, np.inf)

    def from_source(self, source: int, *, charge_source: bool) -> tuple[np.ndarray, np.ndarray]:
        n = self.edges.nodes
        dist = np.empty(n, dtype=np.float64)
        pred = np.empty(n, dtype=np.int64)
        _dijkstra(
            self.edges.indptr, self.edges.dst, self.weight, self.first_hop, source, charge_source, dist, pred
        )
        return dist, pred

    def matrix(self, sources: np.ndarray, *, charge_source: bool) -> np.ndarray:
        out = np.empty((len(sources), self.edges.nodes), dtype=np.float32)
        for row, source in enumerate(sources):
            out[row] = self.from_source(int(source), charge_source=charge_source)[0]
        return out


def path_edges(pred_edge: np.ndarray, edges: EdgeArrays, source: int, target: int) -> list[int]:
    """Edge indices from ``source`` to ``target`` (empty when unreachable or equal)."""
    path: list[int] = []
    node = target
    while node != source:
        e = int(pred_edge[node])
        if e < 0:
            return []
        path.append(e)
        node = int(edges.src[e])
    path.reverse()
    return path
