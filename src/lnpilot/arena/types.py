"""The arena's values: what one run is (``RunSpec``) and what it measured (``RunResult``).

Both are frozen, picklable dataclasses of plain values so a run can be shipped to a process
pool today and to a job engine later: ``run_one(spec)`` needs nothing but the spec.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DAY_S = 86_400
WEEK_S = 7 * DAY_S

START_FEES = ("lnd", "market")  # where our channels' fees start (see docs/arena.md)
TRANSPORTS = ("inprocess", "https")


@dataclass(frozen=True, slots=True)
class GraphSpec:
    """Either a generated graph (``nodes``) or a snapshot file (``path``)."""

    nodes: int = 300
    path: str | None = None

    @property
    def label(self) -> str:
        return Path(self.path).name if self.path else f"generated-{self.nodes}"


@dataclass(frozen=True, slots=True)
class RunSpec:
    strategy: str
    seed: int
    graph: GraphSpec = field(default_factory=GraphSpec)
    channels: int = 8
    days: float = 30.0
    cycle_hours: float = 6.0
    payments_per_day: float | None = None  # None: the market's own demand
    start_fees: str = "lnd"
    market: str | None = None  # the market's TOML text (``arena.market``); None: the default market
    transport: str = "inprocess"

    @property
    def cycles(self) -> int:
        return max(1, round(self.days * 24 / self.cycle_hours))


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one strategy earned on one seed, read from simnet's ground truth."""

    strategy: str
    seed: int
    graph: str
    days: float
    channels: int
    fees_earned_msat: int
    rebalance_fees_msat: int
    onchain_fees_msat: int  # miner fees our wallet paid during the run (closes), from simnet's chain
    forwards: int
    policy_updates: int
    fee_flips: int
    cycles: int
    failed_cycles: int
    final_fee_ppm: tuple[int, ...] = ()

    @property
    def net_profit_msat(self) -> int:
        return self.fees_earned_msat - self.rebalance_fees_msat - self.onchain_fees_msat

    @property
    def flips_per_channel_week(self) -> float:
        weeks = self.days * DAY_S / WEEK_S
        return self.fee_flips / (self.channels * weeks) if self.channels and weeks else 0.0

    @property
    def rebalance_cost_ratio(self) -> float | None:
        """Rebalance fees per routing revenue; absent (None) when nothing was earned."""
        if self.fees_earned_msat <= 0:
            return None
        return self.rebalance_fees_msat / self.fees_earned_msat

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["final_fee_ppm"] = list(self.final_fee_ppm)
        data["net_profit_msat"] = self.net_profit_msat
        data["flips_per_channel_week"] = self.flips_per_channel_week
        data["rebalance_cost_ratio"] = self.rebalance_cost_ratio
        return data
