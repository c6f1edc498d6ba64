"""Per-channel flow estimated from stored balance snapshots, for backends without forwards (LNbits).

Between two consecutive snapshots of a channel, the change of our local balance is the net of
everything that moved through it: forwards in and out, our own payments and rebalances, invoices
paid to us. With our own moves (known from the transaction log) taken out, what is left is the
channel's *net* forward flow in that interval: a decrease is outbound flow, an increase inbound.

What it cannot see, and says so: a forward in and out of the same channel within one sync interval
nets out; payments and invoices we do not know of move balances too; no fee is visible (only the
node-wide fee sums LNbits reports). It is an estimate, never presented as measured forwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FLOW_SOURCE_FORWARDS = "forwards"
FLOW_SOURCE_ESTIMATE = "estimate_from_balances"

# Said in every decision on such a backend: an empty forward list there is unknown, not zero.
FORWARDS_NOT_MEASURED = "forwards not measured on this backend (it gives no per-channel forwards)"

CAVEAT = (
    "a forward in and out within one sync interval nets out, payments and invoices lnpilot does not "
    "know of move balances too, and no per-channel fee is visible"
)


@dataclass(frozen=True, slots=True)
class BalanceStep:
    """One interval between two consecutive snapshots of a channel."""

    start: int  # unix seconds of the earlier snapshot
    end: int  # of the later one
    local_delta_sat: int  # later local balance minus earlier
    own_sat: int = 0  # the part our own rebalances/payments explain (signed like local_delta_sat)
    # Why this interval cannot be read as flow (e.g. the capacity changed); "" when it can.
    unusable: str = ""

    @property
    def flow_sat(self) -> int:
        """Net flow left after our own moves: negative out, positive in."""
        return self.local_delta_sat - self.own_sat


@dataclass(frozen=True, slots=True)
class FlowEstimate:
    """Net flow of one channel over ``[since, until]``, estimated from balance snapshots.

    ``out_sat``/``in_sat`` are the sums of per-interval net decreases/increases of the local
    balance (our own moves taken out); both are None when fewer than two snapshots fall inside the
    window, and ``why_absent`` says so.
    """

    since: int
    until: int
    out_sat: int | None
    in_sat: int | None
    first_at: int | None = None  # first snapshot used
    last_at: int | None = None  # last snapshot used
    intervals: int = 0
    own_excluded_sat: int = 0  # absolute balance change explained by our own rebalances/payments
    skipped_intervals: int = 0
    why_absent: str | None = None
    source: str = FLOW_SOURCE_ESTIMATE

    @property
    def known(self) -> bool:
        return self.out_sat is not None and self.in_sat is not None

    @property
    def net_out_sat(self) -> int | None:
        if self.out_sat is None or self.in_sat is None:
            return None
        return self.out_sat - self.in_sat

    @property
    def covered_s(self) -> int:
        return 0 if self.first_at is None or self.last_at is None else self.last_at - self.first_at

    def reason(self) -> str:
        """One line for a decision's reasons: always says it is an estimate and what it misses."""
        lacking = FORWARDS_NOT_MEASURED
        if not self.known:
            return f"{lacking}; net flow estimate absent: {self.why_absent}"
        own = (
            f", {self.own_excluded_sat} sat of our own rebalances taken out" if self.own_excluded_sat else ""
        )
        return (
            f"{lacking}; net flow ESTIMATED from balance "
            f"snapshots (not measured forwards): {self.out_sat} sat out, {self.in_sat} sat in over "
            f"{self.covered_s / 86_400:.1f} d ({self.intervals} sync intervals{own}); {CAVEAT}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "flow_source": self.source,
            "since": self.since,
            "until": self.until,
            "first_snapshot_at": self.first_at,
            "last_snapshot_at": self.last_at,
            "out_sat": self.out_sat,
            "in_sat": self.in_sat,
            "net_out_sat": self.net_out_sat,
            "intervals": self.intervals,
            "skipped_intervals": self.skipped_intervals,
            "own_excluded_sat": self.own_excluded_sat,
            "why_absent": self.why_absent,
            "caveat": CAVEAT,
        }


@dataclass(frozen=True, slots=True)
class BalanceFlow:
    """A channel's balance steps from its stored snapshots; ``window`` sums any window of them."""

    steps: tuple[BalanceStep, ...]
    snapshot_times: tuple[int, ...]  # every snapshot's time, oldest first

    def window(self, since: int, until: int) -> FlowEstimate:
        inside = [t for t in self.snapshot_times if since <= t <= until]
        if len(inside) < 2:
            why = (
                f"{len(inside)} balance snapshot(s) between {since} and {until}, two are needed "
                "(run lnpilot sync, or the daemon, more often)"
            )
            return FlowEstimate(since, until, None, None, why_absent=why)
        out = inn = own = used = skipped = 0
        for step in self.steps:
            if step.start < since or step.end > until:
                continue
            if step.unusable:
                skipped += 1
                continue
            used += 1
            own += abs(step.own_sat)
            if step.flow_sat < 0:
                out -= step.flow_sat
            else:
                inn += step.flow_sat
        if used == 0:
            why = f"no usable interval between {since} and {until} ({skipped} skipped: capacity changed)"
            return FlowEstimate(since, until, None, None, inside[0], inside[-1], 0, 0, skipped, why)
        return FlowEstimate(since, until, out, inn, inside[0], inside[-1], used, own, skipped)
