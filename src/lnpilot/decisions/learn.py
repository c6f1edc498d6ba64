"""The closed fee loop of one channel: measure what the last move earned, then move, hold or go back.

Pure. Everything is derived from the stored history each cycle (no learner state to persist or
corrupt): the fee segments of ``timeline``, discounted at the profile's half-life. The loop
(docs/decisions.md, "The fee loop") is a directional search on log-fee with a statistical test
at each step:

* **approach** -- a fee more than ``approach_ratio`` below the prior (competitors' median x
  liquidity factors) moves toward it by the largest step the limits allow, every cycle: a node far
  from its market reaches it within days. From above only a channel that sells nothing approaches;
  one that sells is judged on its evidence, not on the median.
* **measure** -- after any move, hold until the channel has been able to sell for ``dwell_hours``.
* **judge** -- compare the revenue rate since the move with the rate at the previous fee just
  before it (compound-Poisson z on revenue per available day). Significantly better
  (z >= ``z_better``): continue the same way with a doubled log-step (at most ``max_step_ratio``);
  better on the point estimate (z > 0): continue with the same step. Significantly worse
  (z <= -``z_worse``): go back to the previous fee (the *revert*). Otherwise hold and measure on.
* **explore** -- after one dwell, a channel that sells tries a higher fee not measured in the
  learning window (the widest upper confidence bound), unless the last raise looked worse.
* **probe** -- after ``probe_every_days`` at one fee, try one ``level_ratio`` step: up when the
  channel sold out (demand beyond supply), down when it sold nothing with liquidity to sell,
  otherwise the side not tried last; a side whose discounted evidence is already significantly
  worse is skipped, and with both sides worse the fee is held (a local optimum).

Without measured forwards (a backend that gives none, LNbits) an empty forward list is silence,
not zero sales: revenue at a fee cannot be measured, so every evidence step (judge, continue,
revert, explore, probe) is skipped and the fee only approaches the prior (``_prior_only``). The
balance-snapshot flow estimate is not turned into revenue: on a wallet server our users' payments
move the same balances (docs/decisions.md, "Without measured forwards").

Regret is bounded: a probe costs at most one dwell at a level one ``level_ratio`` away, and a
losing move is undone after one dwell; with a probe every ``probe_every_days`` that is at most one
reversal per channel per probe period.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from lnpilot.decisions.profiles import Profile
from lnpilot.decisions.timeline import Evidence, Segment, evidence, fee_at, segments, weight
from lnpilot.domain.channel_view import ChannelView

DAY_S = 86_400
MIN_STEP_PPM = 10
SOLD_OUT_SHARE = 0.5  # drained more than this share of the time since the last change: sold out
SOLD_OUT_HEADROOM = 4.0  # a sold-out channel climbs to at most this x the highest fee that sold
CLIMB_HEADROOM = 2.0  # the pooled climb stops this x above the highest fee this channel sold at
IDLE_EXPECTED = 3.0  # forwards expected (at the rate sold at lower fees) before silence is evidence


@dataclass(frozen=True, slots=True)
class LoopInputs:
    """What the loop needs besides the view: the prior, the liquidity floor, the bounds."""

    prior_ppm: float  # competitors' median x liquidity factors (the prior, not the answer)
    floor_ppm: int  # replacement cost of outbound liquidity when the channel drains, else the low bound
    low_ppm: int
    high_ppm: int
    max_up_ppm: int  # the largest single increase the limits allow from the current fee
    max_down_ppm: int  # the largest single decrease
    banned_up_until: int | None = None  # a rolled-back increase: no increase before this time
    banned_down_until: int | None = None
    # How long the channel's history is known (``signals.history_span_s``); None: unknown. Before
    # that nothing was observed, so it is neither exposure nor evidence of idleness.
    known_s: int | None = None
    # The node's pooled elasticity verdict (``elasticity.Elasticity.trend``): +1 revenue rises with
    # the fee across the node's channels, -1 it falls, 0 unknown; ``node_reason`` says from what.
    node_trend: int = 0
    node_reason: str = ""


@dataclass(frozen=True, slots=True)
class LoopStep:
    fee_ppm: int | None  # the proposed fee; None keeps the current one
    kind: str  # approach | sold-out | idle | explore | hold | continue | revert | probe | optimum
    reasons: tuple[str, ...]
    gain_msat: int  # expected extra revenue over one dwell (orders decisions; 0 when holding)
    rate_msat_per_day: float | None = None  # the estimate the step acted on
    sd_msat_per_day: float | None = None


def _fmt(ev: Evidence, sd: float) -> str:
    sd_text = "unknown" if math.isinf(sd) else f"{sd:,.0f}"
    return (
        f"{ev.rate_msat_per_day:,.0f} +- {sd_text} msat/day at {ev.fee_ppm} ppm "
        f"({ev.exposure_days:.1f} available d, {ev.forwards:.0f} forwards, drained {ev.drained_share:.0%})"
    )


def _typical_fee_msat(view: ChannelView, fee_ppm: int) -> float:
    """The fee of a median forward out of this channel at ``fee_ppm`` (20k sat when none is known)."""
    chan_id = view.channel.chan_id
    amounts = sorted(e.amt_out_msat for e in view.forwards if e.chan_id_out == chan_id)
    median = amounts[len(amounts) // 2] if amounts else 20_000_000
    return max(median * fee_ppm / 1_000_000, 1.0)


def _z(a: Evidence, b: Evidence, typical_msat: float) -> float:
    """(rate a - rate b) in standard errors."""
    sd = math.hypot(a.sd_msat_per_day(typical_msat), b.sd_msat_per_day(typical_msat))
    if math.isinf(sd) or sd <= 0:
        return 0.0
    return (a.rate_msat_per_day - b.rate_msat_per_day) / sd


def _clip(cur: int, wanted: float, inputs: LoopInputs) -> int:
    new = round(wanted)
    new = min(new, cur + inputs.max_up_ppm)
    new = max(new, cur - inputs.max_down_ppm)
    return min(max(new, inputs.low_ppm), inputs.high_ppm)


def _move(cur: int, direction: int, ratio: float, inputs: LoopInputs) -> int:
    wanted = cur * ratio if direction > 0 else cur / ratio
    # Near zero a ratio is no step at all (3 ppm x 1.25 is 4): at least MIN_STEP_PPM, as charge-lnd's
    # min_fee_ppm_delta; 10 ppm is 1 sat on a 100k-sat payment, about what a payer's choice resolves.
    wanted = max(wanted, cur + MIN_STEP_PPM) if direction > 0 else min(wanted, cur - MIN_STEP_PPM)
    return _clip(cur, max(wanted, 0), inputs)


def _far(cur: int, prior: float, profile: Profile) -> bool:
    """More than ``approach_ratio`` away from the prior, either way (log-fee distance)."""
    return abs(math.log(max(cur, 1) / prior)) > math.log(profile.approach_ratio)


def _last_reversal(history: list[tuple[int, int]]) -> int | None:
    """When the fee last changed direction (the time of the move that turned it), if it ever did."""
    when, previous_dir = None, 0
    for (_, before), (at, after) in pairwise(history):
        direction = 1 if after > before else -1
        if previous_dir and direction != previous_dir:
            when = at
        previous_dir = direction
    return when


def _lower_rate(segs: list[Segment], fee_ppm: int, before_s: int, now: int, half_life_s: float) -> float:
    """Discounted forwards per available day the channel sold at fees <= ``fee_ppm`` before ``before_s``.

    Demand does not rise with the price, so a channel that sold at a lower fee would sell at least
    as often at this one if its demand had merely stayed: many forwards expected at that rate and
    none seen means the buyers left.
    """
    fwds = days = 0.0
    for seg in segs:
        if seg.end_s > before_s or seg.fee_ppm > fee_ppm:
            continue
        w = weight(now - (seg.start_s + seg.end_s) / 2, half_life_s)
        fwds += seg.forwards * w
        days += seg.available_s / DAY_S * w
    return fwds / days if days > 0 else 0.0


def _lowest_idle_fee(segs: list[Segment], since: int, now: int, half_life_s: float) -> int | None:
    """The lowest fee measured idle in the window before ``since``: a whole segment without a forward
    where the rate sold at lower fees before it predicted at least ``IDLE_EXPECTED``."""
    lowest = None
    for seg in segs:
        if seg.end_s > since or seg.forwards or seg.drained_s > seg.available_s:
            continue
        expected = _lower_rate(segs, seg.fee_ppm, seg.start_s, now, half_life_s) * seg.available_s / DAY_S
        if expected >= IDLE_EXPECTED and (lowest is None or seg.fee_ppm < lowest):
            lowest = seg.fee_ppm
    return lowest


def _turn_budget_spent(
    direction: int, last_dir: int, history: list[tuple[int, int]], now: int, profile: Profile
) -> bool:
    """A move against the last one while the fee already turned within the probe period."""
    if not last_dir or direction == last_dir:
        return False
    turned = _last_reversal(history)
    return turned is not None and now - turned < profile.probe_every_days * DAY_S


def raise_blocked(judged_z: float | None, last_dir: int) -> bool:
    """The last move was a raise that measured worse (not significantly: that was reverted)."""
    return last_dir > 0 and judged_z is not None and judged_z < 0


def _banned(direction: int, inputs: LoopInputs, now: int) -> int | None:
    until = inputs.banned_up_until if direction > 0 else inputs.banned_down_until
    return until if until is not None and until > now else None


def step(view: ChannelView, profile: Profile, inputs: LoopInputs) -> LoopStep:
    """The loop's move for this cycle (see the module docstring)."""
    assert view.policy is not None
    if not view.forwards_measured:
        return _prior_only(view, profile, inputs)
    now, cur = view.now, view.policy.fee_rate_ppm
    half_life_s = profile.forget_half_life_days * DAY_S
    window_s = int(profile.learn_window_days * DAY_S)
    if inputs.known_s is not None:
        window_s = max(min(window_s, inputs.known_s), 0)
    segs = segments(view, window_s)
    history = fee_at(view)
    changed_at = history[-1][0] if len(history) > 1 else None
    previous = history[-2][1] if len(history) > 1 else None
    before_previous = history[-3][1] if len(history) > 2 else None
    since = changed_at if changed_at is not None else now - window_s
    typical = _typical_fee_msat(view, cur)
    here = evidence(view, segs, cur, half_life_s, since_s=since)
    here_sd = here.sd_msat_per_day(typical)
    reasons = [f"estimate since the last change: {_fmt(here, here_sd)}"]
    dwell_days = profile.dwell_hours / 24
    idle_rate = _lower_rate(segs, cur, since, now, half_life_s)
    expected = idle_rate * here.exposure_days
    # No forward where IDLE_EXPECTED were predicted: P(0) = exp(-3) ~ 0.05 under unchanged demand.
    # Never sold at this fee or below: a whole probe period of silence is the evidence there is.
    never = idle_rate == 0 and here.exposure_days >= profile.probe_every_days
    quiet = (
        here.forwards < 0.5 and here.drained_share <= SOLD_OUT_SHARE and (expected >= IDLE_EXPECTED or never)
    )
    measured_enough = here.exposure_days >= dwell_days * 0.5 ** (profile.dwell_hours * 3600 / half_life_s)

    def out(fee: int | None, kind: str, why: str, gain: float = 0.0) -> LoopStep:
        if fee is not None and fee == cur:
            fee, kind = None, "hold"
        sd = None if math.isinf(here_sd) else here_sd
        return LoopStep(fee, kind, (*reasons, why), max(int(gain), 0), here.rate_msat_per_day, sd)

    # Judge the last move first: a measured loss is undone before anything else.
    last_dir = 0 if previous is None else (1 if cur > previous else -1)
    was_revert = before_previous is not None and before_previous == cur
    judged_z: float | None = None
    if changed_at is not None and previous is not None and measured_enough and not was_revert:
        span = max(now - changed_at, int(profile.dwell_hours * 3600))
        before = evidence(view, segs, previous, half_life_s, since_s=changed_at - span, until_s=changed_at)
        if before.exposure_days > 0:
            z = judged_z = _z(here, before, typical)
            reasons.append(
                f"previous fee: {_fmt(before, before.sd_msat_per_day(typical))}; difference z = {z:+.2f}"
            )
            if z <= -profile.z_worse:
                gain = (before.rate_msat_per_day - here.rate_msat_per_day) * dwell_days
                back = _clip(cur, previous, inputs)
                return out(back, "revert", "revert: the previous fee earned more", gain)
            if z > 0 and _banned(last_dir, inputs, now) is None:
                # Better on the point estimate: keep climbing; significantly better: a doubled log-step.
                last_ratio = max(cur, previous) / max(min(cur, previous), 1)
                ratio = last_ratio**2 if z >= profile.z_better else last_ratio
                ratio = max(min(ratio, profile.max_step_ratio), profile.level_ratio)
                new = _move(cur, last_dir, ratio, inputs)
                if last_dir < 0 and new < inputs.floor_ppm <= cur:
                    new = inputs.floor_ppm
                gain = (here.rate_msat_per_day - before.rate_msat_per_day) * dwell_days
                word = "paid" if z >= profile.z_better else "earned more (not yet significant)"
                return out(new, "continue", f"the last move {word}: continue x{ratio:.2f}", gain)
    # Sold out: the channel had nothing to sell most of the time since the last change, so demand
    # at this fee exceeds its liquidity and the price is too low by definition. Raising a drained
    # channel costs nothing while it is drained, and the liquidity that comes back sells dearer.
    # Wall time, not available time: a drained channel accumulates no available time to wait for.
    # The climb stops SOLD_OUT_HEADROOM x above any fee that sold (or the prior): beyond that the
    # liquidity that comes back would meet a price no evidence supports.
    sold_out = here.drained_share > SOLD_OUT_SHARE
    waited = (now - since) / 3600 >= profile.dwell_hours
    sold_at = max((s.fee_ppm for s in segs if s.forwards > 0), default=0)
    ceiling = SOLD_OUT_HEADROOM * max(sold_at, inputs.prior_ppm)
    if sold_out and waited and cur < ceiling and not was_revert and _banned(1, inputs, now) is None:
        new = min(_move(cur, 1, profile.max_step_ratio, inputs), max(round(ceiling), cur))
        gain = here.rate_msat_per_day * (profile.max_step_ratio - 1) * dwell_days
        return out(
            new,
            "sold-out",
            f"sold out {here.drained_share:.0%} of the time since the last change: demand exceeds "
            f"supply at {cur} ppm, raise x{profile.max_step_ratio:g}",
            max(gain, 1.0),
        )
    # Far from the prior: approach it fast (every step still validated).
    prior = max(inputs.prior_ppm, 1.0)
    far = _far(cur, prior, profile)
    if far and not was_revert:
        direction = 1 if prior > cur else -1
        idle_above = _lowest_idle_fee(segs, since, now, half_life_s) if direction > 0 else None
        if direction < 0 and sold_out:
            reasons.append("above the prior but sold out: demand exceeds supply, no approach down")
        elif direction < 0 and here.forwards >= 1:
            # Far above the market yet selling: the evidence outranks the prior; probes decide.
            reasons.append(f"above the prior {prior:.0f} ppm but selling: no approach down")
        elif direction < 0 and not measured_enough:
            # No evidence is not evidence of idleness: a fee set by hand is measured before the
            # prior overrules it (an operator's market fee is not cut on the first cycle).
            reasons.append(f"above the prior {prior:.0f} ppm, not yet measured: no approach down")
        elif direction < 0 and not quiet:
            # Silence is evidence only where forwards were expected: a channel that sells once a
            # fortnight is not idle after four days, and the prior (a median of fees set by others)
            # is no reason to cut it.
            reasons.append(
                f"above the prior {prior:.0f} ppm, no forward since the change but {expected:.1f} "
                "expected: no approach down"
            )
        elif direction == -inputs.node_trend:
            # The node's pooled evidence outranks the prior: toward the median is the losing way.
            side = "up" if direction > 0 else "down"
            reasons.append(f"{prior:.0f} ppm prior, but {inputs.node_reason}: no approach {side}")
        elif direction > 0 and idle_above is not None and cur >= idle_above / profile.max_step_ratio:
            reasons.append(
                f"below the prior {prior:.0f} ppm, but {idle_above} ppm was measured idle: no approach up"
            )
        elif _turn_budget_spent(direction, last_dir, history, now, profile):
            # A probe or cut away from the prior is an experiment: undone the next cycle it is a
            # flip that measured nothing (2021 graph, seed 3: probe down, approach back up, every week).
            reasons.append(
                f"{prior:.0f} ppm prior, but the fee already turned within {profile.probe_every_days:g} d: "
                "the last move is measured first"
            )
        elif _banned(direction, inputs, now) is None:
            wanted = max(prior, inputs.floor_ppm) if direction < 0 else prior
            if direction > 0 and idle_above is not None:
                # Never back to within one idle step of a fee the buyers already left.
                wanted = min(wanted, idle_above / profile.max_step_ratio)
            new = _clip(cur, wanted, inputs)
            gain = here.rate_msat_per_day * abs(math.log(max(new, 1) / max(cur, 1))) * dwell_days
            return out(new, "approach", f"{cur} ppm is far from the prior {prior:.0f} ppm: approach", gain)
    if (
        quiet
        and _banned(-1, inputs, now) is None
        and not _turn_budget_spent(-1, last_dir, history, now, profile)
    ):
        # Significantly idle: the buyers this channel had at lower fees are gone at this one. Step
        # down at the largest ratio every dwell while that holds, instead of one level a probe
        # period: a fee 10x above what sells would otherwise take months to walk back.
        new = _move(cur, -1, profile.max_step_ratio, inputs)
        if new < inputs.floor_ppm <= cur:
            new = inputs.floor_ppm
        if new < cur:
            gain = idle_rate * typical * dwell_days / 2
            if never:
                why = f"no forward in {here.exposure_days:.1f} available days, none ever at <= {cur} ppm"
            else:
                why = (
                    f"no forward since the change where {expected:.1f} were expected ({idle_rate:.2f} "
                    f"a day sold at fees <= {cur} ppm; p = {math.exp(-expected):.2f})"
                )
            step_text = f"step down x{profile.max_step_ratio:g}"
            return out(new, "idle", f"{why}: {step_text}", max(gain, 1.0))
    if not measured_enough:
        return out(None, "hold", f"measuring: {here.exposure_days:.2f} of {dwell_days:g} available days")
    # Pooled evidence: across the node's channels forwards fall slower (or faster) than fees rise.
    # One channel that sells a few times a month cannot tell; the node can. The channel's own
    # evidence still rules first: a significant loss was reverted above and a quiet channel stepped
    # down, and a sold-out channel has its own rule.
    trend = inputs.node_trend
    if (
        trend
        and not _turn_budget_spent(trend, last_dir, history, now, profile)
        and _banned(trend, inputs, now) is None
    ):
        new = _move(cur, trend, profile.max_step_ratio, inputs)
        if trend > 0:
            new = min(new, round(CLIMB_HEADROOM * sold_at))
            allowed = not quiet and not raise_blocked(judged_z, last_dir)
            kind, why = "climb", "revenue rises with the fee, raise"
        else:
            if new < inputs.floor_ppm <= cur:
                new = inputs.floor_ppm
            allowed = not sold_out
            kind, why = "descend", "revenue falls as the fee rises, cut"
        if allowed and (new - cur) * trend > 0:
            gain = here.rate_msat_per_day * (profile.max_step_ratio - 1) * dwell_days
            return out(new, kind, f"{inputs.node_reason}: {why} x{profile.max_step_ratio:g}", max(gain, 1.0))
    # Optimism for the unexplored (the UCB principle): a higher fee never measured in the window has
    # the widest upper bound, so it is tried after one dwell instead of one probe period -- unless
    # the last move was a raise that looked worse.
    up = _move(cur, 1, profile.level_ratio, inputs)
    raise_looked_worse = last_dir > 0 and judged_z is not None and judged_z <= 0
    selling = here.forwards >= 1 or here.drained_share > 0.5
    if up > cur and selling and not raise_looked_worse and _banned(1, inputs, now) is None:
        above = evidence(view, segs, up, half_life_s, tolerance=math.log(profile.level_ratio) / 2)
        if above.exposure_days < dwell_days / 2:
            # One exploratory reversal per probe period: after a cut, exploring up turns the fee
            # round, and when it already turned within the period (a revert, an earlier explore)
            # the exploration waits. Reverts, sold-out raises and probes are not held by this:
            # they act on evidence, exploration on optimism.
            turned = _last_reversal(history)
            if last_dir < 0 and turned is not None and now - turned < profile.probe_every_days * DAY_S:
                return out(
                    None,
                    "hold",
                    f"{up} ppm not measured, but the fee already turned {(now - turned) / DAY_S:.1f} d ago: "
                    f"one exploratory reversal per {profile.probe_every_days:g} d",
                )
            gain = here.rate_msat_per_day * (profile.level_ratio - 1) * dwell_days / 2
            return out(
                up,
                "explore",
                f"{up} ppm not measured in the last {profile.learn_window_days:g} d: explore up",
                gain,
            )
    age_days = (now - changed_at) / DAY_S if changed_at is not None else math.inf
    if age_days < profile.probe_every_days:
        return out(None, "hold", f"held {age_days:.1f} d of the {profile.probe_every_days:g} d probe period")
    return _probe(view, profile, inputs, here, typical, segs, last_dir, was_revert, out)


