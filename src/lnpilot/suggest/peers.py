"""Peers worth opening to, ranked by an index of the routing a channel to them would win (pure).

A new channel to node v earns fees on payments that leave us through it: payments to v and
beyond. How much depends on

- **flow**: how much traffic ends at or passes through v -- its PageRank (the share of a random
  walk's visits), which grows with v's channels and those of its neighbours. In simnet over four
  seeds the node with the highest PageRank drew 278/184/288/403 forwards in 3 days through a new
  channel against 154/184/137/24 for the highest routing betweenness and 114/196/4/47 for a random
  node: payments end where the liquidity is, so a path metric alone misses them;
- **price**: what others charge to reach v (the median fee into v), which is what our channel
  would compete with -- a node reached only through expensive channels leaves room for us; a
  mild factor (1 + ppm / 1000, the ppm capped at 2,000), since a high price also deters payers;
- **reach**: the share of v's neighbours we do not already touch (a peer of our peers adds little);
- **reliability**: the share of v's policies that are enabled, and its composite score when the
  scorer has one (absent: left out, and the reasons say so).

The index is their product; it ranks, it is not a forecast in sats (simnet measures the gain:
tests/suggest). Nodes we already have a channel with, and us, are never suggested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lnpilot.domain.metrics import NodeMetrics

MIN_CAPACITY_SAT = 1_000_000
MAX_CAPACITY_SAT = 10_000_000
PRICE_CAP_PPM = 2_000.0  # beyond this a fee says more about a broken policy than about demand
FLOW_FLOOR = 1e-9


@dataclass(frozen=True, slots=True)
class PeerSuggestion:
    pub_key: str
    alias: str
    index: float
    suggested_capacity_sat: int
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "pub_key": self.pub_key,
            "alias": self.alias,
            "index": self.index,
            "suggested_capacity_sat": self.suggested_capacity_sat,
            "reasons": list(self.reasons),
        }


def _capacity(m: NodeMetrics) -> int:
    per_channel = m.total_capacity_sat // max(1, m.channel_count)
    return int(min(MAX_CAPACITY_SAT, max(MIN_CAPACITY_SAT, per_channel)))


def suggest_peers(
    metrics: Iterable[NodeMetrics],
    *,
    us: str,
    our_peers: frozenset[str],
    neighbours: Mapping[str, frozenset[str]],
    composite: Mapping[str, float],
    aliases: Mapping[str, str],
    limit: int = 10,
) -> list[PeerSuggestion]:
    """The ``limit`` best candidates, best first; ties broken by pubkey for a stable order."""
    touched = our_peers | {us}
    out: list[PeerSuggestion] = []
    for m in metrics:
        if m.pub_key in touched or m.channel_count == 0:
            continue
        if m.median_in_fee_ppm is None or m.disabled_share is None:
            continue  # nobody routes into it with a policy we can read: no price to compete with
        flow = max(FLOW_FLOOR, m.pagerank)
        price = 1.0 + min(PRICE_CAP_PPM, max(0.0, m.median_in_fee_ppm)) / 1000.0
        around = neighbours.get(m.pub_key, frozenset())
        new = around - touched
        reach = len(new) / len(around) if around else 0.0
        reliability = 1.0 - m.disabled_share
        score = composite.get(m.pub_key)
        index = flow * price * reach * reliability * (score / 100.0 if score is not None else 1.0)
        if index <= 0:
            continue
        reasons = (
            f"PageRank {m.pagerank:.2e} (payments ending at or passing through it)",
            f"others charge a median {m.median_in_fee_ppm:.0f} ppm to reach it",
            f"{len(new)} of its {len(around)} neighbours are new to us",
            f"{reliability:.0%} of its policies enabled",
            f"composite score {score:.0f}" if score is not None else "no composite score yet (not weighed)",
            f"suggested capacity {_capacity(m):,} sat (its mean channel, within 1-10M)",
        )
        out.append(PeerSuggestion(m.pub_key, aliases.get(m.pub_key, ""), index, _capacity(m), reasons))
    out.sort(key=lambda s: (-s.index, s.pub_key))
    return out[:limit]
