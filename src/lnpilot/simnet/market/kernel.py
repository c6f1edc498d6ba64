# mypy: allow-untyped-defs
# (numba kernels: typed by numba at compile time from the arrays passed in)
"""The per-payment route choice and settlement, compiled: candidates priced at the payment's amount.

For every payment (or MPP part) the sender's candidates are
- routes around us: the shortest path (under the sender's cost function) found at each reference
  amount >= the payment's, re-priced here hop by hop at the payment's own amount with the
  competitors' current fees;
- routes through us: sender -> peer i (same rule) -> us -> peer j -> receiver, every leg priced
  the same way, our hops with the policy the sender last heard of (gossip).
The cheapest valid candidate is tried. A hop short of liquidity fails the attempt, the sender's
mission control drops that hop for the rest of the payment and the next candidate is tried; a
stale fee of ours fails once (fee insufficient) and the sender retries with the new fee; a stale,
lower time-lock delta fails the same way (incorrect CLTV expiry). An outgoing channel payers still
believe enabled whose peer is offline fails at our switch (unknown next peer) and the sender drops
it. Every refusal at our node is recorded (``lf_*``, kind ``LF_*``) for the HTLC event log.
The edge weights (``KP`` columns per sender kind, ``edge_cost``) and the exact searches
(``search_around``, ``search_directed``) live in ``market.search``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lnpilot.simnet.market.search import (
    edge_cost,
    hop_row,
    leafless_reverse,
    lone_neighbours,
    nonnegative_costs,
    search_around,
    search_directed,
    weight_floor,
)

# FL columns: fee limit (msat) = max(full_up_to >= a ? a : 0, base + a * ppm / 1e6)
FL_FULL, FL_BASE, FL_PPM = range(3)
# payment outcome codes
AROUND, THROUGH, NO_ROUTE, EXHAUSTED = 0, 1, 2, 3
# kinds of the refusals at our node (lf_kind), as simnet.htlc_events.FailureKind names them
LF_LIQUIDITY, LF_FEE, LF_TIME_LOCK, LF_INACTIVE = 0, 1, 2, 3
# counters: forwards, stale-fee failures, attempts, public-hop liquidity failures, MPP splits,
# refusals recorded, inactive-link failures, time-lock failures, exact searches answered by
# ``search_directed``, exact searches left to ``search_around``
N_COUNTERS = 10
_INF = np.inf
NEAREST_REFS = 1  # candidate paths: the reference amounts just above and just below the payment's


@njit(cache=True)
def walk(
    pred,
    source,
    target,
    a,
    k,
    charge_source,
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
):  # pragma: no cover - compiled
    """(cost, fee, hops) of the stored path source -> target at amount ``a``; inf when unusable."""
    cost = 0.0
    fee_sum = 0.0
    hops = 0
    node = target
    while node != source:
        e = pred[node]
        if e < 0:
            return _INF, _INF, 0
        if e_max[e] < a:
            return _INF, _INF, 0
        if nfailed > 0 and failed[e]:
            return _INF, _INF, 0
        u = e_src[e]
        fee = 0.0
        if u != source or charge_source:
            fee = e_base[e] + np.floor(a * e_ppm[e] / 1e6)
        learned = e_succ[e] >= now - memory
        cost += edge_cost(kp, k, a, fee, e_tld[e], e_cap[e], learned)
        fee_sum += fee
        hops += 1
        node = u
        if hops > 64:
            return _INF, _INF, 0
    return cost, fee_sum, hops


@njit(cache=True)
def same_paths(prev, cur, source, e_src, out, stack):  # pragma: no cover - compiled
    """``out[v]``: the path source -> v of the predecessor tree ``cur`` is the one of ``prev``.

    ``walk`` is a function of the path alone (with the payment's amount, kind, time and failed
    hops), so where two references' trees agree on a path, pricing it once is enough. Both
    unreachable counts as the same (the walk is "unusable" either way).
    """
    n = len(cur)
    out[:] = False
    known = np.zeros(n, dtype=np.bool_)
    known[source] = True
    out[source] = True
    for v in range(n):
        top = 0
        x = v
        while not known[x]:
            if cur[x] != prev[x]:
                known[x] = True  # out[x] stays False
                break
            if cur[x] < 0:
                known[x] = True
                out[x] = True
                break
            stack[top] = x
            top += 1
            x = e_src[cur[x]]
        same = out[x]
        while top > 0:
            top -= 1
            known[stack[top]] = True
            out[stack[top]] = same


@njit(cache=True)
def tree_lengths(pred, source, e_src, out, stack):  # pragma: no cover - compiled
    """``out[v]``: hops of the path source -> v in the predecessor tree ``pred`` (at most 127;
    127 where there is none: a walk over it is unusable, so any lower bound holds)."""
    n = len(pred)
    out[:] = -1
    out[source] = 0
    for v in range(n):
        top = 0
        x = v
        while out[x] < 0:
            if pred[x] < 0:
                out[x] = 127
                break
            stack[top] = x
            top += 1
            x = e_src[pred[x]]
        length = out[x]
        while top > 0:
            top -= 1
            if length < 127:
                length += 1
            out[stack[top]] = length


@njit(cache=True)
def check_path(pred, source, target, a, e_src, bal):  # pragma: no cover - compiled
    """-1 when every hop can carry ``a`` msat, else the first (from the sender) hop that cannot."""
    bad = -1
    node = target
    while node != source:
        e = pred[node]
        if bal[e] < a:
            bad = e  # keep going: the hop nearest the sender fails first
        node = e_src[e]
    return bad


@njit(cache=True)
def move_path(pred, source, target, a, e_src, bal, twin, flow, e_succ, now, log_e, log_a, nlog):
    # pragma: no cover - compiled
    node = target
    while node != source:
        e = pred[node]
        bal[e] -= a
        t = twin[e]
        if t >= 0:
            bal[t] += a
        flow[e] += a
        e_succ[e] = now
        log_e[nlog] = e
        log_a[nlog] = a
        nlog += 1
        node = e_src[e]
    return nlog


@njit(cache=True)
def _our_fee(a, base, ppm, inb, inppm):  # pragma: no cover - compiled
    fee = base + np.floor(a * ppm / 1e6) + inb + np.ceil(a * inppm / 1e6)
    return max(0.0, fee)


@njit(cache=True)
def _price(
    a,
    k,
    row,
    sender,
    recv,
    now,
    pred_send,
    pred_peer,
    same_send,
    same_peer,
    len_send,
    len_peer,
    lb_floor,
    limit,
    refs,
    kp,
    memory,
    e_src,
    e_base,
    e_ppm,
    e_tld,
    e_cap,
    e_max,
    e_succ,
    failed,
    nfailed,
    peer_node,
    alt_c,
    alt_f,
    c1,
    f1,
    r1,
    c2,
    f2,
    r2,
):
    # pragma: no cover - compiled
    nref = len(refs)
    lo = 0
    while lo < nref and refs[lo] < a:
        lo += 1
    hi = min(nref, lo + NEAREST_REFS)
    # the reference just below the amount too: its paths pass wherever every hop is wide enough
    lo = max(0, lo - 1)
    for r in range(nref):
        alt_c[r] = _INF
        alt_f[r] = _INF
    for r in range(lo, hi):
        if r > lo and same_send[r, row, recv]:
            # the same path as at the reference below: the same walk (see ``same_paths``)
            alt_c[r] = alt_c[r - 1]
            alt_f[r] = alt_f[r - 1]
            continue
        c, f, h = walk(
            pred_send[r, row],
            sender,
            recv,
            a,
            k,
            False,
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
        )
        if h > 0:
            alt_c[r] = c
            alt_f[r] = f
    if lb_floor > 0.0:
        # A route through us has at least (hops to a peer) + 2 + (hops from a peer) hops, each
        # costing >= lb_floor; when that already reaches the best route around us, no pair of
        # peers can be strictly cheaper, so the walks below could not change the choice.
        best_alt = _INF
        for r in range(lo, hi):
            if alt_c[r] < best_alt and alt_f[r] <= limit:
                best_alt = alt_c[r]
        hops_in = 127
        hops_out = 127
        for r in range(lo, hi):
            hops_in = min(hops_in, len_send[r, row])
            hops_out = min(hops_out, len_peer[k, r, recv])
        if (hops_in + 2 + hops_out) * lb_floor * (1.0 - 1e-9) >= best_alt:
            for i in range(len(peer_node)):
                c1[i] = _INF
                f1[i] = _INF
                r1[i] = -1
                c2[i] = _INF
                f2[i] = _INF
                r2[i] = -1
            return
    for i in range(len(peer_node)):
        c1[i] = _INF
        f1[i] = _INF
        r1[i] = -1
        c2[i] = _INF
        f2[i] = _INF
        r2[i] = -1
        if peer_node[i] == sender:
            c1[i] = 0.0
            f1[i] = 0.0
        if peer_node[i] == recv:
            c2[i] = 0.0
            f2[i] = 0.0
        for r in range(lo, hi):
            # a path equal to the one at the reference below walks to the same (cost, fee), which
            # cannot be strictly cheaper: skipping it leaves c1/r1 (c2/r2) as they are
            if peer_node[i] != sender and not (r > lo and same_send[r, row, peer_node[i]]):
                c, f, h = walk(
                    pred_send[r, row],
                    sender,
                    peer_node[i],
                    a,
                    k,
                    False,
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
                )
                if h > 0 and c < c1[i]:
                    c1[i] = c
                    f1[i] = f
                    r1[i] = r
            if peer_node[i] != recv and not (r > lo and same_peer[k, r, i, recv]):
                c, f, h = walk(
                    pred_peer[k, r, i],
                    peer_node[i],
                    recv,
                    a,
                    k,
                    True,
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
                )
                if h > 0 and c < c2[i]:
                    c2[i] = c
                    f2[i] = f
                    r2[i] = r


@njit(cache=True)
def _refused(
    counters, lf_pay, lf_in, lf_out, lf_amt_in, lf_amt_out, lf_kind, p, i, j, amt_in, amt_out, kind
):  # pragma: no cover - compiled
    """Record one HTLC our node refused (a link_fail event)."""
    m = counters[5]
    if m < len(lf_pay):
        lf_pay[m] = p
        lf_in[m] = i
        lf_out[m] = j
        lf_amt_in[m] = amt_in
        lf_amt_out[m] = amt_out
        lf_kind[m] = kind
        counters[5] = m + 1


@njit(cache=True)
def route_payments(
    p_row,
    p_kind,
    p_sender,
    p_recv,
    p_amt,
    p_budget,
    budget_base,
    p_time,
    pred_send,
    pred_peer,
    same_send,
    same_peer,
    len_send,
    len_peer,
    refs,
    kp,
    fl,
    memory,
    indptr,
    e_dst,
    e_src,
    e_base,
    e_ppm,
    e_tld,
    e_cap,
    e_max,
    e_succ,
    bal,
    twin,
    flow,
    peer_node,
    in_base,
    in_ppm,
    in_tld,
    in_ok,
    cap_msat,
    act_base,
    act_ppm,
    act_inb,
    act_inppm,
    adv_base,
    adv_ppm,
    adv_inb,
    adv_inppm,
    adv_tld,
    o_tld,
    o_min,
    o_max,
    out_ok,
    link_up,
    local,
    remote,
    lres,
    rres,
    in_succ,
    out_succ,
    failed_out,
    failed_in,
    max_attempts,
    mpp,
    max_parts,
    min_part,
    liquidity,
    decide_only,
    status,
    f_pay,
    f_in,
    f_out,
    f_amt_in,
    f_amt_out,
    f_fee,
    counters,
    lf_pay,
    lf_in,
    lf_out,
    lf_amt_in,
    lf_amt_out,
    lf_kind,
    r_indptr,
    r_src,
    hop_slot,
    hop_table,
    hop_owner,
    hop_next,
):
    # pragma: no cover - compiled
    """Route every payment in time order; returns nothing, fills ``status`` and the forward arrays.

    ``out_ok``: payers believe the outgoing channel enabled (gossip); ``link_up``: its peer is
    online (our switch has a link). counters: see ``N_COUNTERS``.
    """
    nref = len(refs)
    nk = len(peer_node)
    alt_c = np.empty(nref)
    alt_f = np.empty(nref)
    c1 = np.empty(nk)
    f1 = np.empty(nk)
    r1 = np.empty(nk, dtype=np.int64)
    c2 = np.empty(nk)
    f2 = np.empty(nk)
    r2 = np.empty(nk, dtype=np.int64)
    # Hops a payment must avoid, as a mask over edges (O(1) per hop checked); ``flist`` holds the
    # set entries so the mask is cleared in time proportional to them.
    failed = np.zeros(len(e_src), dtype=np.bool_)
    flist = np.empty(len(e_src) + 1, dtype=np.int64)
    nflist = 0
    real_failed = np.empty(len(e_src) + 1, dtype=np.int64)  # hops that failed an attempt of this payment
    log_e = np.empty(130 * (max_parts + 1), dtype=np.int64)  # a leg has at most 64 hops
    log_a = np.empty(130 * (max_parts + 1))
    our_log = np.empty((2 * max_parts + 2, 3), dtype=np.int64)
    stack = np.empty(4 * max_parts + 4, dtype=np.int64)
    dead_in = np.zeros(nk, dtype=np.bool_)
    dead_out = np.zeros(nk, dtype=np.bool_)
    nn = len(indptr) - 1
    s_dist = np.full(nn, _INF)
    s_fee = np.zeros(nn)
    s_pred = np.full(nn, -1, dtype=np.int32)
    s_done = np.zeros(nn, dtype=np.bool_)
    s_touched = np.empty(nn, dtype=np.int64)
    s_ntouched = np.zeros(1, dtype=np.int64)
    nonneg = nonnegative_costs(kp, e_base, e_ppm, e_tld)
    # the hops into and out of our node cost >= weight_floor too when our peers' fees and time
    # locks and our time locks are >= 0 (our own fee is never below 0: ``_our_fee``)
    our_nonneg = nonneg
    for i in range(nk):
        if not (in_base[i] >= 0.0 and in_ppm[i] >= 0.0 and in_tld[i] >= 0.0):
            our_nonneg = False
        if not (o_tld[i] >= 0.0 and adv_tld[i] >= 0.0):
            our_nonneg = False
    s_heap_d = np.empty(len(e_dst) + nn + 1)
    s_heap_v = np.empty(len(e_dst) + nn + 1, dtype=np.int64)
    s_amb = np.zeros(nn, dtype=np.int8)
    queue = np.empty(nn, dtype=np.int64)
    lone = np.empty(nn, dtype=np.int64)  # dead ends the directed search skips
    d_indptr = np.empty(nn + 1, dtype=np.int64)
    d_edge = np.empty(len(e_dst), dtype=np.int64)
    lone_neighbours(indptr, e_dst, lone, d_indptr, d_edge)
    # the hop counts' breadth-first searches skip the pure leaves (``leafless_reverse``)
    b_indptr = np.empty(nn + 1, dtype=np.int64)
    b_src = np.empty(len(r_src), dtype=np.int64)
    leafless_reverse(r_indptr, r_src, lone, b_indptr, b_src)
    for p in range(len(p_amt)):
        k = p_kind[p]
        row = p_row[p]
        sender = p_sender[p]
        recv = p_recv[p]
        now = p_time[p]
        nfailed = 0
        nreal = 0
        nlog = 0
        nour = 0
        fwd_start = counters[0]
        know_actual = False
        dead_in[:] = False
        dead_out[:] = False
        nstack = 1
        stack[0] = p_amt[p]
        parts = 1
        used_us = False
        outcome = AROUND
        attempts = 0  # one budget for the whole payment, shared by its parts (LND's payment timeout)
        while nstack > 0:
            nstack -= 1
            amt_i = stack[nstack]
            a = float(amt_i)
            limit = fl[k, FL_BASE] + a * fl[k, FL_PPM] / 1e6
            if a <= fl[k, FL_FULL]:
                limit = max(limit, a)
            # the payer's own budget for this payment, shared by its parts in proportion
            limit = min(limit, budget_base * a / p_amt[p] + a * p_budget[p] / 1e6)
            part_ok = False
            part_fail = NO_ROUTE
            searched = -1
            # The sender knows its own channels' balances (LND's bandwidth hints): its own channel
            # halves that cannot carry this part are never tried, so they never fail an attempt.
            for f in range(nflist):
                failed[flist[f]] = False
            nflist = 0
            nfailed = 0
            if liquidity:
                for e in range(indptr[sender], indptr[sender + 1]):
                    if bal[e] < a and not failed[e]:
                        failed[e] = True
                        flist[nflist] = e
                        nflist += 1
                        nfailed += 1
            for f in range(nreal):
                e = real_failed[f]
                if not failed[e]:
                    failed[e] = True
                    flist[nflist] = e
                    nflist += 1
                    nfailed += 1
            lb_floor = 0.0
            if our_nonneg:
                lb_floor = weight_floor(kp, k, a, nonneg)
            while attempts < max_attempts:
                _price(
                    a,
                    k,
                    row,
                    sender,
                    recv,
                    now,
                    pred_send,
                    pred_peer,
                    same_send,
                    same_peer,
                    len_send,
                    len_peer,
                    lb_floor,
                    limit,
                    refs,
                    kp,
                    memory,
                    e_src,
                    e_base,
                    e_ppm,
                    e_tld,
                    e_cap,
                    e_max,
                    e_succ,
                    failed,
                    nfailed,
                    peer_node,
                    alt_c,
                    alt_f,
                    c1,
                    f1,
                    r1,
                    c2,
                    f2,
                    r2,
                )
                best = _INF
                best_r = -1
                best_i = -1
                best_j = -1
                best_fee = 0.0
                best_tld = 0.0
                for r in range(nref):
                    if alt_c[r] < best and alt_f[r] <= limit:
                        best = alt_c[r]
                        best_r = r
                for i in range(nk):
                    if c1[i] == _INF or dead_in[i] or not in_ok[i] or a > cap_msat[i]:
                        continue
                    if peer_node[i] == recv:
                        continue
                    fee_in = 0.0
                    if peer_node[i] != sender:
                        fee_in = in_base[i] + np.floor(a * in_ppm[i] / 1e6)
                    cin = c1[i] + edge_cost(
                        kp, k, a, fee_in, in_tld[i], cap_msat[i], in_succ[i] >= now - memory
                    )
                    for j in range(nk):
                        if j == i or c2[j] == _INF or dead_out[j] or not out_ok[j]:
                            continue
                        if peer_node[j] == sender or a > cap_msat[j] or a < o_min[j] or a > o_max[j]:
                            continue
                        if know_actual:
                            ofee = _our_fee(a, act_base[j], act_ppm[j], act_inb[i], act_inppm[i])
                            otld = o_tld[j]
                        else:
                            ofee = _our_fee(a, adv_base[j], adv_ppm[j], adv_inb[i], adv_inppm[i])
                            otld = adv_tld[j]
                        total_fee = f1[i] + fee_in + ofee + f2[j]
                        if total_fee > limit:
                            continue
                        c = (
                            cin
                            + edge_cost(kp, k, a, ofee, otld, cap_msat[j], out_succ[j] >= now - memory)
                            + c2[j]
                        )
                        if c < best:
                            best = c
                            best_r = -1
                            best_i = i
                            best_j = j
                            best_fee = ofee
                            best_tld = otld
                if best_i >= 0 and nfailed > searched:
                    # Our node is the best candidate: the candidates are a sample of paths, so an exact
                    # search (bounded by our route's cost, around any failed hop) must find no cheaper
                    # way around us first -- repeated after each new failure. No free lunch.
                    searched = nfailed
                    floor = weight_floor(kp, k, a, nonneg)
                    fresh = _INF
                    certain = False
                    if floor > 0.0:
                        fresh, certain = search_directed(
                            indptr,
                            e_dst,
                            sender,
                            recv,
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
                            s_dist,
                            s_pred,
                            s_done,
                            s_heap_d,
                            s_heap_v,
                            best,
                            limit,
                            s_fee,
                            s_touched,
                            s_ntouched,
                            floor,
                            hop_row(recv, hop_slot, hop_table, hop_owner, hop_next, b_indptr, b_src, queue),
                            s_amb,
                            lone,
                            d_indptr,
                            d_edge,
                        )
                    if certain:
                        counters[8] += 1
                    else:
                        counters[9] += 1
                        fresh = search_around(
                            indptr,
                            e_dst,
                            sender,
                            recv,
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
                            s_dist,
                            s_pred,
                            s_done,
                            s_heap_d,
                            s_heap_v,
                            best,
                            limit,
                            s_fee,
                            s_touched,
                            s_ntouched,
                            floor,
                        )
                    if fresh < best:
                        _fc, ff, fh = walk(
                            s_pred,
                            sender,
                            recv,
                            a,
                            k,
                            False,
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
                        )
                        if fh > 0 and ff <= limit:
                            best = fresh
                            best_r = -2
                            best_i = -1
                if best == _INF:
                    break
                if decide_only:
                    part_ok = True
                    if best_i >= 0:
                        used_us = True
                    break
                attempts += 1
                counters[2] += 1
                if best_i < 0:
                    pred = s_pred if best_r == -2 else pred_send[best_r, row]
                    bad = -1
                    if liquidity:
                        bad = check_path(pred, sender, recv, a, e_src, bal)
                    if bad >= 0:
                        counters[3] += 1
                        if not failed[bad]:
                            failed[bad] = True
                            flist[nflist] = bad
                            nflist += 1
                            nfailed += 1
                            real_failed[nreal] = bad
                            nreal += 1
                        continue
                    if liquidity:
                        nlog = move_path(
                            pred, sender, recv, a, e_src, bal, twin, flow, e_succ, now, log_e, log_a, nlog
                        )
                    part_ok = True
                    break
                i = best_i
                j = best_j
                if peer_node[i] != sender and liquidity:
                    bad = check_path(pred_send[r1[i], row], sender, peer_node[i], a, e_src, bal)
                    if bad >= 0:
                        counters[3] += 1
                        if not failed[bad]:
                            failed[bad] = True
                            flist[nflist] = bad
                            nflist += 1
                            nfailed += 1
                            real_failed[nreal] = bad
                            nreal += 1
                        continue
                amt_in = amt_i + np.int64(best_fee)
                if remote[i] - rres[i] < amt_in:
                    failed_in[i] += 1
                    dead_in[i] = True
                    continue
                # At our node, in LND's order (switch.go handlePacketAdd, link.go CheckHtlcForward).
                if not link_up[j]:
                    # no link to an offline peer: unknown next peer; the sender drops the channel
                    counters[6] += 1
                    dead_out[j] = True
                    _refused(counters, lf_pay, lf_in, lf_out, lf_amt_in, lf_amt_out, lf_kind,
                             p, i, j, amt_in, amt_i, LF_INACTIVE)  # fmt: skip
                    continue
                actual = _our_fee(a, act_base[j], act_ppm[j], act_inb[i], act_inppm[i])
                if best_fee < actual:
                    counters[1] += 1  # fee insufficient: the reply carries our current channel_update
                    know_actual = True
                    _refused(counters, lf_pay, lf_in, lf_out, lf_amt_in, lf_amt_out, lf_kind,
                             p, i, j, amt_in, amt_i, LF_FEE)  # fmt: skip
                    continue
                if local[j] - lres[j] < amt_i:
                    failed_out[j] += 1
                    dead_out[j] = True
                    _refused(counters, lf_pay, lf_in, lf_out, lf_amt_in, lf_amt_out, lf_kind,
                             p, i, j, amt_in, amt_i, LF_LIQUIDITY)  # fmt: skip
                    continue
                if best_tld < o_tld[j]:
                    # a stale, lower time-lock delta: incorrect CLTV expiry, with our channel_update
                    counters[7] += 1
                    know_actual = True
                    _refused(counters, lf_pay, lf_in, lf_out, lf_amt_in, lf_amt_out, lf_kind,
                             p, i, j, amt_in, amt_i, LF_TIME_LOCK)  # fmt: skip
                    continue
                if peer_node[j] != recv and liquidity:
                    bad = check_path(pred_peer[k, r2[j], j], peer_node[j], recv, a, e_src, bal)
                    if bad >= 0:
                        counters[3] += 1
                        if not failed[bad]:
                            failed[bad] = True
                            flist[nflist] = bad
                            nflist += 1
                            nfailed += 1
                            real_failed[nreal] = bad
                            nreal += 1
                        continue
                if liquidity:
                    if peer_node[i] != sender:
                        nlog = move_path(
                            pred_send[r1[i], row],
                            sender,
                            peer_node[i],
                            a,
                            e_src,
                            bal,
                            twin,
                            flow,
                            e_succ,
                            now,
                            log_e,
                            log_a,
                            nlog,
                        )
                    if peer_node[j] != recv:
                        nlog = move_path(
                            pred_peer[k, r2[j], j],
                            peer_node[j],
                            recv,
                            a,
                            e_src,
                            bal,
                            twin,
                            flow,
                            e_succ,
                            now,
                            log_e,
                            log_a,
                            nlog,
                        )
                remote[i] -= amt_in
                local[i] += amt_in
                local[j] -= amt_i
                remote[j] += amt_i
                in_succ[i] = now
                out_succ[j] = now
                our_log[nour, 0] = i
                our_log[nour, 1] = j
                our_log[nour, 2] = amt_in
                nour += 1
                n = counters[0]
                f_pay[n] = p
                f_in[n] = i
                f_out[n] = j
                f_amt_in[n] = amt_in
                f_amt_out[n] = amt_i
                f_fee[n] = amt_in - amt_i
                counters[0] = n + 1
                used_us = True
                part_ok = True
                break
            if attempts >= max_attempts and not part_ok:
                part_fail = EXHAUSTED
            if part_ok:
                continue
            half = amt_i // 2
            if mpp and not decide_only and parts < max_parts and half >= min_part and attempts < max_attempts:
                stack[nstack] = half
                stack[nstack + 1] = amt_i - half
                nstack += 2
                parts += 1
                counters[4] += 1
                continue
            outcome = part_fail
            break
        if outcome == AROUND and used_us:
            outcome = THROUGH
        if outcome != AROUND and outcome != THROUGH:
            # a part found no way: every part already settled is released (MPP is all or nothing)
            for m in range(nlog - 1, -1, -1):
                e = log_e[m]
                bal[e] += log_a[m]
                t = twin[e]
                if t >= 0:
                    bal[t] -= log_a[m]
                flow[e] -= log_a[m]
            for m in range(nour - 1, -1, -1):
                i = our_log[m, 0]
                j = our_log[m, 1]
                amt_in = our_log[m, 2]
                amt_out = f_amt_out[fwd_start + m]
                remote[i] += amt_in
                local[i] -= amt_in
                local[j] += amt_out
                remote[j] -= amt_out
            counters[0] = fwd_start
        status[p] = outcome
        for f in range(nflist):
            failed[flist[f]] = False
        nflist = 0
