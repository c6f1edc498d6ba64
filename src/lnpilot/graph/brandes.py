"""Exact betweenness of the undirected simple graph, with tree fringes credited analytically.

Most of the Lightning graph is leaves and small trees hanging off a core. Repeatedly stripping
degree-1 vertices leaves a core in which every vertex ``v`` carries ``weight[v]`` = 1 + the size
of the trees that hang from it. Shortest paths never run inside a tree except to reach one of
its vertices, so for the original graph:

* a stripped vertex ``u`` separates its component into its child subtrees and the rest, and
  lies on exactly the paths between different parts: ``((n_c - 1)^2 - sum(part^2)) / 2``;
* a core vertex ``v`` gets the same closed form for pairs inside its own tree, plus
  ``(weight[v] - 1) * (n_c - weight[v])`` for pairs leaving its tree, plus the core term: a
  Brandes pass over the core where source ``s`` counts ``weight[s]`` times and a target ``t``
  ``weight[t]`` times (``delta(v) = sum sigma_v / sigma_w * (weight[w] + delta(w))``).

The result equals networkx ``betweenness_centrality(G, normalized=False)`` (unordered pairs).
"""

from __future__ import annotations

import numpy as np

from lnpilot.graph._jit import jit, split_sum
from lnpilot.graph.topology import BoolArray, FloatArray, Int32Array, IntArray
from lnpilot.graph.twins import plan_twins


@jit
def strip_leaves(indptr: IntArray, indices: Int32Array) -> tuple[BoolArray, IntArray, IntArray]:
    """Iteratively remove degree-1 vertices: (removed, parent it hung from, weight = tree size)."""
    n = len(indptr) - 1
    deg = indptr[1:] - indptr[:-1]
    removed = np.zeros(n, np.bool_)
    parent = np.full(n, -1, np.int64)
    weight = np.ones(n, np.int64)
    # a vertex is pushed at most once: when it starts at degree 1 or when its degree drops to 1
    stack = np.empty(n, np.int64)
    top = 0
    for v in range(n):
        if deg[v] == 1:
            stack[top] = v
            top += 1
    while top > 0:
        top -= 1
        u = stack[top]
        if deg[u] != 1:
            continue  # its last neighbour was stripped first: u is the root of a tree component
        p = -1
        for k in range(indptr[u], indptr[u + 1]):
            if not removed[indices[k]]:
                p = indices[k]
                break
        removed[u] = True
        parent[u] = p
        deg[u] = 0
        weight[p] += weight[u]
        deg[p] -= 1
        if deg[p] == 1:
            stack[top] = p
            top += 1
    return removed, parent, weight


@jit
def components(indptr: IntArray, indices: Int32Array) -> tuple[IntArray, IntArray]:
    """For every vertex: its component's label (lowest vertex index in it) and its size."""
    n = len(indptr) - 1
    label = np.full(n, -1, np.int64)
    size = np.zeros(n, np.int64)
    queue = np.empty(n, np.int64)
    for root in range(n):
        if label[root] >= 0:
            continue
        label[root] = root
        queue[0] = root
        head, tail = 0, 1
        while head < tail:
            v = queue[head]
            head += 1
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if label[w] < 0:
                    label[w] = root
                    queue[tail] = w
                    tail += 1
        size[root] = tail
    out = np.empty(n, np.int64)
    for v in range(n):
        out[v] = size[label[v]]
    return label, out


@jit
def tree_credit(removed: BoolArray, parent: IntArray, weight: IntArray, comp: IntArray) -> FloatArray:
    """The closed-form part of every vertex's betweenness (pairs with an endpoint in a tree)."""
    n = len(removed)
    sumsq = np.zeros(n)
    for u in range(n):
        if removed[u]:
            sumsq[parent[u]] += float(weight[u]) * float(weight[u])
    out = np.zeros(n)
    for v in range(n):
        nc = float(comp[v])
        wv = float(weight[v])
        if removed[v]:
            out[v] = ((nc - 1.0) ** 2 - sumsq[v] - (nc - wv) ** 2) / 2.0
        else:
            inner = wv - 1.0
            out[v] = (inner * inner - sumsq[v]) / 2.0 + inner * (nc - wv)
    return out


@jit
def core_csr(
    indptr: IntArray, indices: Int32Array, removed: BoolArray
) -> tuple[IntArray, Int32Array, IntArray]:
    """The subgraph on the vertices still present, relabelled 0..m-1, and the old index of each."""
    n = len(indptr) - 1
    new = np.full(n, -1, np.int64)
    m = 0
    for v in range(n):
        if not removed[v]:
            new[v] = m
            m += 1
    old = np.empty(m, np.int64)
    cptr = np.zeros(m + 1, np.int64)
    count = 0
    for v in range(n):
        if removed[v]:
            continue
        old[new[v]] = v
        for k in range(indptr[v], indptr[v + 1]):
            if not removed[indices[k]]:
                count += 1
        cptr[new[v] + 1] = count
    cidx = np.empty(count, np.int32)
    pos = 0
    for v in range(n):
        if removed[v]:
            continue
        for k in range(indptr[v], indptr[v + 1]):
            w = indices[k]
            if not removed[w]:
                cidx[pos] = new[w]
                pos += 1
    return cptr, cidx, old


