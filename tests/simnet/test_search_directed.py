"""The goal-directed exact search answers as the plain one does, or says it cannot be sure.

``search.search_directed`` must give ``search.search_around``'s cost and receiver path whenever
it reports its answer as certain (the market's routes, and so every simulated history, depend
on both). Checked on random searches (amounts, sender kinds, failed hops, learned hops, fee
limits, bounds) over a generated graph, and over the same graph with one policy on every edge,
where equal-cost ties are everywhere and the plain search's heap decides many of them. And
``kernel.same_paths``, which lets the kernel price a path shared by two references' trees once.
"""

from __future__ import annotations

import numpy as np
import pytest

from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.market import kernel as kern
from lnpilot.simnet.market import search
from lnpilot.simnet.market.config import MarketConfig
from lnpilot.simnet.market.senders import kind_params
from lnpilot.simnet.network import network_from
from lnpilot.simnet.pathing import EdgeArrays, build_edges


class _Search:
    """One set of search buffers, reset lazily between searches as the kernel's are."""

    def __init__(self, nodes: int, edges: int) -> None:
        self.dist = np.full(nodes, np.inf)
        self.fsum = np.zeros(nodes)
        self.pred = np.full(nodes, -1, dtype=np.int32)
        self.done = np.zeros(nodes, dtype=np.bool_)
        self.touched = np.empty(nodes, dtype=np.int64)
        self.ntouched = np.zeros(1, dtype=np.int64)
        self.heap_d = np.empty(edges + nodes + 1)
        self.heap_v = np.empty(edges + nodes + 1, dtype=np.int64)
        self.amb = np.zeros(nodes, dtype=np.int8)

    def path(self, source: int, target: int, e_src: np.ndarray) -> list[int]:
        out, node = [], target
        while node != source:
            out.append(int(self.pred[node]))
            node = int(e_src[self.pred[node]])
        return out


def _both(
    edges: EdgeArrays,
    kp: np.ndarray,
    source: int,
    target: int,
    a: float,
    k: int,
    *,
    failed: np.ndarray | None = None,
    e_succ: np.ndarray | None = None,
    bound: float = np.inf,
    limit: float = np.inf,
) -> tuple[float, float, bool, _Search, _Search]:
    """(plain cost, directed cost, directed certain, plain buffers, directed buffers)."""
    n, m = edges.nodes, len(edges.dst)
    failed = np.zeros(m, dtype=np.bool_) if failed is None else failed
    now = 1e6
    e_succ = np.full(m, -np.inf) if e_succ is None else e_succ
    cap = edges.capacity_msat.astype(np.float64)
    e_max = np.where(edges.usable, cap, -1.0)
    nonneg = search.nonnegative_costs(kp, edges.base_msat, edges.ppm, edges.time_lock_delta)
    floor = search.weight_floor(kp, k, a, nonneg)
    lone, d_indptr, d_edge = _lone(edges)
    hops = _hops(edges, lone, target, leafless=True)  # the rows the kernel uses
    common = (edges.indptr, edges.dst, source, target, a, k, kp, edges.src, edges.base_msat, edges.ppm)
    rest = (edges.time_lock_delta, cap, e_max, e_succ, now, 3600.0, failed, int(failed.sum()))
    plain, directed = _Search(n, m), _Search(n, m)
    want = search.search_around(
        *common, *rest, plain.dist, plain.pred, plain.done, plain.heap_d, plain.heap_v,
        bound, limit, plain.fsum, plain.touched, plain.ntouched, floor,
    )  # fmt: skip
    got, certain = search.search_directed(
        *common, *rest, directed.dist, directed.pred, directed.done, directed.heap_d, directed.heap_v,
        bound, limit, directed.fsum, directed.touched, directed.ntouched, floor, hops, directed.amb,
        lone, d_indptr, d_edge,
    )  # fmt: skip
    return want, got, certain, plain, directed


