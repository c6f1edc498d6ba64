"""The contestants by name: the references, lnpilot's profiles, and uniform fees for the sweep."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lnpilot.arena.refs.base import FeeStrategy, apply_fee
from lnpilot.arena.refs.clboss import Clboss
from lnpilot.arena.refs.lndg import LndgAutoFees
from lnpilot.arena.refs.simple import ChargeLndProportional, StaticDefaults
from lnpilot.backends.base import NodeBackend
from lnpilot.errors import InvalidInputError

# charge-lnd's own example configurations (examples/*.config): complex-ruleset, all-channels-
# proportional, multiple_channels_policies.
CHARGE_LND_SETTINGS = ((10, 200), (100, 300), (0, 400))
REFERENCES = (
    "static-lnd",
    *(f"charge-lnd-{lo}-{hi}" for lo, hi in CHARGE_LND_SETTINGS),
    "lndg-autofees",
    "clboss",
)
PILOTS = ("lnpilot-conservative", "lnpilot-balanced", "lnpilot-aggressive")
DEFAULT_STRATEGIES = (*REFERENCES, *PILOTS)
_UNIFORM = re.compile(r"uniform-(\d+)")
_CHARGE = re.compile(r"charge-lnd-(\d+)-(\d+)")
MAX_UNIFORM_PPM = 100_000


@dataclass
class UniformFee:
    """Every channel at one fee rate, set once (the sweep's strategy)."""

    fee_rate_ppm: int
    name: str = "uniform"
    _done: bool = False

    async def cycle(self, backend: NodeBackend, now_s: int) -> None:
        if self._done:
            return
        for ch in await backend.list_channels():
            await apply_fee(backend, ch.channel_point, fee_rate_ppm=self.fee_rate_ppm)
        self._done = True


def pilot_profile(name: str) -> str | None:
    """The profile when ``name`` is an lnpilot contestant, else None."""
    return name.removeprefix("lnpilot-") if name in PILOTS else None


def check_strategy(name: str) -> None:
    if pilot_profile(name) is not None or name in ("static-lnd", "lndg-autofees", "clboss"):
        return
    if (m := _CHARGE.fullmatch(name)) and int(m.group(1)) <= int(m.group(2)):
        return
    if (m := _UNIFORM.fullmatch(name)) and int(m.group(1)) <= MAX_UNIFORM_PPM:
        return
    known = ", ".join(DEFAULT_STRATEGIES)
    raise InvalidInputError(f"unknown strategy {name!r} (known: {known}, charge-lnd-MIN-MAX, uniform-PPM)")


def make_strategy(name: str, seed: int) -> FeeStrategy:
    """A fresh reference strategy; lnpilot's profiles run through the daemon instead."""
    check_strategy(name)
    if name == "static-lnd":
        return StaticDefaults()
    if name == "lndg-autofees":
        return LndgAutoFees()
    if name == "clboss":
        return Clboss(seed=seed)
    if m := _CHARGE.fullmatch(name):
        return ChargeLndProportional(int(m.group(1)), int(m.group(2)), name=name)
    if m := _UNIFORM.fullmatch(name):
        return UniformFee(int(m.group(1)), name=name)
    raise InvalidInputError(f"{name!r} runs through lnpilot's daemon, not as a reference strategy")