@jit
def hub_order(indptr: IntArray, indices: Int32Array) -> IntArray:
    """A breadth-first order started from the best-connected vertex: neighbours get nearby indices,
    and the hubs every search touches sit together in cache."""
    n = len(indptr) - 1
    degree = indptr[1:] - indptr[:-1]
    seen = np.zeros(n, np.bool_)
    order = np.empty(n, np.int64)
    tail = 0
    for root in np.argsort(-degree, kind="mergesort"):
        if seen[root]:
            continue
        seen[root] = True
        order[tail] = root
        head = tail
        tail += 1
        while head < tail:
            v = order[head]
            head += 1
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if not seen[w]:
                    seen[w] = True
                    order[tail] = w
                    tail += 1
    return order


@jit
def permute(indptr: IntArray, indices: Int32Array, order: IntArray) -> tuple[IntArray, Int32Array]:
    """The CSR relabelled so that vertex ``order[i]`` becomes ``i``."""
    n = len(indptr) - 1
    new = np.empty(n, np.int64)
    for i in range(n):
        new[order[i]] = i
    pptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        v = order[i]
        pptr[i + 1] = pptr[i] + indptr[v + 1] - indptr[v]
    pidx = np.empty(len(indices), np.int32)
    for i in range(n):
        v = order[i]
        pos = pptr[i]
        for k in range(indptr[v], indptr[v + 1]):
            pidx[pos] = new[indices[k]]
            pos += 1
        pidx[pptr[i] : pptr[i + 1]].sort()
    return pptr, pidx


@jit
def weighted_brandes(
    indptr: IntArray,
    indices: Int32Array,
    weight: FloatArray,
    sources: IntArray,
    source_weight: FloatArray,
    twin_class: IntArray,
    first: int,
    step: int,
) -> FloatArray:
    """Brandes over ordered (source, target) pairs, each weighted ``source_weight * weight[t]``,
    for ``sources[first::step]``; targets in the source's own twin class weigh 0 (see twins.py).

    The forward search records each vertex's shortest-path successors contiguously, so the
    backward pass reads only DAG edges (about half the adjacency) and pulls
    ``delta(v) = sigma(v) * sum over successors w of (weight[w] + delta(w)) / sigma(w)``
    with one write per vertex. ``sigma`` needs no reset: discovery overwrites it before any read.
    """
    n = len(indptr) - 1
    acc = np.zeros(n)
    dist = np.full(n, -1, np.int32)
    sigma = np.zeros(n)
    coef = np.zeros(n)  # (weight + delta) / sigma of a finished vertex
    order = np.empty(n, np.int32)
    start = np.empty(n + 1, np.int64)  # successors of order[i]: succ[start[i]:start[i + 1]]
    succ = np.empty(len(indices), np.int32)
    for r in range(first, len(sources), step):
        s = sources[r]
        own_class = twin_class[s]
        dist[s] = 0
        sigma[s] = 1.0
        order[0] = s
        head, tail, m = 0, 1, 0
        while head < tail:
            v = order[head]
            start[head] = m
            head += 1
            dnext = dist[v] + 1
            sv = sigma[v]
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                dw = dist[w]
                if dw < 0:
                    dist[w] = dnext
                    sigma[w] = sv
                    order[tail] = w
                    tail += 1
                    succ[m] = w
                    m += 1
                elif dw == dnext:
                    sigma[w] += sv
                    succ[m] = w
                    m += 1
        start[tail] = m
        ws = source_weight[r]
        for i in range(tail - 1, 0, -1):
            v = order[i]
            pulled = 0.0
            for j in range(start[i], start[i + 1]):
                pulled += coef[succ[j]]
            delta = sigma[v] * pulled
            acc[v] += ws * delta
            target = 0.0 if own_class >= 0 and twin_class[v] == own_class else weight[v]
            coef[v] = (target + delta) / sigma[v]
            dist[v] = -1
        dist[s] = -1
    return acc


def betweenness_raw(indptr: IntArray, indices: Int32Array) -> FloatArray:
    """Exact raw betweenness (each unordered pair once) of the simple graph in CSR form."""

    removed, parent, weight = strip_leaves(indptr, indices)
    _, comp = components(indptr, indices)
    out = tree_credit(removed, parent, weight, comp)
    cptr, cidx, old = core_csr(indptr, indices, removed)
    if len(cidx):
        order = hub_order(cptr, cidx)
        cptr, cidx = permute(cptr, cidx, order)
        old = old[order]
        core_weight = weight[old].astype(np.float64)
        plan = plan_twins(cptr, cidx, core_weight)
        args = (cptr, cidx, core_weight, plan.sources, plan.source_weight, plan.twin_class)
        core = split_sum(weighted_brandes, args, len(plan.sources)) + plan.pair_credit
        out[old] += core / 2.0
    return out