def _lone(edges: EdgeArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``search.lone_neighbours``' outputs: each node's lone neighbour and the dead-end-free edges."""
    n, m = edges.nodes, len(edges.dst)
    lone, d_indptr, d_edge = (
        np.empty(n, dtype=np.int64),
        np.empty(n + 1, dtype=np.int64),
        np.empty(m, dtype=np.int64),
    )
    search.lone_neighbours(edges.indptr, edges.dst, lone, d_indptr, d_edge)
    return lone, d_indptr, d_edge


def _hops(edges: EdgeArrays, lone: np.ndarray, target: int, *, leafless: bool) -> np.ndarray:
    """Hop counts to ``target`` over all reversed edges, or without the pure leaves as the kernel
    computes them (``search.leafless_reverse``)."""
    n, m = edges.nodes, len(edges.dst)
    order = np.argsort(edges.dst, kind="stable")
    r_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(edges.dst, minlength=n), out=r_indptr[1:])
    r_src = edges.src[order].astype(np.int64)
    if leafless:
        b_indptr, b_src = np.empty(n + 1, dtype=np.int64), np.empty(m, dtype=np.int64)
        search.leafless_reverse(r_indptr, r_src, lone, b_indptr, b_src)
        r_indptr, r_src = b_indptr, b_src
    hops = np.empty(n, dtype=np.int8)
    search.hops_to(r_indptr, r_src, target, hops, np.empty(n, dtype=np.int64))
    return hops


def _compare(edges: EdgeArrays, seed: int, searches: int) -> tuple[int, int, int]:
    """(certain answers, uncertain ones, certain answers that found a route); asserts agreement."""
    rng = np.random.default_rng(seed)
    kp, _ = kind_params(MarketConfig())
    n, m = edges.nodes, len(edges.dst)
    certain_n = uncertain_n = found_n = 0
    for _ in range(searches):
        source, target = (int(x) for x in rng.choice(n, 2, replace=False))
        a = float(np.round(np.exp(rng.uniform(np.log(1e6), np.log(2e9)))))
        want, got, certain, plain, directed = _both(
            edges,
            kp,
            source,
            target,
            a,
            int(rng.integers(len(kp))),
            failed=rng.random(m) < rng.choice([0.0, 0.02, 0.2]),
            e_succ=np.where(rng.random(m) < 0.3, 1e6 - 10.0, -np.inf),
            bound=float(rng.choice([np.inf, 2e5, 1e6, 5e6])),
            limit=float(rng.choice([np.inf, a * 0.005, a * 0.05])),
        )
        if not certain:
            uncertain_n += 1
            continue
        certain_n += 1
        assert got == want, (source, target, a)
        if want < np.inf:
            found_n += 1
            assert directed.path(source, target, edges.src) == plain.path(source, target, edges.src)
            # every node cheaper than the receiver that the directed search settled has the plain
            # search's label: its cost and its fee sum (which decides the fee limit downstream)
            inner = directed.done & (directed.dist < want)
            assert np.array_equal(directed.dist[inner], plain.dist[inner])
            assert np.array_equal(directed.fsum[inner], plain.fsum[inner])
    return certain_n, uncertain_n, found_n


def test_an_equal_cost_from_a_lower_label_wins_as_in_the_plain_search() -> None:
    # S=0 -> A=1 -> U=3 and S -> X=5 -> B=2 -> U reach U at the same cost 450 (100 a hop plus
    # fees), A from the lower label (100 < 250): the plain search pops A first, so A's edge wins.
    # The directed search pops B first (B has a short, dear edge to T=4; A is 3 hops from T).
    src = np.array([0, 0, 5, 1, 2, 2, 3, 6])
    dst = np.array([1, 5, 2, 3, 3, 4, 6, 4])
    base = np.array([0.0, 0.0, 50.0, 250.0, 100.0, 10_000.0, 0.0, 0.0])
    m = len(src)
    edges = build_edges(
        7, src, dst, base, np.zeros(m), np.zeros(m), np.full(m, 1e9), np.ones(m, bool), np.arange(m)
    )
    kp = np.zeros((1, 8))
    kp[0, search.HOP_B] = kp[0, search.LHOP_B] = 100.0
    want, got, certain, plain, directed = _both(edges, kp, 0, 4, 1_000.0, 0)
    assert (want, got, certain) == (650.0, 650.0, True)
    a_to_u = int(np.flatnonzero((edges.src == 1) & (edges.dst == 3))[0])
    assert plain.pred[3] == directed.pred[3] == a_to_u
    assert directed.fsum[3] == plain.fsum[3] == 250.0


@pytest.fixture(scope="module")
def edges() -> EdgeArrays:
    return network_from(generate_graph(400, seed=5)).edges


def test_directed_search_agrees_on_a_generated_graph(edges: EdgeArrays) -> None:
    certain, uncertain, found = _compare(edges, seed=1, searches=1_500)
    assert certain > 0.8 * (certain + uncertain)
    assert found > 0.3 * certain


def _few_policies(edges: EdgeArrays, bases: list[float]) -> EdgeArrays:
    """The same edges with base fees drawn from ``bases``, no proportional fee, one time lock."""
    m = len(edges.dst)
    return EdgeArrays(
        indptr=edges.indptr,
        dst=edges.dst,
        base_msat=np.random.default_rng(3).choice(bases, m),
        ppm=np.zeros(m),
        time_lock_delta=np.full(m, 40.0),
        capacity_msat=np.full(m, 1e10),
        usable=np.ones(m, dtype=np.bool_),
        chan_id=edges.chan_id,
        src=edges.src,
    )


@pytest.mark.parametrize("bases", [[1_000.0], [0.0, 1_000.0, 2_000.0]])
def test_directed_search_on_ties(edges: EdgeArrays, bases: list[float]) -> None:
    # One policy everywhere: many paths cost exactly the same, and the plain search's heap decides
    # between relaxers with equal labels, so the directed search must give way. A few policies:
    # equal costs reached from different labels too, which the directed search resolves itself.
    certain, uncertain, found = _compare(_few_policies(edges, bases), seed=2, searches=800)
    assert uncertain > 0
    assert found > 0.2 * (certain + uncertain)


def test_same_paths_marks_exactly_the_identical_paths(edges: EdgeArrays) -> None:
    # two references' predecessor trees: the kernel walks a path once where both trees agree on it
    from lnpilot.simnet.pathing import RouteCosts, path_edges

    n = edges.nodes
    out = np.empty(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    agree = differ = 0
    for source in (0, 7, 123):
        _, prev = RouteCosts(edges, 1_000_000.0).from_source(source, charge_source=False)
        _, cur = RouteCosts(edges, 2_000_000_000.0).from_source(source, charge_source=False)
        kern.same_paths(prev, cur, source, edges.src, out, stack)
        for v in range(n):
            want = path_edges(prev, edges, source, v) == path_edges(cur, edges, source, v)
            assert out[v] == want, (source, v)
            agree += want
            differ += not want
    assert agree > 0 and differ > 0


def test_tree_lengths_count_the_hops_of_each_path(edges: EdgeArrays) -> None:
    # the kernel's lower bound on a route through us counts hops of stored paths: never too many
    from lnpilot.simnet.pathing import RouteCosts, path_edges

    n = edges.nodes
    out = np.empty(n, dtype=np.int64)
    _, pred = RouteCosts(edges, 2_000_000_000.0).from_source(11, charge_source=False)
    kern.tree_lengths(pred, 11, edges.src, out, np.empty(n, dtype=np.int64))
    unreachable = 0
    for v in range(n):
        hops = len(path_edges(pred, edges, 11, v))
        if v != 11 and hops == 0:
            unreachable += 1
            assert out[v] == 127
        else:
            assert out[v] == hops, v
    assert unreachable > 0 and out.max() > 2


def test_dead_ends_are_listed_and_a_dead_end_receiver_is_still_reached() -> None:
    # a hub 0 with leaves 1 and 2 (one channel each) and 3 (two parallel channels to 0 only);
    # 4 -- 5 -- 0 is a path. Dead ends of 0: 1, 2, 3; 0's edge list skips them, in order.
    pairs = [(0, 1), (0, 2), (0, 3), (0, 3), (0, 5), (4, 5)]
    src = np.array([a for a, b in pairs] + [b for a, b in pairs])
    dst = np.array([b for a, b in pairs] + [a for a, b in pairs])
    m = len(src)
    edges = build_edges(
        6, src, dst, np.full(m, 1_000.0), np.full(m, 100.0), np.full(m, 40.0), np.full(m, 1e9),
        np.ones(m, bool), np.arange(m),
    )  # fmt: skip
    lone, d_indptr, d_edge = _lone(edges)
    assert lone.tolist() == [-1, 0, 0, 0, 5, -1]
    kept = d_edge[d_indptr[0] : d_indptr[1]]
    assert edges.dst[kept].tolist() == [5] and list(kept) == sorted(kept)
    assert d_indptr[6] == m - 5  # 0 -> 1, 0 -> 2, both 0 -> 3 and 5 -> 4 left out
    kp, _ = kind_params(MarketConfig())
    for target in (1, 3, 2):
        want, got, certain, plain, directed = _both(edges, kp, 4, target, 1e6, 3)
        assert certain and got == want < np.inf
        assert directed.path(4, target, edges.src) == plain.path(4, target, edges.src)


def test_hop_counts_without_pure_leaves_are_the_full_ones_elsewhere(edges: EdgeArrays) -> None:
    # A pure leaf (every edge, out and in, joins one node x) is on no shortest hop path but its
    # own: the breadth-first search without them gives every other node the same count, and
    # leaves them (but the target) at -1; the directed search never reads their counts.
    n = edges.nodes
    lone = _lone(edges)[0]
    tails = [set(edges.src[edges.dst == u].tolist()) for u in range(n)]
    pure = np.array([lone[u] >= 0 and tails[u] <= {int(lone[u])} for u in range(n)])
    assert 0 < pure.sum() < n
    for target in [*np.flatnonzero(pure)[:5].tolist(), *range(0, n, 37)]:
        full = _hops(edges, lone, target, leafless=False)
        got = _hops(edges, lone, target, leafless=True)
        other = ~pure
        other[target] = True
        assert np.array_equal(got[other], full[other])
        gone = pure.copy()
        gone[target] = False
        assert (got[gone] == -1).all()
