"""Fee flips: how often a channel's fee rate reverses direction (up then down, or down then up)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from lnpilot.simnet.engine import Simulation


def count_flips(history: list[int]) -> int:
    """Reversals in a sequence of fee rates; repeated values are not moves."""
    flips = 0
    last_sign = 0
    for before, after in itertools.pairwise(history):
        if after == before:
            continue
        sign = 1 if after > before else -1
        if last_sign and sign != last_sign:
            flips += 1
        last_sign = sign
    return flips


@dataclass
class FeeRecorder:
    """Our fee rate per channel after every cycle, read from simnet's ground truth."""

    history: list[list[int]]

    @classmethod
    def start(cls, sim: Simulation) -> FeeRecorder:
        with sim.lock:
            return cls([[ch.policy.fee_rate_ppm] for ch in sim.channels])

    def record(self, sim: Simulation) -> None:
        with sim.lock:
            for rates, ch in zip(self.history, sim.channels, strict=True):
                rates.append(ch.policy.fee_rate_ppm)

    def flips(self) -> int:
        return sum(count_flips(rates) for rates in self.history)
