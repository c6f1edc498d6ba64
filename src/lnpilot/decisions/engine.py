"""DecisionEngine: one Decision per channel from a ChannelView and (optionally) its score.

Each rule (fees, rebalance, close) proposes a candidate with an expected gain and a signal
strength; candidates below the profile's minimum confidence are dropped with a reason, and the
one with the largest expected gain wins. Operator rules (exclude, blacklist, pin) come first.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lnpilot.decisions.close import node_median_rate, propose_close
from lnpilot.decisions.elasticity import Elasticity, pooled_elasticity
from lnpilot.decisions.fees import fee_bounds, propose_fee
from lnpilot.decisions.operator import blacklist_reason, override_for
from lnpilot.decisions.profiles import Profile, resolve_profile
from lnpilot.decisions.rebalance import RebalanceSource, propose_rebalance
from lnpilot.decisions.signals import DAY_S, Measures, history_span_s, measure, usable_local_sat
from lnpilot.decisions.types import CloseParams, Decision, DecisionType, RebalanceParams
from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.scores import CompositeScore
from lnpilot.errors import InvalidInputError
from lnpilot.settings import Blacklist, ChannelOverride, Limits, Settings

# Share of confidence each kind of input carries when present (sums to 1). The composite score is
# not an input: measured in the arena it changed no fee or rebalance decision (docs/decisions.md,
# "Scores"); it only vetoes closes.
COVERAGE_WEIGHTS: Mapping[str, float] = {
    "competitor_fee": 0.35,  # network median alone counts half
    "history": 0.30,  # scaled by how much of the flow window we have seen
    "failed_for_liquidity": 0.10,
    "snapshots": 0.15,
    "peer_metrics": 0.10,
}


@dataclass(frozen=True, slots=True)
class NodeContext:
    """What one channel's decision needs to know about the others."""

    median_rate_msat_per_sat_day: float | None
    sources: tuple[RebalanceSource, ...]
    elasticity: Elasticity | None = None  # the node's pooled fee elasticity (decisions/elasticity.py)


@dataclass(frozen=True, slots=True)
class _Candidate:
    type: DecisionType
    gain_msat: int
    confidence: float
    reasons: tuple[str, ...]
    policy: RoutingPolicy | None = None
    rebalance: RebalanceParams | None = None
    close: CloseParams | None = None
    correction: bool = False  # back inside the operator's bounds: never dropped for low confidence


def scores_by_chan_id(scores: Iterable[CompositeScore]) -> dict[int, CompositeScore]:
    """Index channel scores (``subject`` is the decimal chan_id); node scores are skipped."""
    return {int(s.subject): s for s in scores if s.subject.isdigit()}


