"""The two simple references: LND's defaults left alone, and charge-lnd's ``proportional``.

charge-lnd (github.com/accumulator/charge-lnd, ``charge_lnd/strategy.py``):
``ppm = min_fee_ppm + (1 - local / (local + remote)) * (max_fee_ppm - min_fee_ppm)``, clamped at
0 and truncated; ``proportional`` sets ``min_fee_ppm_delta`` to 10 when unset, and a change
smaller than that is not applied (``charge_lnd.py``). The base fee is left as it is unless the
policy sets ``base_fee_msat``. It runs whenever cron calls it: here, once per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from lnpilot.arena.refs.base import apply_fee
from lnpilot.backends.base import NodeBackend


@dataclass
class StaticDefaults:
    """A node that never touches its fees: LND's 1,000 msat base and 1 ppm."""

    name: str = "static-lnd"

    async def cycle(self, backend: NodeBackend, now_s: int) -> None:
        return None


def proportional_ppm(local_sat: int, remote_sat: int, min_ppm: int, max_ppm: int) -> int:
    total = local_sat + remote_sat
    ratio = local_sat / total if total > 0 else 0.5
    return max(0, int(min_ppm + (1.0 - ratio) * (max_ppm - min_ppm)))


@dataclass
class ChargeLndProportional:
    min_fee_ppm: int
    max_fee_ppm: int
    min_fee_ppm_delta: int = 10
    name: str = "charge-lnd"

    async def cycle(self, backend: NodeBackend, now_s: int) -> None:
        report = await backend.fee_report()
        current = {c.channel_point: c.fee_rate_ppm for c in report.channels}
        for ch in await backend.list_channels():
            target = proportional_ppm(
                ch.local_balance_sat, ch.remote_balance_sat, self.min_fee_ppm, self.max_fee_ppm
            )
            now_ppm = current.get(ch.channel_point)
            if now_ppm is not None and abs(target - now_ppm) < self.min_fee_ppm_delta:
                continue
            await apply_fee(backend, ch.channel_point, fee_rate_ppm=target)
