"""What the DecisionEngine proposes: one frozen ``Decision`` per channel, with its parameters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lnpilot.domain.graph import RoutingPolicy


class DecisionType(StrEnum):
    NO_ACTION = "no_action"
    INCREASE_FEES = "increase_fees"
    DECREASE_FEES = "decrease_fees"
    REBALANCE = "rebalance"
    CLOSE_CHANNEL = "close_channel"


FEE_DECISIONS = frozenset({DecisionType.INCREASE_FEES, DecisionType.DECREASE_FEES})


@dataclass(frozen=True, slots=True)
class RebalanceParams:
    """A circular rebalance moving ``amount_sat`` from ``source_chan_id`` into ``target_chan_id``.

    ``max_fee_msat`` is the most the payment may cost; ``budget_msat`` is what the target channel
    may spend at all (a share of what it earned), so ``max_fee_msat <= budget_msat``.
    """

    amount_sat: int
    source_chan_id: int
    target_chan_id: int
    max_fee_msat: int
    budget_msat: int
    expected_earnings_msat: int
    horizon_days: float

    @property
    def max_cost_ppm(self) -> float:
        if self.amount_sat <= 0:
            return float("inf")
        return self.max_fee_msat * 1_000_000 / (self.amount_sat * 1000)


@dataclass(frozen=True, slots=True)
class CloseParams:
    """Why closing pays: the channel's earnings rate against what its capital earns elsewhere."""

    reason: str
    window_days: float
    earned_msat: int  # fees this channel earned in the window
    earnings_rate_msat_per_sat_day: float
    node_median_rate_msat_per_sat_day: float
    opportunity_cost_msat: int  # what the same capital would have earned at the node's median rate
    reopen_cost_msat: int


@dataclass(frozen=True, slots=True)
class Decision:
    """One proposal for one channel. Nothing here is executed; the validator judges it next.

    ``new_policy`` is the *complete* policy for fee decisions (LND zeroes omitted fields) and
    ``None`` otherwise. ``reasons`` always explains the outcome, including why nothing happened.
    """

    type: DecisionType
    chan_id: int
    channel_point: str
    confidence: float
    reasons: tuple[str, ...]
    expected_gain_msat: int
    profile: str
    new_policy: RoutingPolicy | None = None
    old_policy: RoutingPolicy | None = None
    rebalance: RebalanceParams | None = None
    close: CloseParams | None = None

    @property
    def is_change(self) -> bool:
        return self.type is not DecisionType.NO_ACTION

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data (CLI ``--json``, API, transaction log)."""
        return {
            "type": self.type.value,
            "chan_id": str(self.chan_id),
            "channel_point": self.channel_point,
            "confidence": round(self.confidence, 4),
            "reasons": list(self.reasons),
            "expected_gain_msat": self.expected_gain_msat,
            "profile": self.profile,
            "new_policy": _policy_dict(self.new_policy),
            "old_policy": _policy_dict(self.old_policy),
            "rebalance": _rebalance_dict(self.rebalance),
            "close": _close_dict(self.close),
        }


def _policy_dict(policy: RoutingPolicy | None) -> dict[str, object] | None:
    if policy is None:
        return None
    return {
        "base_fee_msat": policy.base_fee_msat,
        "fee_rate_ppm": policy.fee_rate_ppm,
        "time_lock_delta": policy.time_lock_delta,
        "min_htlc_msat": policy.min_htlc_msat,
        "max_htlc_msat": policy.max_htlc_msat,
        "inbound_base_fee_msat": policy.inbound_base_fee_msat,
        "inbound_fee_rate_ppm": policy.inbound_fee_rate_ppm,
        "disabled": policy.disabled,
    }


def _rebalance_dict(params: RebalanceParams | None) -> dict[str, object] | None:
    if params is None:
        return None
    return {
        "amount_sat": params.amount_sat,
        "source_chan_id": str(params.source_chan_id),
        "target_chan_id": str(params.target_chan_id),
        "max_fee_msat": params.max_fee_msat,
        "budget_msat": params.budget_msat,
        "expected_earnings_msat": params.expected_earnings_msat,
        "horizon_days": params.horizon_days,
    }


def _close_dict(params: CloseParams | None) -> dict[str, object] | None:
    if params is None:
        return None
    return {
        "reason": params.reason,
        "window_days": params.window_days,
        "earned_msat": params.earned_msat,
        "earnings_rate_msat_per_sat_day": params.earnings_rate_msat_per_sat_day,
        "node_median_rate_msat_per_sat_day": params.node_median_rate_msat_per_sat_day,
        "opportunity_cost_msat": params.opportunity_cost_msat,
        "reopen_cost_msat": params.reopen_cost_msat,
    }