class DecisionEngine:
    def __init__(
        self,
        profile: Profile,
        limits: Limits,
        overrides: Mapping[str, ChannelOverride] | None = None,
        blacklist: Blacklist | None = None,
    ) -> None:
        self.profile = profile
        self.limits = limits
        self.overrides: Mapping[str, ChannelOverride] = overrides or {}
        self.blacklist = blacklist or Blacklist()

    @classmethod
    def from_settings(cls, settings: Settings, profile: str | None = None) -> DecisionEngine:
        chosen = resolve_profile(profile or settings.profile, settings.profiles)
        return cls(chosen, settings.limits, settings.channels, settings.blacklist)

    # -- batch -------------------------------------------------------------------------------
    def context(
        self, views: Sequence[ChannelView], measured: Mapping[int, Measures] | None = None
    ) -> NodeContext:
        """The node-wide inputs: rebalance sources (largest spare first) and the median earnings rate."""
        measured = (
            measured if measured is not None else {v.channel.chan_id: measure(v, self.profile) for v in views}
        )
        sources = []
        for view in views:
            if self._operator_block(view) is not None or not view.channel.active or view.policy is None:
                continue
            if view.channel.local_ratio <= self.profile.rebalance_source_ratio:
                continue
            keep = int(self.profile.rebalance_target_ratio * view.channel.capacity_sat)
            spare = usable_local_sat(view) - keep
            if spare > 0:
                sources.append(
                    RebalanceSource(
                        view.channel.chan_id, spare, view.policy.fee_rate_ppm, view.channel.capacity_sat
                    )
                )
        sources.sort(key=lambda s: (-s.spare_sat, s.chan_id))
        median = node_median_rate(
            ((v, measured[v.channel.chan_id]) for v in views), self.profile.close_window_days
        )
        elasticity = pooled_elasticity(
            views, int(self.profile.learn_window_days * DAY_S), self.profile.forget_half_life_days * DAY_S
        )
        return NodeContext(median, tuple(sources), elasticity)

    def decide_batch(
        self,
        views: Sequence[ChannelView],
        scores: Mapping[int, CompositeScore] | None,
        now: int,
    ) -> list[Decision]:
        """Every channel's decision, largest expected gain first (ties by chan_id).

        Rebalance sources are shared: the most drained channels claim spare liquidity first, and
        what one rebalance takes is no longer offered to the next.
        """
        scores = scores or {}
        measured = {v.channel.chan_id: measure(v, self.profile) for v in views}
        if len(measured) != len(views):
            counts = Counter(v.channel.chan_id for v in views)
            twice = next(c for c, n in counts.items() if n > 1)
            raise InvalidInputError(f"channel {twice} appears twice in one batch")
        context = self.context(views, measured)
        alone = NodeContext(context.median_rate_msat_per_sat_day, (), context.elasticity)
        first = {
            v.channel.chan_id: self._decide(
                v, scores.get(v.channel.chan_id), now, alone, measured[v.channel.chan_id]
            )
            for v in views
        }
        # A channel about to be closed is no rebalance source.
        spare = {
            s.chan_id: s for s in context.sources if first[s.chan_id].type is not DecisionType.CLOSE_CHANNEL
        }
        drained = [v for v in views if v.channel.local_ratio < self.profile.rebalance_trigger_ratio]
        # Only drained channels look at the sources, the most drained first: keeps the batch linear.
        for view in sorted(drained, key=lambda v: (v.channel.local_ratio, v.channel.chan_id)):
            if not spare:
                break
            sources = tuple(heapq.nsmallest(2, spare.values(), key=lambda s: (-s.spare_sat, s.chan_id)))
            ctx = NodeContext(context.median_rate_msat_per_sat_day, sources, context.elasticity)
            chan_id = view.channel.chan_id
            decision = self._decide(view, scores.get(chan_id), now, ctx, measured[chan_id])
            first[chan_id] = decision
            if decision.rebalance is not None:
                used = spare[decision.rebalance.source_chan_id]
                left = used.spare_sat - decision.rebalance.amount_sat
                spare[used.chan_id] = RebalanceSource(
                    used.chan_id, left, used.fee_rate_ppm, used.capacity_sat
                )
                if left <= 0:
                    del spare[used.chan_id]
        decisions = list(first.values())
        decisions.sort(key=lambda d: (-d.expected_gain_msat, d.chan_id))
        return decisions

    # -- one channel ---------------------------------------------------------------------------
    def decide(
        self,
        view: ChannelView,
        score: CompositeScore | None,
        now: int,
        context: NodeContext | None = None,
    ) -> Decision:
        """One channel. Without a ``context`` (from ``context()``) no rebalance or close is judged."""
        return self._decide(view, score, now, context, measure(view, self.profile))

    def _decide(
        self,
        view: ChannelView,
        score: CompositeScore | None,
        now: int,
        context: NodeContext | None,
        m: Measures,
    ) -> Decision:
        # No per-channel forwards (LNbits): every decision says so, with the flow estimate, labelled.
        unmeasured: tuple[str, ...] = ()
        if view.balance_flow is not None:
            window_s = int(self.profile.flow_window_days * DAY_S)
            unmeasured = (view.balance_flow.window(view.now - window_s, view.now).reason(),)
        blocked = self._operator_block(view)
        if blocked is not None:
            return self._nothing(view, 1.0, (blocked, *unmeasured))
        policy = view.policy
        if policy is None:
            why = "missing data: our current policy on this channel is unknown"
            return self._nothing(view, 0.0, (why, *unmeasured))
        if not view.channel.active:
            why = "channel inactive (peer offline): nothing to do until it is back"
            return self._nothing(view, 1.0, (why, *unmeasured))
        coverage, missing = self._coverage(view, score, m.span_s)
        reasons = [f"data coverage {coverage:.2f}" + (f" (missing: {', '.join(missing)})" if missing else "")]
        reasons.extend(unmeasured)
        candidates: list[_Candidate] = []
        elasticity = context.elasticity if context is not None else None
        fee_candidate = self._fee(view, policy, coverage, now, reasons, m, elasticity)
        if fee_candidate is not None:
            candidates.append(fee_candidate)
        if not view.forwards_measured:
            # Both rules weigh what the channel earned and sent; silence is not "earned nothing".
            reasons.append("rebalance and close not judged: they weigh the channel's measured forwards")
            return self._choose(view, candidates, coverage, reasons)
        context = context or NodeContext(None, ())
        fee_now = fee_candidate.policy.fee_rate_ppm if fee_candidate and fee_candidate.policy else None
        rebalance = propose_rebalance(
            view,
            fee_now or policy.fee_rate_ppm,
            self.profile,
            self.limits,
            context.sources,
            m.recent,
            m.budget,
        )
        reasons.extend(rebalance.reasons)
        if rebalance.params is not None:
            confidence = coverage * (0.5 + 0.5 * rebalance.strength)
            candidates.append(
                _Candidate(
                    DecisionType.REBALANCE, rebalance.gain_msat, confidence, (), rebalance=rebalance.params
                )
            )
        close = propose_close(view, self.profile, context.median_rate_msat_per_sat_day, score, m)
        reasons.extend(close.reasons)
        if close.params is not None:
            confidence = coverage * (0.5 + 0.5 * close.strength)
            candidates.append(
                _Candidate(DecisionType.CLOSE_CHANNEL, close.gain_msat, confidence, (), close=close.params)
            )
        return self._choose(view, candidates, coverage, reasons)

    def coverage(self, view: ChannelView, score: CompositeScore | None) -> tuple[float, list[str]]:
        """Share of the inputs we actually have (0..1) and the names of those missing."""
        return self._coverage(view, score, history_span_s(view))

    def _coverage(
        self, view: ChannelView, score: CompositeScore | None, span: int | None
    ) -> tuple[float, list[str]]:
        got = 0.0
        missing = []
        if view.competitor_fee_ppm is not None:
            got += COVERAGE_WEIGHTS["competitor_fee"]
        elif view.network_median_fee_ppm is not None:
            got += COVERAGE_WEIGHTS["competitor_fee"] / 2
            missing.append("competitor fee")
        else:
            missing.append("competitor fee")
        window = self.profile.flow_window_days * DAY_S
        if span is None:
            missing.append("history")
        else:
            got += COVERAGE_WEIGHTS["history"] * min(1.0, span / window)
        for key, present in (
            ("failed_for_liquidity", view.failed_for_liquidity is not None),
            ("snapshots", bool(view.snapshots)),
            ("peer_metrics", view.peer_metrics is not None),
        ):
            if present:
                got += COVERAGE_WEIGHTS[key]
            else:
                missing.append(key.replace("_", " "))
        return min(1.0, got), missing

    # -- helpers -------------------------------------------------------------------------------
    def _operator_block(self, view: ChannelView) -> str | None:
        override = override_for(self.overrides, view.channel.chan_id)
        if override is not None and override.exclude:
            return "excluded by operator override"
        listed = blacklist_reason(self.blacklist, view.channel)
        if listed is not None:
            return listed
        if override is not None and override.pin:
            return "pinned by operator override: never touched"
        return None

    def _fee(
        self,
        view: ChannelView,
        policy: RoutingPolicy,
        coverage: float,
        now: int,
        reasons: list[str],
        m: Measures,
        elasticity: Elasticity | None = None,
    ) -> _Candidate | None:
        cooldown_s = self.limits.cooldown_minutes * 60
        last = max((c.changed_at for c in view.policy_changes), default=None)
        if last is not None and now - last < cooldown_s:
            reasons.append(
                f"cooldown: last policy change {(now - last) / 60:.0f} min ago (< {cooldown_s / 60:g} min)"
            )
            return None
        bounds = fee_bounds(self.limits, override_for(self.overrides, view.channel.chan_id))
        if bounds is None:
            reasons.append("bound: channel fee bounds do not intersect the global fee range")
            return None
        proposal = propose_fee(
            view, policy, self.profile, self.limits, bounds, m.recent, m.span_s, elasticity
        )
        reasons.extend(proposal.reasons)
        if proposal.policy is None:
            return None
        kind = (
            DecisionType.INCREASE_FEES
            if proposal.policy.fee_rate_ppm > policy.fee_rate_ppm
            else DecisionType.DECREASE_FEES
        )
        confidence = 1.0 if proposal.correction else coverage * (0.5 + 0.5 * proposal.strength)
        return _Candidate(
            kind, proposal.gain_msat, confidence, (), policy=proposal.policy, correction=proposal.correction
        )

    def _choose(
        self, view: ChannelView, candidates: list[_Candidate], coverage: float, reasons: list[str]
    ) -> Decision:
        sure = []
        for candidate in candidates:
            if candidate.correction:
                reasons.append("a correction into the operator's bounds does not wait for confidence")
                sure = [candidate]
                break
            if candidate.confidence < self.profile.min_confidence:
                reasons.append(
                    f"low confidence: {candidate.type.value} at {candidate.confidence:.2f} "
                    f"< {self.profile.min_confidence:g} ({self.profile.name})"
                )
            else:
                sure.append(candidate)
        if not sure:
            return self._nothing(view, coverage, tuple(reasons))
        best = max(sure, key=lambda c: (c.gain_msat, c.confidence))
        for other in sure:
            if other is not best:
                reasons.append(f"also considered {other.type.value} (expected gain {other.gain_msat} msat)")
        return Decision(
            type=best.type,
            chan_id=view.channel.chan_id,
            channel_point=view.channel.channel_point,
            confidence=best.confidence,
            reasons=tuple(reasons),
            expected_gain_msat=best.gain_msat,
            profile=self.profile.name,
            new_policy=best.policy,
            old_policy=view.policy,
            rebalance=best.rebalance,
            close=best.close,
        )

    def _nothing(self, view: ChannelView, confidence: float, reasons: tuple[str, ...]) -> Decision:
        return Decision(
            type=DecisionType.NO_ACTION,
            chan_id=view.channel.chan_id,
            channel_point=view.channel.channel_point,
            confidence=confidence,
            reasons=reasons,
            expected_gain_msat=0,
            profile=self.profile.name,
            old_policy=view.policy,
        )
