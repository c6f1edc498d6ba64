"""Peer availability: each peer flaps as a two-state Markov chain with its own seeded profile.

A peer's long-run availability is drawn from Beta(40, 1) (mean ~97.6 %, a few flaky peers);
offline spells last two hours on average. Transitions are drawn per clock step from a
generator seeded by ``(seed, step)``, so flaps do not depend on how the clock is advanced.
"""

from __future__ import annotations

import numpy as np

MEAN_OFFLINE_S = 7_200.0
_STREAM_PROFILE = 0x7570
_STREAM_FLAPS = 0x666C


class UptimeModel:
    def __init__(self, peers: int, *, seed: int, step_s: int) -> None:
        rng = np.random.default_rng([seed, _STREAM_PROFILE])
        self.availability = rng.beta(40.0, 1.0, peers)
        mean_online_s = MEAN_OFFLINE_S * self.availability / (1.0 - self.availability)
        self.p_down = np.minimum(1.0, step_s / mean_online_s)
        self.p_up = min(1.0, step_s / MEAN_OFFLINE_S)
        self.seed = seed

    def next_state(self, online: np.ndarray, step: int) -> np.ndarray:
        """Who is online during ``step``, given who was online during the step before."""
        rng = np.random.default_rng([self.seed, _STREAM_FLAPS, step])
        draw = rng.random(len(online))
        return np.where(online, draw >= self.p_down, draw < self.p_up)
