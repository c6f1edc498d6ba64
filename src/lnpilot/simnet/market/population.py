"""Who pays and who gets paid: the sender sample (with each sender's implementation), sources and sinks.

Nodes with no usable outbound channel never send (item 2 of issue 15: no captive payers). The
general population is drawn by capacity among nodes that can send; a ``source_share`` of those
nodes act as sources (wallets behind LSPs) and the largest ``sink_share`` of nodes by capacity
act as sinks (merchants, exchanges): directional payments flow from sources to sinks, so the
channels on those routes deplete unless their owners refill them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lnpilot.simnet.market.config import MarketConfig
from lnpilot.simnet.pathing import EdgeArrays

_STREAM_SENDERS = 0x73656E64


@dataclass(frozen=True, slots=True)
class Population:
    senders: np.ndarray  # node index per sender row
    kinds: np.ndarray  # implementation (index into SENDER_KINDS) per row
    general_cdf: np.ndarray  # over rows: general payments
    source_cdf: np.ndarray  # over rows: directional payments (empty when no source)
    receiver_cdf: np.ndarray  # over all nodes, by capacity
    sinks: np.ndarray  # node indices of the sinks
    sink_cdf: np.ndarray


def can_send(edges: EdgeArrays) -> np.ndarray:
    """Nodes with at least one enabled outgoing channel half."""
    out = np.zeros(edges.nodes, dtype=np.bool_)
    out[edges.src[edges.usable]] = True
    return out


def _cdf(weight: np.ndarray) -> np.ndarray:
    total = float(weight.sum())
    return np.cumsum(weight / total) if total > 0 else np.zeros(0)


def build_population(
    edges: EdgeArrays, node_capacity: np.ndarray, market: MarketConfig, seed: int
) -> Population:
    rng = np.random.default_rng([seed, _STREAM_SENDERS])
    demand = market.demand
    weight = np.asarray(node_capacity, dtype=np.float64)
    eligible = can_send(edges) & (weight > 0)
    candidates = np.flatnonzero(eligible)
    w = weight[candidates]
    general = candidates[
        np.minimum(np.searchsorted(_cdf(w), rng.random(demand.sender_sample), side="right"), len(w) - 1)
    ]
    n_sources = round(demand.source_share * len(candidates))
    if n_sources and demand.directional_share > 0:
        source_nodes = rng.choice(candidates, size=n_sources, replace=False)
        sources = source_nodes[rng.integers(0, n_sources, max(1, demand.sender_sample // 2))]
    else:
        sources = np.zeros(0, dtype=np.int64)
    rows = np.unique(np.concatenate([general, sources])).astype(np.int64)
    position = {int(node): r for r, node in enumerate(rows)}
    general_counts = np.zeros(len(rows))
    for node in general:
        general_counts[position[int(node)]] += 1
    source_counts = np.zeros(len(rows))
    for node in sources:
        source_counts[position[int(node)]] += 1
    shares = np.asarray(market.sender_shares(), dtype=np.float64)
    kinds = rng.choice(len(shares), size=len(rows), p=shares / shares.sum()).astype(np.int64)
    n_sinks = max(1, round(demand.sink_share * len(weight)))
    sinks = np.argsort(-weight, kind="stable")[:n_sinks].astype(np.int64)
    return Population(
        senders=rows,
        kinds=kinds,
        general_cdf=_cdf(general_counts),
        source_cdf=_cdf(source_counts),
        receiver_cdf=_cdf(weight),
        sinks=sinks,
        sink_cdf=_cdf(weight[sinks]),
    )
