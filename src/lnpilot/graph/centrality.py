"""Harmonic closeness and PageRank of the undirected simple graph (parallel channels collapsed)."""

from __future__ import annotations

import numpy as np

from lnpilot.graph._jit import jit, split_sum
from lnpilot.graph.brandes import core_csr
from lnpilot.graph.topology import FloatArray, Int32Array, IntArray

PAGERANK_ALPHA = 0.85
PAGERANK_TOL = 1e-12
PAGERANK_MAX_ITER = 1000


@jit
def _leaf_parents(indptr: IntArray, indices: Int32Array) -> IntArray:
    """For a degree-1 vertex whose neighbour has more peers: that neighbour; otherwise -1."""
    n = len(indptr) - 1
    parent = np.full(n, -1, np.int64)
    for v in range(n):
        if indptr[v + 1] - indptr[v] == 1:
            p = indices[indptr[v]]
            if indptr[p + 1] - indptr[p] > 1:
                parent[v] = p
    return parent


@jit
def _harmonic_sums(
    indptr: IntArray, indices: Int32Array, leaves: FloatArray, first: int, step: int
) -> FloatArray:
    """For the sources ``first, first + step, ...`` of a graph whose leaves were taken out
    (``leaves[v]`` of them hung from v, one hop further than v): row 0 the sum of 1/d over every
    reachable vertex, leaves included; row 1 the same with every distance one longer."""
    n = len(indptr) - 1
    out = np.zeros((2, n))
    dist = np.full(n, -1, np.int32)
    queue = np.empty(n, np.int32)
    for s in range(first, n, step):
        dist[s] = 0
        queue[0] = s
        head, tail = 0, 1
        total = leaves[s]
        shifted = leaves[s] / 2.0
        while head < tail:
            v = queue[head]
            head += 1
            dnext = dist[v] + 1
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if dist[w] < 0:
                    dist[w] = dnext
                    queue[tail] = w
                    tail += 1
                    total += 1.0 / dnext + leaves[w] / (dnext + 1)
                    shifted += 1.0 / (dnext + 1) + leaves[w] / (dnext + 2)
        out[0, s] = total
        out[1, s] = shifted
        for i in range(tail):
            dist[queue[i]] = -1
    return out


def harmonic_closeness(indptr: IntArray, indices: Int32Array) -> FloatArray:
    """Sum of 1/distance to every other node, divided by n - 1 (networkx harmonic / (n-1)).

    Leaves are taken out of the searches: a leaf u hanging from p is one hop further than p from
    everything else, so it adds 1/(d + 1) wherever p adds 1/d, and
    H(u) = 1 + sum over t != p of 1/(d(p,t) + 1) - 1/2 (u itself is at distance 1 from p), the
    shifted sum each search accumulates as well.
    """
    n = len(indptr) - 1
    if n < 2:
        return np.zeros(n)
    parent = _leaf_parents(indptr, indices)
    is_leaf = parent >= 0
    rptr, ridx, old = core_csr(indptr, indices, is_leaf)
    leaves = np.bincount(parent[is_leaf], minlength=n).astype(np.float64)[old]
    sums = split_sum(_harmonic_sums, (rptr, ridx, leaves), len(old))
    harmonic = np.zeros(n)
    shifted = np.zeros(n)
    harmonic[old] = sums[0]
    shifted[old] = sums[1]
    harmonic[is_leaf] = 0.5 + shifted[parent[is_leaf]]
    result: FloatArray = harmonic / (n - 1)
    return result


def pagerank(indptr: IntArray, indices: Int32Array) -> FloatArray:
    """PageRank (alpha 0.85) walking each undirected edge both ways; isolated nodes teleport uniformly.

    The same fixed point as networkx ``pagerank(G, alpha=0.85)`` on the simple undirected graph.
    """
    n = len(indptr) - 1
    if n == 0:
        return np.zeros(0)
    degree = np.diff(indptr).astype(np.float64)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    dangling = degree == 0
    safe_degree = np.where(dangling, 1.0, degree)
    rank = np.full(n, 1.0 / n)
    for _ in range(PAGERANK_MAX_ITER):
        share = rank / safe_degree
        spread = np.bincount(indices, weights=share[rows], minlength=n)
        new = PAGERANK_ALPHA * (spread + rank[dangling].sum() / n) + (1.0 - PAGERANK_ALPHA) / n
        converged = float(np.abs(new - rank).sum()) < n * PAGERANK_TOL
        rank = new
        if converged:
            break
    result: FloatArray = rank
    return result
