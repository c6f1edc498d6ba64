"""LNbits' node-API JSON -> lnpilot's domain values (and the few checks on its shape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lnpilot.backends import lnd_wire as wire
from lnpilot.backends.base import Capability, CapabilityMissing
from lnpilot.domain.node import LocalChannel


def missing(capability: Capability) -> CapabilityMissing:
    return CapabilityMissing(f"LNbits backend lacks capability {capability.value!r}")


def obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise wire.MalformedResponse(f"LNbits {what}: expected a JSON object")
    return data


def _chan_id(channel: Mapping[str, Any]) -> int:
    raw = channel.get("id")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else 0


def _point(channel: Mapping[str, Any]) -> str:
    point = wire.as_obj(channel, "point")
    if point is None:
        return ""
    return f"{wire.as_str(point, 'funding_txid')}:{wire.as_int(point, 'output_index')}"


def local_channel(channel: Mapping[str, Any]) -> LocalChannel:
    balance = wire.as_obj(channel, "balance") or {}
    return LocalChannel(
        chan_id=_chan_id(channel),
        channel_point=_point(channel),
        remote_pubkey=wire.as_str(channel, "peer_id"),
        capacity_sat=wire.as_int(balance, "total_msat") // 1000,
        local_balance_sat=wire.as_int(balance, "local_msat") // 1000,
        remote_balance_sat=wire.as_int(balance, "remote_msat") // 1000,
        active=channel.get("state") == "active",
    )


def fee_sum(sums: Mapping[str, Any], key: str, divisor: int) -> int | None:
    """A fee sum LNbits reports, in sat; None when its funding source leaves it out."""
    if sums.get(key) is None:
        return None
    return wire.as_int(sums, key) // divisor
