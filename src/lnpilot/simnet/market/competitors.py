"""Competitors that answer: a share of the nodes around our peers run a known fee rule.

Every ``update_interval_h`` (at least daily) each reacting node re-prices its outgoing channels:
- ``static``: never moves (most of mainnet);
- ``proportional`` (charge-lnd's ``proportional`` strategy): ppm from 2x its starting fee when the
  channel is empty on its side down to 0.5x when full;
- ``autofees`` (LNDg AutoFees' shape): +15 % when the channel forwarded out and is below 25 %
  outbound, -10 % when it is above 75 % outbound and forwarded nothing since the last update;
- ``median`` (CLBOSS-like competitor pricing): the median ppm of every channel into the same
  destination, ours included when that destination is one of our peers, x1.5 below 20 %
  outbound and x0.75 above 80 %.
Fees stay within [min_ppm, max_ppm]. Payers learn competitors' new fees at once: a daily change
is far slower than gossip.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from lnpilot.simnet.market.config import MarketConfig
from lnpilot.simnet.pathing import EdgeArrays


class _ModelArrays(Protocol):
    """The arrays of ``model.MarketModel`` this reads and writes (model imports this module: the
    arrow points one way, so this names the model only through this protocol)."""

    balance: np.ndarray
    chan_cap: np.ndarray
    ppm: np.ndarray
    flow: np.ndarray


_STREAM_RULES = 0x72756C65
STATIC, PROPORTIONAL, AUTOFEES, MEDIAN = range(4)


class Competitors:
    def __init__(self, edges: EdgeArrays, peer_nodes: np.ndarray, market: MarketConfig, seed: int) -> None:
        rng = np.random.default_rng([seed, _STREAM_RULES])
        cfg = market.competitors
        self.config = cfg
        around = np.zeros(edges.nodes, dtype=np.bool_)
        from_peer = np.isin(edges.src, peer_nodes)
        around[edges.dst[from_peer]] = True
        around[peer_nodes] = True
        nodes = np.flatnonzero(around)
        reacting = nodes[rng.random(len(nodes)) < cfg.reactive_share]
        shares = np.asarray(market.rule_shares(), dtype=np.float64)
        rules = rng.choice(len(shares), size=len(reacting), p=shares / shares.sum())
        rule_of = np.full(edges.nodes, -1, dtype=np.int64)
        rule_of[reacting] = rules
        edge_rule = rule_of[edges.src]
        self.edges = np.flatnonzero((edge_rule > STATIC) & edges.usable)
        self.rule = edge_rule[self.edges]
        self.start_ppm = edges.ppm[self.edges].copy()
        self.reacting_nodes = reacting
        self.peer_of_ours = {int(p): pos for pos, p in enumerate(peer_nodes)}
        med = self.edges[self.rule == MEDIAN]
        self._into: dict[int, np.ndarray] = {}
        for v in np.unique(edges.dst[med]):
            self._into[int(v)] = np.flatnonzero((edges.dst == v) & edges.usable)
        self._dst = edges.dst

    def update(self, model: _ModelArrays, our_ppm_by_peer: dict[int, float]) -> int:
        """Apply every reacting node's rule once; returns how many channel fees changed."""
        if len(self.edges) == 0:
            return 0
        cfg = self.config
        e = self.edges
        ratio = model.balance[e] / np.maximum(model.chan_cap[e], 1.0)
        old = model.ppm[e]
        new = old.copy()
        prop = self.rule == PROPORTIONAL
        lo, hi = 0.5 * self.start_ppm, 2.0 * self.start_ppm
        new[prop] = (hi - (hi - lo) * ratio)[prop]
        auto = self.rule == AUTOFEES
        flowed = model.flow[e] > 0
        new[auto & (ratio < 0.25) & flowed] *= 1.15
        new[auto & (ratio > 0.75) & ~flowed] *= 0.9
        for pos in np.flatnonzero(self.rule == MEDIAN):
            v = int(self._dst[e[pos]])
            into = model.ppm[self._into[v]]
            if v in our_ppm_by_peer:
                into = np.append(into, our_ppm_by_peer[v])
            modifier = 1.5 if ratio[pos] < 0.2 else 0.75 if ratio[pos] > 0.8 else 1.0
            new[pos] = float(np.median(into)) * modifier
        new = np.clip(np.round(new), cfg.min_ppm, cfg.max_ppm)
        changed = int(np.sum(new != old))
        model.ppm[e] = new
        return changed
