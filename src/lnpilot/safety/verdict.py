"""What the validator answers: every violation with a stable code, never just the first."""

from __future__ import annotations

from dataclasses import dataclass

from lnpilot.decisions.types import Decision

# Every code the validator can emit; stable across releases (API, logs, tests and docs use them).
CODES: frozenset[str] = frozenset(
    {
        "view_mismatch",
        "channel_excluded",
        "channel_pinned",
        "channel_blacklisted",
        "peer_blacklisted",
        "missing_policy",
        "current_policy_unknown",
        "direction_mismatch",
        "policy_disables_channel",
        "fee_rate_below_min",
        "fee_rate_above_max",
        "fee_rate_below_channel_min",
        "fee_rate_above_channel_max",
        "fee_rate_change_too_large",
        "base_fee_below_min",
        "base_fee_above_max",
        "base_fee_change_too_large",
        "time_lock_below_min",
        "time_lock_above_max",
        "min_htlc_negative",
        "max_htlc_below_min_htlc",
        "max_htlc_above_capacity",
        "inbound_fee_positive",
        "inbound_fee_rate_below_min",
        "inbound_base_fee_below_min",
        "cooldown_active",
        "channel_daily_limit_reached",
        "node_daily_limit_reached",
        "missing_rebalance_params",
        "rebalance_target_mismatch",
        "rebalance_same_channel",
        "rebalance_amount_below_min",
        "rebalance_amount_above_capacity_fraction",
        "rebalance_cost_above_max",
        "rebalance_fee_above_budget",
        "rebalance_budget_above_earnings",
        "rebalance_source_unknown",
        "rebalance_source_blacklisted",
        "rebalance_source_insufficient",
        "rebalance_target_not_needed",
        "rebalance_target_overfilled",
        "rebalance_cooldown_active",
        "rebalance_daily_count_reached",
        "rebalance_daily_spend_cap_reached",
        "rebalance_weekly_spend_cap_reached",
        "missing_close_params",
        "close_not_allowed",
    }
)


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown violation code {self.code!r}")


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    violations: tuple[Violation, ...]

    @property
    def approved(self) -> bool:
        return not self.violations

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.violations)

    def to_dict(self) -> dict[str, object]:
        return {
            "approved": self.approved,
            "violations": [{"code": v.code, "message": v.message} for v in self.violations],
        }
