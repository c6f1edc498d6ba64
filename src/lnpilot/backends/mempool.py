"""On-chain fee estimates from a mempool.space-compatible API (``GET /api/v1/fees/recommended``).

The answer is ``{"fastestFee": n, "halfHourFee": n, "hourFee": n, "economyFee": n,
"minimumFee": n}`` in sat/vB. Anything else is an error with one clear line: a cost built on a
made-up rate would be worse than a cost reported as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx

from lnpilot.backends.base import BackendError
from lnpilot.logs import get_logger

log = get_logger("lnpilot.backends.mempool")

Target = Literal["fastest", "half_hour", "hour", "economy"]
_FIELDS = {
    "fastest": "fastestFee",
    "half_hour": "halfHourFee",
    "hour": "hourFee",
    "economy": "economyFee",
    "minimum": "minimumFee",
}
MAX_SANE_SAT_PER_VB = 10_000


class FeeEstimateUnavailable(BackendError):
    code = "fee-estimate-unavailable"


@dataclass(frozen=True, slots=True)
class FeeEstimates:
    """Recommended fee rates, sat/vB."""

    fastest: int
    half_hour: int
    hour: int
    economy: int
    minimum: int

    def rate(self, target: Target) -> int:
        rate: int = getattr(self, target)
        return rate

    def cost_sat(self, target: Target, vbytes: int) -> int:
        return self.rate(target) * vbytes


def parse(body: object) -> FeeEstimates:
    if not isinstance(body, dict):
        raise FeeEstimateUnavailable("fee API answered something that is not a JSON object")
    values: dict[str, int] = {}
    for name, key in _FIELDS.items():
        raw = body.get(key)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw <= MAX_SANE_SAT_PER_VB:
            raise FeeEstimateUnavailable(f"fee API answer has no usable {key!r} (got {raw!r})")
        values[name] = max(1, round(raw))
    return FeeEstimates(**values)


async def fetch_recommended(base_url: str, *, timeout_s: float = 10.0) -> FeeEstimates:
    url = base_url.rstrip("/") + "/api/v1/fees/recommended"
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise FeeEstimateUnavailable(f"fee API {base_url} unreachable ({exc.__class__.__name__})") from None
    if response.status_code != 200:
        raise FeeEstimateUnavailable(f"fee API {base_url} answered HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise FeeEstimateUnavailable(f"fee API {base_url} answered something that is not JSON") from None
    estimates = parse(body)
    log.debug("fee_estimates", hour_sat_per_vb=estimates.hour)
    return estimates
