"""What the executor reports: one result per channel, one batch result per call."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lnpilot.execution.actions import ActionKind
from lnpilot.execution.rebalance import RebalanceResult


class ItemStatus(StrEnum):
    SHADOW = "shadow"  # recorded, not sent (shadow mode, pilot list, close not allowed)
    REFUSED = "refused"  # the backend cannot do it
    SKIPPED = "skipped"  # an earlier error stopped the batch
    UNCHANGED = "unchanged"  # the live policy already was the requested one: nothing sent
    IN_FLIGHT = "in_flight"  # sent (or maybe sent) and not yet known: reconcile settles it
    APPLIED = "applied"
    FAILED = "failed"
    NOT_APPLIED = "not_applied"  # reconciled: the node still has the backed-up policy
    DIVERGED = "diverged"  # reconciled: the node has neither the backup nor the request
    UNKNOWN = "unknown"  # reconciled rebalance: the payment's fate cannot be read back here


OK_STATUSES = frozenset({ItemStatus.APPLIED, ItemStatus.UNCHANGED, ItemStatus.SHADOW})


@dataclass(frozen=True, slots=True)
class ChannelResult:
    chan_id: int
    channel_point: str
    kind: ActionKind
    status: ItemStatus
    detail: str = ""
    changed: bool = False  # the node's policy now differs from the backup (rollback restores it)
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)
    item_id: int | None = None
    rebalance: RebalanceResult | None = None

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "chan_id": str(self.chan_id),
            "channel_point": self.channel_point,
            "kind": self.kind.value,
            "status": self.status.value,
            "detail": self.detail,
            "changed": self.changed,
            "mismatches": {k: list(v) for k, v in self.mismatches.items()},
        }
        if self.rebalance is not None:
            r = self.rebalance
            data["rebalance"] = {
                "moved_sat": r.moved_sat,
                "fee_msat": r.fee_msat,
                "cost_ppm": r.cost_ppm,
                "channel_earnings_msat": r.channel_earnings_msat,
                "cost_to_earnings": r.cost_to_earnings,
                "attempts": len(r.attempts),
                "error": r.error,
            }
        return data


@dataclass(frozen=True, slots=True)
class BatchResult:
    mode: str
    tx_id: int | None  # None when nothing ran for real
    results: tuple[ChannelResult, ...]
    stopped_early: bool = False

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def count(self, status: ItemStatus) -> int:
        return sum(1 for r in self.results if r.status is status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "tx_id": self.tx_id,
            "ok": self.ok,
            "stopped_early": self.stopped_early,
            "results": [r.to_dict() for r in self.results],
        }