def _probe(
    view: ChannelView,
    profile: Profile,
    inputs: LoopInputs,
    here: Evidence,
    typical: float,
    segs: list[Segment],
    last_dir: int,
    was_revert: bool,
    out: Callable[..., LoopStep],
) -> LoopStep:
    now, cur = view.now, here.fee_ppm
    half_life_s = profile.forget_half_life_days * DAY_S
    # Idle: liquidity to sell most of the time since the last change, a probe period long, and not
    # one (discounted) forward: the price is above the demand, whatever share of the capacity the
    # channel holds. Before, only a channel holding more than half its capacity counted, so one at
    # 40 % that sold nothing for a week probed *up*, on in the direction of its last raise (2025
    # sample, seed 7: 2,566 -> 3,208 -> 4,010 ppm with no forward at any of them).
    idle = here.forwards < 1 and here.drained_share <= SOLD_OUT_SHARE
    if here.drained_share > 0.5:
        order, why = (1, -1), "sold out most of the time: probe up"
    elif idle:
        order, why = (-1, 1), "idle with liquidity to sell: probe down"
    elif was_revert and last_dir:
        order, why = (last_dir, -last_dir), "the other side was reverted: probe this side"
    elif last_dir:
        order, why = (last_dir, -last_dir), "probe on in the direction of the last move"
    else:
        first = 1 if inputs.prior_ppm >= cur else -1
        order, why = (first, -first), "first probe, toward the prior"
    tolerance = math.log(profile.level_ratio) / 2
    for direction in order:
        new = _move(cur, direction, profile.level_ratio, inputs)
        if new == cur:
            continue
        if direction < 0 and new < inputs.floor_ppm:
            continue
        if _banned(direction, inputs, now) is not None:
            continue
        side = evidence(view, segs, new, half_life_s, tolerance=tolerance)
        if side.exposure_days > 0 and _z(side, here, typical) <= -profile.z_worse:
            continue  # measured worse recently (discounted): no need to pay for it again
        gain = here.rate_msat_per_day * (profile.level_ratio - 1) * profile.dwell_hours / 24 / 2
        return out(new, "probe", why, gain)
    return out(None, "optimum", "both neighbouring fees measured worse, banned or out of bounds: held")


