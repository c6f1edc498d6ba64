"""``POST /v1/chanpolicy`` with LND's semantics (rpcserver.UpdateChannelPolicy + localchans).

- scope: ``global: true`` or ``chan_point {funding_txid_str | funding_txid_bytes, output_index}``;
- ``fee_rate`` is a fraction (rounded to ppm), ``fee_rate_ppm`` an integer; both non-zero is an
  InvalidArgument error;
- omitted ``base_fee_msat`` / fee rate are applied as 0 (protobuf zero values), not "unchanged";
- ``time_lock_delta`` must be within [18, 65535] (LND's ``routing.MinCLTVDelta``);
- ``max_htlc_msat`` 0 = unchanged; ``min_htlc_msat`` only with ``min_htlc_msat_specified``;
- inbound fees: only zero or negative (LND without ``accept-positive-inbound-fees``); omitted =
  unchanged;
- per-channel problems (unknown channel point, max_htlc above capacity) come back in
  ``failed_updates`` with a 200.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from typing import Any

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.simnet.state import SimChannel

MIN_TIME_LOCK_DELTA = 18
MAX_TIME_LOCK_DELTA = 65_535
MIN_FEE_RATE = 1e-6
_UINT32_MAX = 2**32 - 1
UPDATE_FAILURES = (
    "UPDATE_FAILURE_UNKNOWN",
    "UPDATE_FAILURE_PENDING",
    "UPDATE_FAILURE_NOT_FOUND",
    "UPDATE_FAILURE_INTERNAL_ERR",
    "UPDATE_FAILURE_INVALID_PARAMETER",
)


class RpcError(Exception):
    """An error LND returns as a gRPC status: ``code`` (2 unknown, 3 invalid argument, ...)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class FailedUpdate:
    txid: str
    output_index: int
    reason: str
    update_error: str


@dataclass(frozen=True, slots=True)
class PolicyPlan:
    updates: tuple[tuple[SimChannel, RoutingPolicy], ...]
    failed: tuple[FailedUpdate, ...]


