"""Liquidity: can this channel forward in both directions now, and does its balance hold still?

A channel routes best near a 50/50 split (DOMAIN.md 5: ideal local ratio 0.5, tolerance 0.15).
The ratio counts in-flight HTLCs (``LocalChannel.local_ratio``), so an attacker holding HTLCs
cannot move the apparent balance.
"""

from __future__ import annotations

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import clamp01, to_score
from lnpilot.scoring.channel_facts import ChannelFacts, summarise_snapshots

NAME = "liquidity"
IDEAL_LOCAL_RATIO = 0.5
TOLERANCE = 0.15
# A standard deviation of the local ratio this large (or larger) counts as fully volatile.
VOLATILITY_FULL = 0.25
BALANCE_WEIGHT = 0.75
STABILITY_WEIGHT = 0.25


def balance_fraction(local_ratio: float) -> float:
    """1 inside the tolerance band around the ideal, falling linearly to 0 at a fully one-sided channel."""
    distance = abs(local_ratio - IDEAL_LOCAL_RATIO)
    excess = max(0.0, distance - TOLERANCE)
    return clamp01(1.0 - excess / (IDEAL_LOCAL_RATIO - TOLERANCE))


def balance_volatility(view: ChannelView, facts: ChannelFacts | None = None) -> float | None:
    """Standard deviation of the local ratio over the recent snapshots (None: fewer than two)."""
    summary = facts.snapshots if facts is not None else summarise_snapshots(view)
    return summary.volatility


def score_channel(view: ChannelView, facts: ChannelFacts | None = None) -> HeuristicScore:
    chan = view.channel
    if chan.capacity_sat <= 0:
        return HeuristicScore(NAME, None, "unavailable: channel capacity unknown")
    ratio = chan.local_ratio
    balance = balance_fraction(ratio)
    reserves = chan.local_chan_reserve_sat + chan.remote_chan_reserve_sat + chan.commit_fee_sat
    # Reserves and the commitment fee can never move, so they never route.
    usable_share = clamp01((chan.capacity_sat - reserves) / chan.capacity_sat)
    volatility = balance_volatility(view, facts)
    stability = None if volatility is None else clamp01(1.0 - volatility / VOLATILITY_FULL)
    core = balance if stability is None else BALANCE_WEIGHT * balance + STABILITY_WEIGHT * stability
    components: dict[str, float | None] = {
        "local_ratio": ratio,
        "distance_from_ideal": abs(ratio - IDEAL_LOCAL_RATIO),
        "balance": balance,
        "usable_share": usable_share,
        "usable_capacity_sat": float(chan.capacity_sat - reserves),
        "volatility": volatility,
        "stability": stability,
    }
    side = (
        "balanced" if balance >= 1.0 else ("mostly local" if ratio > IDEAL_LOCAL_RATIO else "mostly remote")
    )
    vol_text = (
        "volatility unknown (<2 recent snapshots)" if volatility is None else f"volatility {volatility:.2f}"
    )
    reason = f"local ratio {ratio:.2f} ({side}), {vol_text}"
    return HeuristicScore(NAME, to_score(core * usable_share), reason, components)
