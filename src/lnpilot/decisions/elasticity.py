"""How the node's forwards respond to its fees, pooled over every channel: one elasticity.

Pure. One channel of a small node sells a few times a month: no test on its own history can tell
a fee that earns more from one that earns less within weeks. The node's channels together can,
when they share one question: *do forwards fall faster or slower than fees rise?* The model is a
Poisson regression with one rate per channel and one common exponent:

    forwards in a segment ~ Poisson(rate_c x available_days x (fee / reference_c) ** -beta)

over every fee segment of the learning window (``timeline.segments``: time a channel had nothing
to sell is not exposure), each segment's forwards and exposure discounted alike by the forgetting
weight of its midpoint. ``beta`` is the elasticity of forwards to the fee; revenue ~ fee ** (1 - beta), so
beta < 1 means revenue rises with the fee and beta > 1 that it falls. The rates are profiled out
in closed form (rate_c = sum n / sum exposure x ratio ** -beta) and beta is read off a grid, with
a likelihood-ratio interval (chi-square, one degree of freedom, 95 %).

Only channels with forwards at two fee levels at least ``MIN_SPREAD`` apart inform beta; the
verdict needs ``MIN_FORWARDS`` of them and an interval wholly on one side of 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lnpilot.decisions.signals import history_span_s
from lnpilot.decisions.timeline import segments, weight
from lnpilot.domain.channel_view import ChannelView

DAY_S = 86_400
GRID = tuple(i / 20 for i in range(81))  # beta from 0 to 4 in steps of 0.05
LR_95 = 3.841 / 2  # half the chi-square(1) 95 % quantile
MIN_FORWARDS = 10
MIN_SPREAD = math.log(1.2)  # fee levels closer than this tell nothing about the slope
LOCAL = math.log(4.0)  # only segments within x4 of the channel's current fee: the slope here, not at 1 ppm


@dataclass(frozen=True, slots=True)
class Elasticity:
    beta: float
    low: float
    high: float
    forwards: int
    channels: int

    @property
    def trend(self) -> int:
        """+1 when revenue rises with the fee (interval below 1), -1 when it falls, 0 when unsure."""
        if self.forwards < MIN_FORWARDS:
            return 0
        if self.high < 1.0:
            return 1
        if self.low > 1.0:
            return -1
        return 0

    def describe(self) -> str:
        return (
            f"node-wide elasticity of forwards to the fee {self.beta:.2f} [{self.low:.2f}, {self.high:.2f}] "
            f"from {self.forwards} forwards on {self.channels} channels"
        )


def pooled_elasticity(views: Sequence[ChannelView], window_s: int, half_life_s: float) -> Elasticity | None:
    """The node's elasticity over the window, or None when no channel sold at two distinct fees."""
    groups: list[list[tuple[float, float, float, float]]] = []  # (weight, n, exposure, log ratio)
    total = 0
    for view in views:
        if view.policy is None or not view.forwards_measured:
            continue
        known = history_span_s(view)
        window = max(min(window_s, known), 0) if known is not None else window_s
        rows = []
        here = math.log(max(view.policy.fee_rate_ppm, 1))
        for seg in segments(view, window):
            if seg.available_s <= 0 or abs(math.log(max(seg.fee_ppm, 1)) - here) > LOCAL:
                continue
            mid = (seg.start_s + seg.end_s) / 2
            rows.append(
                (
                    weight(view.now - mid, half_life_s),
                    float(seg.forwards),
                    seg.available_s / DAY_S,
                    math.log(max(seg.fee_ppm, 1)),
                )
            )
        sold = [r for r in rows if r[1] > 0]
        if not sold:
            continue
        logs = [r[3] for r in rows]
        if max(logs) - min(logs) < MIN_SPREAD:
            continue
        ref = sum(r[3] * r[2] for r in rows) / sum(r[2] for r in rows)
        groups.append([(w, n, e, x - ref) for w, n, e, x in rows])
        total += sum(int(r[1]) for r in sold)
    if not groups:
        return None
    curve = [_profile(groups, beta) for beta in GRID]
    best = max(range(len(GRID)), key=lambda i: curve[i])
    inside = [GRID[i] for i, ll in enumerate(curve) if ll >= curve[best] - LR_95]
    return Elasticity(GRID[best], min(inside), max(inside), total, len(groups))


def _profile(groups: list[list[tuple[float, float, float, float]]], beta: float) -> float:
    """The log-likelihood at ``beta`` with each channel's rate at its maximum.

    Forgetting discounts a segment's forwards and exposure alike (pseudo-counts), so a rate is the
    same whatever its age and only its weight in the fit shrinks.
    """
    ll = 0.0
    for rows in groups:
        mass = sum(w * e * math.exp(-beta * x) for w, n, e, x in rows)
        count = sum(w * n for w, n, e, x in rows)
        if count <= 0 or mass <= 0:
            continue
        rate = count / mass
        for w, n, e, x in rows:
            mu = rate * w * e * math.exp(-beta * x)
            ll += (w * n * math.log(mu) if n else 0.0) - mu
    return ll