def as_int(body: dict[str, Any], name: str, default: int = 0) -> int:
    """A protobuf integer from JSON: a number or a decimal string (grpc-gateway takes both)."""
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool):
        raise RpcError(3, f"proto: invalid value for integer field {name}: {value}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise RpcError(3, f"proto: invalid value for integer field {name}: {value!r}")


def as_float(body: dict[str, Any], name: str) -> float:
    value = body.get(name, 0)
    if value is None:
        return 0.0
    if isinstance(value, bool):
        raise RpcError(3, f"proto: invalid value for double field {name}: {value}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RpcError(3, f"proto: invalid value for double field {name}: {value!r}") from None


def _scope(body: dict[str, Any]) -> tuple[str, int] | None:
    """None for global scope, else the (txid hex, output index) of the target channel."""
    if body.get("global") is True:
        return None
    point = body.get("chan_point")
    if not isinstance(point, dict):
        raise RpcError(2, "unknown scope: <nil>")
    index = as_int(point, "output_index")
    if point.get("funding_txid_str"):
        txid = str(point["funding_txid_str"]).lower()
    elif point.get("funding_txid_bytes"):
        raw = str(point["funding_txid_bytes"])
        try:
            txid = bytes(reversed(base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_"))).hex()
        except (binascii.Error, ValueError):
            raise RpcError(3, "proto: invalid value for bytes field funding_txid_bytes") from None
    else:
        raise RpcError(2, "unknown scope: <nil>")
    if len(txid) != 64:
        raise RpcError(2, f"invalid hash length of {len(txid) // 2}, want 32")
    return txid, index


def plan_policy_update(
    body: dict[str, Any], channels: list[SimChannel], *, forced_failure: str | None = None
) -> PolicyPlan:
    """What an UpdateChannelPolicy request does to ``channels``; raises RpcError like LND."""
    scope = _scope(body)
    fee_rate = as_float(body, "fee_rate")
    fee_rate_ppm = as_int(body, "fee_rate_ppm")
    if fee_rate != 0 and fee_rate_ppm != 0:
        raise RpcError(3, "cannot set both FeeRate and FeeRatePpm at the same time")
    if fee_rate != 0:
        if fee_rate < MIN_FEE_RATE:
            raise RpcError(2, f"fee rate of {fee_rate:g} is too small, min fee rate is {MIN_FEE_RATE:g}")
        fee_rate_ppm = round(fee_rate * 1_000_000)
    if not 0 <= fee_rate_ppm <= _UINT32_MAX:
        raise RpcError(3, f"proto: invalid value for uint32 field fee_rate_ppm: {fee_rate_ppm}")
    base_fee_msat = as_int(body, "base_fee_msat")
    if base_fee_msat < 0:
        raise RpcError(3, "base_fee_msat must not be negative")
    tld = as_int(body, "time_lock_delta")
    if tld > _UINT32_MAX:
        raise RpcError(3, f"proto: invalid value for uint32 field time_lock_delta: {tld}")
    if tld < MIN_TIME_LOCK_DELTA:
        raise RpcError(
            2, f"time lock delta of {tld} is too small, minimum supported is {MIN_TIME_LOCK_DELTA}"
        )
    if tld > MAX_TIME_LOCK_DELTA:
        raise RpcError(2, f"time lock delta of {tld} is too big, maximum supported is {MAX_TIME_LOCK_DELTA}")
    inbound = body.get("inbound_fee")
    inbound_fee: tuple[int, int] | None = None
    if isinstance(inbound, dict):
        in_base, in_ppm = as_int(inbound, "base_fee_msat"), as_int(inbound, "fee_rate_ppm")
        if in_base > 0:
            raise RpcError(2, f"positive values for inbound base fee msat are not supported: {in_base}")
        if in_ppm > 0:
            raise RpcError(2, f"positive values for inbound fee rate ppm are not supported: {in_ppm}")
        inbound_fee = (in_base, in_ppm)
    max_htlc = as_int(body, "max_htlc_msat")
    min_specified = body.get("min_htlc_msat_specified") is True
    min_htlc = as_int(body, "min_htlc_msat")
    if max_htlc > 0 and min_specified and max_htlc < min_htlc:
        raise RpcError(2, f"max htlc {max_htlc} must be greater than or equal to min htlc {min_htlc}")

    if scope is None:
        targets = list(channels)
        missing: list[tuple[str, int]] = []
    else:
        point = f"{scope[0]}:{scope[1]}"
        targets = [c for c in channels if c.channel_point == point]
        missing = [] if targets else [scope]
    failed = [FailedUpdate(txid, index, "UPDATE_FAILURE_NOT_FOUND", "not found") for txid, index in missing]
    updates: list[tuple[SimChannel, RoutingPolicy]] = []
    for ch in targets:
        txid, _, index = ch.channel_point.partition(":")
        if forced_failure is not None:
            failed.append(FailedUpdate(txid, int(index), forced_failure, "simnet: injected failure"))
            continue
        new_max = max_htlc or ch.policy.max_htlc_msat
        new_min = min_htlc if min_specified else ch.policy.min_htlc_msat
        if new_max > ch.capacity_sat * 1000:
            failed.append(
                FailedUpdate(
                    txid,
                    int(index),
                    "UPDATE_FAILURE_INVALID_PARAMETER",
                    f"invalid max htlc for channel update: {new_max} msat exceeds capacity",
                )
            )
            continue
        if new_max < new_min:
            failed.append(
                FailedUpdate(
                    txid,
                    int(index),
                    "UPDATE_FAILURE_INVALID_PARAMETER",
                    f"min htlc {new_min} msat above max htlc {new_max} msat",
                )
            )
            continue
        policy = replace(
            ch.policy,
            base_fee_msat=base_fee_msat,
            fee_rate_ppm=fee_rate_ppm,
            time_lock_delta=tld,
            max_htlc_msat=new_max,
            min_htlc_msat=new_min,
        )
        if inbound_fee is not None:
            policy = replace(
                policy, inbound_base_fee_msat=inbound_fee[0], inbound_fee_rate_ppm=inbound_fee[1]
            )
        updates.append((ch, policy))
    return PolicyPlan(tuple(updates), tuple(failed))
