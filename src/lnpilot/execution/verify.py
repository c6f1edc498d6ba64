"""Field-by-field comparison of routing policies and their JSON form in the transaction log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lnpilot.domain.graph import RoutingPolicy

# What an update sets. ``disabled`` and ``last_update`` are not ours to send (LND manages them).
POLICY_FIELDS = (
    "base_fee_msat",
    "fee_rate_ppm",
    "time_lock_delta",
    "min_htlc_msat",
    "max_htlc_msat",
    "inbound_base_fee_msat",
    "inbound_fee_rate_ppm",
)


def differences(expected: RoutingPolicy, actual: RoutingPolicy) -> dict[str, tuple[int, int]]:
    return {
        name: (getattr(expected, name), getattr(actual, name))
        for name in POLICY_FIELDS
        if getattr(expected, name) != getattr(actual, name)
    }


def same_policy(a: RoutingPolicy | None, b: RoutingPolicy | None) -> bool:
    if a is None or b is None:
        return a is b
    return not differences(a, b)


def policy_json(policy: RoutingPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


def policy_from(data: Mapping[str, Any] | None) -> RoutingPolicy | None:
    """The policy a log entry names; None for entries that are not policies (rebalances)."""
    if not data or any(name not in data for name in POLICY_FIELDS):
        return None
    return RoutingPolicy(
        base_fee_msat=int(data["base_fee_msat"]),
        fee_rate_ppm=int(data["fee_rate_ppm"]),
        time_lock_delta=int(data["time_lock_delta"]),
        min_htlc_msat=int(data["min_htlc_msat"]),
        max_htlc_msat=int(data["max_htlc_msat"]),
        inbound_base_fee_msat=int(data["inbound_base_fee_msat"]),
        inbound_fee_rate_ppm=int(data["inbound_fee_rate_ppm"]),
    )
