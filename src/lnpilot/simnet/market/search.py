# mypy: allow-untyped-defs
# (numba kernels: typed by numba at compile time from the arrays passed in)
"""Senders' edge weights and the exact route searches, compiled (used by ``market.kernel``).

Costs of one edge for an HTLC of ``a`` msat (``KP`` columns per sender kind):
    fee (not on the payer's own first hop) + a * time_lock_delta * risk
    + hop_base + a * hop_ppm / 1e6   (LND: attempt cost x (1 - p) / p, p learned or a priori)
    + (liq + liq_amt * a / 2^20) * -log10((cap + 1 - a) / (cap + 1))   (LDK's liquidity penalty)
``edge_cost`` is that weight; the searches inline it term for term. ``search_around`` is the plain
exact search (bounded Dijkstra), ``search_directed`` the goal-directed one that gives the same
answer or says it cannot be sure; ``hop_row`` caches the hop counts its lower bound needs.
This module imports nothing from ``kernel`` (imports go one way: kernel -> search).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lnpilot.simnet.pathing import heap_pop, heap_push

# KP columns: sender kind cost parameters
RF, HOP_B, HOP_P, LHOP_B, LHOP_P, LEARNS, LIQ, LIQ_A = range(8)
_INF = np.inf


@njit(cache=True)
def edge_cost(kp, k, a, fee, tld, cap, learned):  # pragma: no cover - compiled
    hb = kp[k, HOP_B]
    hp = kp[k, HOP_P]
    if learned and kp[k, LEARNS] > 0.0:
        hb = kp[k, LHOP_B]
        hp = kp[k, LHOP_P]
    c = fee + a * tld * kp[k, RF] + hb + a * hp / 1e6
    if kp[k, LIQ] > 0.0 or kp[k, LIQ_A] > 0.0:
        if a >= cap + 1.0:
            return _INF
        c += (kp[k, LIQ] + kp[k, LIQ_A] * a / 1048576.0) * -np.log10((cap + 1.0 - a) / (cap + 1.0))
    return c


@njit(cache=True)
def weight_floor(kp, k, a, nonneg):  # pragma: no cover - compiled
    """A lower bound on ``edge_cost`` of any edge at amount ``a`` for kind ``k`` (-inf if none).

    ``edge_cost`` adds terms that are >= 0 when fees, time-lock deltas and the risk and liquidity
    factors are (``nonneg``) to ``hb + a * hp / 1e6``; floating-point addition is monotone, so the
    edge's cost is never below this value computed the same way, and ``d + floor >= x`` proves
    ``d + cost >= x`` exactly: the searches use it to skip edges that cannot improve anything.
    """
    if not nonneg:
        return -_INF
    plain = 0.0 + kp[k, HOP_B] + a * kp[k, HOP_P] / 1e6
    learned = 0.0 + kp[k, LHOP_B] + a * kp[k, LHOP_P] / 1e6
    return min(plain, learned)


@njit(cache=True)
def nonnegative_costs(kp, e_base, e_ppm, e_tld):  # pragma: no cover - compiled
    """Whether every term ``weight_floor`` leaves out is >= 0 for every edge and kind."""
    for k in range(kp.shape[0]):
        if kp[k, RF] < 0.0 or kp[k, LIQ] < 0.0 or kp[k, LIQ_A] < 0.0:
            return False
    for e in range(len(e_base)):  # noqa: SIM110 - a plain loop: numba compiles no generator into all()
        if not (e_base[e] >= 0.0 and e_ppm[e] >= 0.0 and e_tld[e] >= 0.0):
            return False
    return True


@njit(cache=True, inline="always")
def _search_constants(kp, k, a):  # pragma: no cover - compiled
    """``edge_cost``'s terms that depend only on the sender kind and the amount, once per search:
    (rf, hop base, hop ppm x a, learned hop base, learned hop ppm x a, learns, has_liq, liq x a)."""
    return (
        kp[k, RF],
        kp[k, HOP_B],
        a * kp[k, HOP_P] / 1e6,
        kp[k, LHOP_B],
        a * kp[k, LHOP_P] / 1e6,
        kp[k, LEARNS] > 0.0,
        kp[k, LIQ] > 0.0 or kp[k, LIQ_A] > 0.0,
        kp[k, LIQ] + kp[k, LIQ_A] * a / 1048576.0,
    )


@njit(cache=True, inline="always")
def _reset_labels(touched, ntouched, dist, fsum, pred, done):  # pragma: no cover - compiled
    """Undo only what the previous search wrote (its ``touched`` nodes), not every node."""
    for t in range(ntouched[0]):
        v = touched[t]
        dist[v] = _INF
        fsum[v] = 0.0
        pred[v] = -1
        done[v] = False


@njit(cache=True)
def search_around(
    indptr,
    e_dst,
    source,
    target,
    a,
    k,
    kp,
    e_src,
    e_base,
    e_ppm,
    e_tld,
    e_cap,
    e_max,
    e_succ,
    now,
    memory,
    failed,
    nfailed,
    dist,
    pred,
    done,
    heap_d,
    heap_v,
    bound,
    limit,
    fsum,
    touched,
    ntouched,
    floor,
):  # pragma: no cover
    """An exact search: sender -> receiver avoiding the failed hops, at amount ``a``.

    Dijkstra under kind ``k``'s weights with the competitors' current fees, stopping at the
    receiver, never expanding past ``bound`` (the route through us it must beat) nor past the
    payer's fee ``limit`` (fees summed from the sender, as LND prunes its search); fills
    ``pred`` and returns the route's cost (inf when there is none below the bound).

    Speed without changing any result: ``dist``/``fsum``/``pred``/``done`` are reset only where
    the previous search wrote (``touched[:ntouched[0]]``; the caller starts them reset); an edge
    is skipped before its cost is computed when ``d + floor`` (``weight_floor``) already reaches
    its head's label or the bound; once a settled label plus ``floor`` reaches the bound nothing
    can be pushed any more, so the answer is the receiver's label as it stands.
    """
    rf, hb, hp_a, lhb, lhp_a, learns, has_liq, liq_a = _search_constants(kp, k, a)
    fresh = now - memory
    _reset_labels(touched, ntouched, dist, fsum, pred, done)
    dist[source] = 0.0
    touched[0] = source
    nt = 1
    heap_d[0] = 0.0
    heap_v[0] = source
    size = 1
    found = _INF
    while size > 0:
        d, v, size = heap_pop(heap_d, heap_v, size)
        if done[v]:
            continue
        done[v] = True
        if v == target:
            found = d
            break
        dl = d + floor
        if dl >= bound:
            # every later pop is >= d: no edge can pass the bound any more (see the docstring)
            found = dist[target]
            break
        for e in range(indptr[v], indptr[v + 1]):
            u = e_dst[e]
            if dl >= dist[u]:
                continue
            if e_max[e] < a:
                continue
            if nfailed > 0 and failed[e]:
                continue
            fee = 0.0
            if v != source:
                fee = e_base[e] + np.floor(a * e_ppm[e] / 1e6)
            # edge_cost, term for term in the same order, with its per-search constants hoisted
            # (kept inline: a shared function here cost 12-20 % of simnet's time, measured)
            if learns and e_succ[e] >= fresh:
                w = fee + a * e_tld[e] * rf + lhb + lhp_a
            else:
                w = fee + a * e_tld[e] * rf + hb + hp_a
            if has_liq:
                cap_e = e_cap[e]
                if a >= cap_e + 1.0:
                    continue
                w += liq_a * -np.log10((cap_e + 1.0 - a) / (cap_e + 1.0))
            nd = d + w
            nf = fsum[v] + fee
            if nf > limit:
                continue  # as LND's search does: a path over the payer's fee limit is pruned
            if nd < dist[u] and nd < bound and size < len(heap_d):
                if dist[u] == _INF:
                    touched[nt] = u
                    nt += 1
                dist[u] = nd
                fsum[u] = nf
                pred[u] = e
                size = heap_push(heap_d, heap_v, size, nd, u)
    ntouched[0] = nt
    return found


@njit(cache=True)
def hops_to(r_indptr, r_src, target, out, queue):  # pragma: no cover - compiled
    """Fill ``out`` with each node's hop count to ``target`` over every edge (-1: none; capped at 127).

    A breadth-first search over the reversed edges. Any path the searches take uses at least that
    many edges, each costing at least ``weight_floor``: the lower bound ``search_directed`` needs.
    A count capped at 127 is still a lower bound.
    """
    out[:] = -1
    out[target] = 0
    queue[0] = target
    head = 0
    tail = 1
    while head < tail:
        v = queue[head]
        head += 1
        hv = min(out[v] + 1, 127)
        for q in range(r_indptr[v], r_indptr[v + 1]):
            u = r_src[q]
            if out[u] < 0:
                out[u] = hv
                queue[tail] = u
                tail += 1


@njit(cache=True)
def hop_row(target, hop_slot, hop_table, hop_owner, hop_next, r_indptr, r_src, queue):  # pragma: no cover
    """The row of ``hop_table`` holding the hop counts to ``target``, computed on first use.

    A ring of rows shared by every routing call of a simulation (the graph's edges never change);
    an evicted target is recomputed when it comes back. Only speed depends on it, never a result.
    """
    slot = hop_slot[target]
    if slot < 0:
        slot = hop_next[0] % len(hop_owner)
        hop_next[0] += 1
        if hop_owner[slot] >= 0:
            hop_slot[hop_owner[slot]] = -1
        hops_to(r_indptr, r_src, target, hop_table[slot], queue)
        hop_owner[slot] = target
        hop_slot[target] = slot
    return hop_table[slot]


@njit(cache=True)
def lone_neighbours(indptr, e_dst, out, d_indptr, d_edge):  # pragma: no cover - compiled
    """Dead ends for ``search_directed``: ``out[u]`` is the one node every edge out of ``u`` leads
    to (-1: no edge, or several heads); ``d_edge[d_indptr[v]:d_indptr[v + 1]]`` lists ``v``'s edges,
    in their order, without those into a node ``u`` with ``out[u] == v``. The graph's edges never
    change, so this holds for a whole simulation (fees and usability do not matter here)."""
    nn = len(indptr) - 1
    for u in range(nn):
        only = -1
        for e in range(indptr[u], indptr[u + 1]):
            x = e_dst[e]
            if only == -1:
                only = x
            elif x != only:
                only = -1
                break
        out[u] = only
    m = 0
    for v in range(nn):
        d_indptr[v] = m
        for e in range(indptr[v], indptr[v + 1]):
            if out[e_dst[e]] != v:
                d_edge[m] = e
                m += 1
    d_indptr[nn] = m


@njit(cache=True)
def leafless_reverse(r_indptr, r_src, lone, out_indptr, out_src):  # pragma: no cover - compiled
    """The reversed edges without the pure leaves, for ``hops_to``: ``out_src[out_indptr[x]:
    out_indptr[x + 1]]`` lists, in order, the tails of ``x``'s incoming edges but the nodes ``u``
    whose every edge, out and in, joins ``x`` (``lone[u] == x`` and every tail into ``u`` is ``x``).

    A breadth-first search over these gives every other node the hop count it gets over all the
    edges (a path through such a ``u`` enters and leaves it at ``x``: never a shortest one), and
    leaves the pure leaves but the target at -1. ``search_directed`` never reads a pure leaf's
    count: it is the head of edges from ``x`` only, and those are skipped as dead ends before the
    count is read (unless the leaf is the receiver, whose count is 0). Fewer nodes to visit: on
    the ``mainnet-2025`` preset's graph more than half are one-channel leaves."""
    nn = len(r_indptr) - 1
    pure = np.full(nn, -1, dtype=np.int64)
    for u in range(nn):
        x = lone[u]
        if x < 0:
            continue
        only = True
        for q in range(r_indptr[u], r_indptr[u + 1]):
            if r_src[q] != x:
                only = False
                break
        if only:
            pure[u] = x
    m = 0
    for x in range(nn):
        out_indptr[x] = m
        for q in range(r_indptr[x], r_indptr[x + 1]):
            u = r_src[q]
            if pure[u] != x:
                out_src[m] = u
                m += 1
    out_indptr[nn] = m


# Relative and absolute slack (msat) over the target's cost when ``search_directed`` settles every
# node that may matter: far above the rounding of any sum of a search (2^-53 relative per step).
_SLACK_REL = 1e-9
_SLACK_ABS = 1e-6


@njit(cache=True)
def search_directed(
    indptr,
    e_dst,
    source,
    target,
    a,
    k,
    kp,
    e_src,
    e_base,
    e_ppm,
    e_tld,
    e_cap,
    e_max,
    e_succ,
    now,
    memory,
    failed,
    nfailed,
    dist,
    pred,
    done,
    heap_d,
    heap_v,
    bound,
    limit,
    fsum,
    touched,
    ntouched,
    floor,
    hops,
    amb,
    lone,
    d_indptr,
    d_edge,
):  # pragma: no cover
    """``search_around``'s answer, goal-directed; (cost, certain). Only a certain answer may be used.

    ``search_around`` is Dijkstra with the payer's fee limit applied as labels are set: a node's
    label is the cheapest admissible relaxation from a node settled before it, and among equal
    costs the relaxation that came first wins -- the one from the node popped first. Popped nodes
    come out in label order, so of two relaxers with different labels the lower one wins; only
    between relaxers with equal labels does the binary heap's layout decide. So the search's labels
    (cost, fee sum) and the receiver's path are a function of the graph, except where such an
    equal-label tie is met.

    This search computes the same function settling far fewer nodes: an A* over the lower bound
    ``hops[u] * floor`` (every edge costs >= ``floor``, ``weight_floor``; the bound is consistent).
    A node whose label plus bound exceeds the receiver's cost cannot relax, nor tie with, any node
    of the receiver's path or any node whose label could affect it (by consistency, all of those
    have label plus bound <= the receiver's cost), so it is never needed: after the receiver is
    popped the search keeps settling every node up to that cost plus a slack for rounding, which
    completes every relaxation into the nodes that matter. Ties are resolved as the plain search
    resolves them (the relaxer with the lower label; the earlier edge of one relaxer), and the
    answer is "uncertain" -- the caller then runs ``search_around`` -- when the plain search's
    outcome may depend on its heap: an equal-label tie with different fee sums at a settled node
    (``amb`` 2), any equal-label tie on the receiver's path (``amb`` 1), or a settled label that
    improves (rounding against consistency).

    Dead ends are skipped: a node ``u`` other than the receiver whose every edge leads back to
    ``v`` (``lone[u] == v``) is never labelled from ``v``. Its label could only ever feed its own
    relaxations, all into ``v``, which is settled with a lower label (every edge costs >= ``floor``
    > 0): neither an improvement nor a tie, so no node that matters changes, and ``u`` is on no
    path to the receiver. (The plain search pushes such nodes; only its heap layout, which the
    answer here does not depend on, differs.) ``d_edge[d_indptr[v]:d_indptr[v + 1]]`` lists ``v``'s
    edges without those, in order; ``v``'s full list is scanned when the receiver is one of them.
    """
    rf, hb, hp_a, lhb, lhp_a, learns, has_liq, liq_a = _search_constants(kp, k, a)
    fresh = now - memory
    _reset_labels(touched, ntouched, dist, fsum, pred, done)
    dist[source] = 0.0
    amb[source] = 0
    touched[0] = source
    nt = 1
    heap_d[0] = 0.0
    heap_v[0] = source
    size = 1
    found = _INF
    cut = _INF  # after the receiver is popped: settle keys up to here, then stop
    # keys above the bound or the receiver's current label (plus slack) will never be popped
    cap = bound + bound * _SLACK_REL + _SLACK_ABS
    certain = True
    while size > 0 and certain:
        key, v, size = heap_pop(heap_d, heap_v, size)
        if key > cut:
            break
        if done[v]:
            continue
        done[v] = True
        d = dist[v]
        if v == target:
            found = d
            cut = d + d * _SLACK_REL + _SLACK_ABS
        dl = d + floor
        # v's edges but those into its dead ends (``lone_neighbours``), unless the receiver is one
        full = lone[target] == v
        lo = indptr[v] if full else d_indptr[v]
        hi = indptr[v + 1] if full else d_indptr[v + 1]
        for q in range(lo, hi):
            e = q if full else d_edge[q]
            u = e_dst[e]
            if dl > dist[u]:
                continue  # strictly: an equal cost is a tie to record
            if full and lone[u] == v and u != target:
                continue
            h = hops[u]
            # A head that cannot reach the receiver, or whose key would exceed what will ever be
            # popped, is no node that matters (see the docstring): neither labelled nor priced.
            if h < 0 or dl + h * floor > cap:
                continue
            if e_max[e] < a:
                continue
            if nfailed > 0 and failed[e]:
                continue
            fee = 0.0
            if v != source:
                fee = e_base[e] + np.floor(a * e_ppm[e] / 1e6)
            # edge_cost, term for term in the same order, with its per-search constants hoisted
            # (kept inline: a shared function here cost 12-20 % of simnet's time, measured)
            if learns and e_succ[e] >= fresh:
                w = fee + a * e_tld[e] * rf + lhb + lhp_a
            else:
                w = fee + a * e_tld[e] * rf + hb + hp_a
            if has_liq:
                cap_e = e_cap[e]
                if a >= cap_e + 1.0:
                    continue
                w += liq_a * -np.log10((cap_e + 1.0 - a) / (cap_e + 1.0))
            nd = d + w
            nf = fsum[v] + fee
            if nf > limit or nd >= bound:
                continue
            du = dist[u]
            if nd < du:
                if done[u]:
                    certain = False
                    break
                if du == _INF:
                    touched[nt] = u
                    nt += 1
                dist[u] = nd
                fsum[u] = nf
                pred[u] = e
                amb[u] = 0
                f = nd + h * floor
                if f > cap:
                    continue
                if size >= len(heap_d):
                    certain = False
                    break
                size = heap_push(heap_d, heap_v, size, f, u)
                if u == target:
                    cap = min(cap, nd + nd * _SLACK_REL + _SLACK_ABS)
            elif nd == du:
                p = e_src[pred[u]]
                if p == v:
                    continue  # the plain search scans one node's edges in the same order
                dp = dist[p]
                if d < dp:
                    # v is popped before p in the plain search: v's relaxation came first
                    if done[u] and nf != fsum[u]:
                        certain = False  # u already relaxed its edges with another fee sum
                        break
                    pred[u] = e
                    fsum[u] = nf
                    amb[u] = 0
                elif d == dp:
                    if nf != fsum[u]:
                        amb[u] = 2
                    elif amb[u] == 0:
                        amb[u] = 1
    ntouched[0] = nt
    if not certain:
        return found, False
    for t in range(nt):
        v = touched[t]
        if done[v] and amb[v] == 2:
            return found, False
    if found < _INF:
        node = target
        while node != source:
            if amb[node] != 0:
                return found, False
            node = e_src[pred[node]]
    return found, True
