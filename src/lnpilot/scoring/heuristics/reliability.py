"""Reliability: is the channel there when a payment needs it?

Three independent witnesses, each used only when measured: the node's own uptime/lifetime
counter for the peer, the stored snapshots (share of observations the channel was active and how
often it dropped from active to inactive), and forwards that failed because we lacked outbound
liquidity on it. The reference system drew uptime at random when missing; here a missing witness
is simply left out, and with none the heuristic is unavailable.
"""

from __future__ import annotations

import math

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import clamp01, to_score, weighted_mean
from lnpilot.scoring.channel_facts import ChannelFacts, channel_facts

NAME = "reliability"
# Disconnections in the window at which that part falls to 1/e.
DISCONNECT_SCALE = 4.0
WEIGHTS: dict[str, float] = {"uptime": 0.4, "active_share": 0.2, "connection": 0.2, "liquidity": 0.2}


def _uptime(view: ChannelView, latest: tuple[int, int] | None) -> float | None:
    chan = view.channel
    if chan.uptime_s is not None and chan.lifetime_s:
        return clamp01(chan.uptime_s / chan.lifetime_s)
    if latest is not None:
        return clamp01(latest[0] / latest[1])
    return None


def score_channel(view: ChannelView, facts: ChannelFacts | None = None) -> HeuristicScore:
    facts = facts or channel_facts(view)
    snaps = facts.snapshots
    active_share = disconnections = None
    if snaps.recent_count >= 2:
        active_share = snaps.recent_active / snaps.recent_count
        disconnections = snaps.disconnections
    successes = facts.flow.outgoing
    failed = view.failed_for_liquidity
    liquidity = None
    if failed is not None and successes + failed > 0:
        liquidity = successes / (successes + failed)
    parts: dict[str, float | None] = {
        "uptime": _uptime(view, snaps.latest_uptime),
        "active_share": active_share,
        "connection": None if disconnections is None else math.exp(-disconnections / DISCONNECT_SCALE),
        "liquidity": liquidity,
    }
    value = weighted_mean(parts, WEIGHTS)
    components: dict[str, float | None] = {
        **parts,
        "disconnections_30d": None if disconnections is None else float(disconnections),
        "failed_for_liquidity": None if failed is None else float(failed),
        "snapshots_30d": float(snaps.recent_count),
    }
    if value is None:
        return HeuristicScore(
            NAME,
            None,
            "unavailable: no uptime, fewer than 2 recent snapshots and no failure counts",
            components,
        )
    bits = []
    if parts["uptime"] is not None:
        bits.append(f"uptime {100 * parts['uptime']:.0f}%")
    if disconnections is not None:
        bits.append(f"{disconnections} disconnections in {snaps.recent_count} snapshots")
    if liquidity is not None:
        bits.append(f"{failed} forwards failed for liquidity")
    return HeuristicScore(NAME, to_score(value), ", ".join(bits), components)