def _prior_only(view: ChannelView, profile: Profile, inputs: LoopInputs) -> LoopStep:
    """The loop without measured forwards: approach the prior from far below, else hold.

    No step that reads revenue runs (judge, continue, revert, explore, probe): with no forwards to
    count, "sold nothing" and "not measured" look the same, and a search on silence walks the fee
    blind. Nor does the sold-out raise: on a wallet server (LNbits) the wallet's own payments drain
    channels too, so a drained balance is not routing demand. A fee far *below* the prior is raised
    toward it (the competitors' fee toward the same peer is what payers already pay there); a fee
    far *above* it is held, since it may be selling and that cannot be seen here.
    """
    assert view.policy is not None
    now, cur = view.now, view.policy.fee_rate_ppm
    reasons = [
        "without measured forwards revenue per fee is unknown: the fee only approaches the prior from "
        "below; no explore, probe, continue or revert (they need measured forwards)"
    ]

    def hold(why: str) -> LoopStep:
        return LoopStep(None, "hold", (*reasons, why), 0)

    prior = max(inputs.prior_ppm, 1.0)
    if not _far(cur, prior, profile):
        return hold(f"{cur} ppm is within x{profile.approach_ratio:g} of the prior {prior:.0f} ppm: held")
    if prior < cur:
        return hold(f"above the prior {prior:.0f} ppm, sales unknown on this backend: no approach down")
    until = _banned(1, inputs, now)
    if until is not None:
        return hold(
            f"far below the prior {prior:.0f} ppm, but increases are banned until {until} (rolled back)"
        )
    new = _clip(cur, prior, inputs)
    if new <= cur:
        return hold(f"{cur} ppm is far below the prior {prior:.0f} ppm but the bounds allow no step up")
    # No expected gain: without measured revenue there is nothing to put a number on.
    why = f"{cur} ppm is far from the prior {prior:.0f} ppm: approach"
    return LoopStep(new, "approach", (*reasons, why), 0)
