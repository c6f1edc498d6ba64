"""Field-by-field comparison of routing policies and their JSON form in the transaction log."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from lnpilot.backends.base import Capability
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


# The fields a backend can set only with the capability (LNbits: none of them).
_SETTABLE_WITH = {
    Capability.UPDATE_TIME_LOCK: ("time_lock_delta",),
    Capability.UPDATE_HTLC_LIMITS: ("min_htlc_msat", "max_htlc_msat"),
    Capability.UPDATE_INBOUND_FEES: ("inbound_base_fee_msat", "inbound_fee_rate_ppm"),
}


def fit_to_backend(
    requested: RoutingPolicy, live: RoutingPolicy, capabilities: Collection[Capability]
) -> tuple[RoutingPolicy, tuple[str, ...]]:
    """The request with every field the backend cannot set kept at its live value, and those fields.

    A decision is computed for every field LND can set; a backend that sets fewer (LNbits: the two
    fees) changes what it can and the result says which requested values were not sent.
    """
    kept = {
        name: getattr(live, name)
        for capability, names in _SETTABLE_WITH.items()
        if capability not in capabilities
        for name in names
        if getattr(requested, name) != getattr(live, name)
    }
    return (replace(requested, **kept) if kept else requested), tuple(kept)


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
