"""Senders' cost functions as numbers the compiled kernel reads, and their route searches.

Each implementation weighs an edge for an HTLC of ``a`` msat as documented in
``lnpilot.simnet.market.search``; here those weights become one row of ``KP`` per kind, the fee
limits one row of ``FL``, and the candidate paths come from one Dijkstra per sender and
reference amount under that kind's weights (``pathing._dijkstra``).
"""

from __future__ import annotations

import numpy as np

from lnpilot.simnet.market import search
from lnpilot.simnet.market.config import SENDER_KINDS, MarketConfig
from lnpilot.simnet.pathing import EdgeArrays, _dijkstra


def kind_params(market: MarketConfig) -> tuple[np.ndarray, np.ndarray]:
    s, lim = market.senders, market.fee_limits
    kp = np.zeros((len(SENDER_KINDS), 8))
    fl = np.zeros((len(SENDER_KINDS), 3))

    def lnd_hop(p: float) -> tuple[float, float]:
        factor = (1.0 - p) / p  # attempt cost over the hop's success probability, as an additive term
        return s.lnd_attempt_cost_msat * factor, s.lnd_attempt_cost_ppm * factor

    a_b, a_p = lnd_hop(s.lnd_apriori_hop_probability)
    l_b, l_p = lnd_hop(s.lnd_learned_hop_probability)
    for k in (0, 1):
        kp[k, search.RF] = s.lnd_risk_factor
        kp[k, search.HOP_B], kp[k, search.HOP_P] = a_b, a_p
        kp[k, search.LHOP_B], kp[k, search.LHOP_P] = l_b, l_p
        fl[k] = (lim.lnd_full_up_to_sat * 1000, 0.0, lim.lnd_percent * 10_000)
    kp[1, search.LEARNS] = 1.0
    kp[2, search.HOP_B] = s.ldk_base_penalty_msat
    kp[2, search.HOP_P] = s.ldk_base_penalty_amount_multiplier_msat / 2**30 * 1e6
    kp[2, search.LIQ] = s.ldk_liquidity_penalty_multiplier_msat
    kp[2, search.LIQ_A] = s.ldk_liquidity_penalty_amount_multiplier_msat
    fl[2] = (0.0, lim.ldk_base_sat * 1000, lim.ldk_percent * 10_000)
    kp[3, search.RF] = s.cln_risk_factor
    kp[3, search.HOP_B], kp[3, search.HOP_P] = s.cln_hop_cost_msat, s.cln_hop_cost_ppm
    fl[3] = (0.0, lim.cln_exempt_sat * 1000, lim.cln_percent * 10_000)
    for k in range(len(SENDER_KINDS)):  # a learned hop is no dearer than an a-priori one
        if kp[k, search.LEARNS] == 0:
            kp[k, search.LHOP_B], kp[k, search.LHOP_P] = kp[k, search.HOP_B], kp[k, search.HOP_P]
    return kp, fl


def edge_weights(
    edges: EdgeArrays, channel_cap_msat: np.ndarray, kp: np.ndarray, k: int, amount_msat: float
) -> tuple[np.ndarray, np.ndarray]:
    """(weight, weight on the payer's own first hop) of every edge for kind ``k`` at one amount."""
    a = amount_msat
    rest = a * edges.time_lock_delta * kp[k, search.RF] + kp[k, search.HOP_B] + a * kp[k, search.HOP_P] / 1e6
    if kp[k, search.LIQ] > 0 or kp[k, search.LIQ_A] > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.clip((channel_cap_msat + 1.0 - a) / (channel_cap_msat + 1.0), 1e-300, 1.0)
        rest = rest + (kp[k, search.LIQ] + kp[k, search.LIQ_A] * a / 1048576.0) * -np.log10(ratio)
    fee = edges.base_msat + np.floor(a * edges.ppm / 1e6)
    passable = edges.usable & (edges.capacity_msat >= a) & (channel_cap_msat > a)
    weight = np.where(passable, fee + rest, np.inf)
    first = np.where(passable, rest, np.inf)
    return weight, first


def search_paths(
    edges: EdgeArrays,
    channel_cap_msat: np.ndarray,
    kp: np.ndarray,
    k: int,
    amount_msat: float,
    sources: np.ndarray,
    *,
    charge_source: bool,
    out: np.ndarray,
) -> None:
    """Fill ``out[row]`` with the predecessor edges of kind ``k``'s shortest paths from each source."""
    weight, first = edge_weights(edges, channel_cap_msat, kp, k, amount_msat)
    dist = np.empty(edges.nodes, dtype=np.float64)
    pred = np.empty(edges.nodes, dtype=np.int64)
    for row, source in enumerate(sources):
        _dijkstra(edges.indptr, edges.dst, weight, first, int(source), charge_source, dist, pred)
        out[row] = pred
