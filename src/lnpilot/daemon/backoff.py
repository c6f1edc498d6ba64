"""Exponential backoff after failed cycles, capped; pure (the loop does the waiting)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Backoff:
    initial_s: float
    max_s: float
    failures: int = 0

    def delay_s(self) -> float:
        """The wait before the next attempt after ``failures`` consecutive failures (0 when none)."""
        if self.failures == 0:
            return 0.0
        return float(min(self.max_s, self.initial_s * 2 ** (self.failures - 1)))

    def failed(self) -> float:
        self.failures += 1
        return self.delay_s()

    def succeeded(self) -> None:
        self.failures = 0
