"""The price of liquidity and the memory of rollbacks, shared by the fee loop and the rebalancer.

Pure.

*Replacement cost.* Outbound liquidity sold through a channel is replaced by a circular rebalance
whose last hop is the peer's own channel toward us (``peer_policy``, what the peer charges; the
network median when unknown), plus at least one hop through the network at the network's median
fee (the competitors' median toward the peer when the network median is unknown). That sum
is what one more sat of outbound on this channel costs at market, so:

* a channel that drains never sells below it (the fee loop's floor),
* the inbound discount that pays peers to refill it never exceeds it (a discount above the
  replacement cost is dearer than rebalancing), and
* the rebalancer offers at most it, and only when the fee the channel earns beats it.

*Rollback memory.* A change the automatic rollback undid as harmful bans moves in the same
direction on that channel for ``rollback_ban_days x (1 + 4 x harm) x 2^(n-1)``: the ban grows with
the measured harm (a revenue halved bans three times as long as a marginal loss) and doubles for
each repeated rejection in the same direction (n) within ``REPEAT_WINDOW_S``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lnpilot.decisions.signals import Flow
from lnpilot.domain.channel_view import ChannelView

DAY_S = 86_400
REPEAT_WINDOW_S = 60 * DAY_S
UNMEASURED_HARM = 0.5  # a rollback without a measured ratio counts as a revenue halved


@dataclass(frozen=True, slots=True)
class ReplacementCost:
    ppm: int | None  # None: not estimable (no peer policy and no market fee known)
    reason: str


def replacement_cost(view: ChannelView) -> ReplacementCost:
    """Market cost of one more sat of outbound on this channel, in ppm (see module docstring)."""
    hop = view.network_median_fee_ppm if view.network_median_fee_ppm is not None else view.competitor_fee_ppm
    peer = view.peer_policy.fee_rate_ppm if view.peer_policy is not None else None
    if peer is None and hop is None:
        return ReplacementCost(None, "replacement cost unknown: no peer policy and no market fee")
    hop_ppm = hop if hop is not None else 0.0
    peer_text = (
        f"peer charges {peer} ppm toward us" if peer is not None else f"peer fee unknown, {hop_ppm:.0f} ppm"
    )
    ppm = round((peer if peer is not None else hop_ppm) + hop_ppm)
    return ReplacementCost(ppm, f"replacement cost {ppm} ppm ({peer_text} + one hop at {hop_ppm:.0f} ppm)")


def draining(recent: Flow) -> bool:
    """More left through the channel than arrived in the window: its outbound needs replacing."""
    return recent.out_msat > 0 and recent.net_out_msat > 0


@dataclass(frozen=True, slots=True)
class Bans:
    up_until: int | None
    down_until: int | None
    reasons: tuple[str, ...]


def rollback_bans(view: ChannelView, ban_days: float) -> Bans:
    """Until when increases / decreases stay banned on this channel after harmful rollbacks."""
    now = view.now
    until: dict[int, int] = {}
    reasons: list[str] = []
    for direction in (1, -1):
        rejected = sorted(
            (r for r in view.rejected_changes if (r.to_fee_ppm > r.from_fee_ppm) == (direction > 0)),
            key=lambda r: r.judged_at,
        )
        since = now - REPEAT_WINDOW_S
        rejected = [r for r in rejected if r.to_fee_ppm != r.from_fee_ppm and r.judged_at > since]
        if not rejected:
            continue
        last = rejected[-1]
        harm = UNMEASURED_HARM if last.harm is None else min(max(last.harm, 0.0), 1.0)
        days = ban_days * (1 + 4 * harm) * 2 ** (len(rejected) - 1)
        end = last.judged_at + int(days * DAY_S)
        if end > now:
            until[direction] = end
            word = "increase" if direction > 0 else "decrease"
            reasons.append(
                f"rollback memory: {word} {last.from_fee_ppm} -> {last.to_fee_ppm} ppm was rolled back "
                f"(harm {harm:.0%}, {len(rejected)} in 60 d): no {word} for {(end - now) / DAY_S:.1f} d more"
            )
    return Bans(until.get(1), until.get(-1), tuple(reasons))
