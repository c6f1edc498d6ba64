"""The change history the validator's rate limits read: a value, built from the store or in process.

Limits must hold across restarts and between the daemon and the API, so the store keeps every
applied change and rebuilds this value with ``ValidationHistory.from_events``. In one process,
``record`` returns a new value with one more change; nothing here mutates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lnpilot.errors import InvalidInputError

DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class ValidationHistory:
    """Unix-second timestamps of applied policy changes, per channel and for the whole node."""

    channel_changes: Mapping[int, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))
    node_changes: tuple[int, ...] = ()
    # Rebalances: ``(at, target chan_id, cost_msat)``, oldest first (cooldown, count, spend caps).
    rebalances: tuple[tuple[int, int, int], ...] = ()

    @classmethod
    def from_events(
        cls, events: Iterable[tuple[int, int]], rebalances: Iterable[tuple[int, int, int]] = ()
    ) -> ValidationHistory:
        """From ``(chan_id, changed_at)`` pairs, e.g. the store's applied policy changes, and
        ``(chan_id, at, cost_msat)`` rebalances."""
        per_channel: dict[int, list[int]] = {}
        node: list[int] = []
        for chan_id, changed_at in events:
            per_channel.setdefault(chan_id, []).append(changed_at)
            node.append(changed_at)
        return cls(
            MappingProxyType({c: tuple(sorted(ts)) for c, ts in per_channel.items()}),
            tuple(sorted(node)),
            tuple(sorted((at, chan, cost) for chan, at, cost in rebalances)),
        )

    def record(self, chan_id: int, changed_at: int) -> ValidationHistory:
        """A new history with one more change on ``chan_id``."""
        channels = dict(self.channel_changes)
        channels[chan_id] = tuple(sorted((*channels.get(chan_id, ()), changed_at)))
        return ValidationHistory(
            MappingProxyType(channels), tuple(sorted((*self.node_changes, changed_at))), self.rebalances
        )

    def record_rebalance(self, chan_id: int, at: int, cost_msat: int) -> ValidationHistory:
        """A new history with one more rebalance into ``chan_id`` costing (at most) ``cost_msat``."""
        return ValidationHistory(
            self.channel_changes,
            self.node_changes,
            tuple(sorted((*self.rebalances, (at, chan_id, cost_msat)))),
        )

    def last_rebalance(self, chan_id: int) -> int | None:
        return max((at for at, chan, _ in self.rebalances if chan == chan_id), default=None)

    def rebalance_count_since(self, since: int) -> int:
        return sum(1 for at, _, _ in self.rebalances if at >= since)

    def rebalance_spend_msat_since(self, since: int) -> int:
        return sum(cost for at, _, cost in self.rebalances if at >= since)

    def pruned(self, now: int, keep_s: int = DAY_S) -> ValidationHistory:
        """Drop changes older than ``keep_s`` (the longest window a limit looks at)."""
        since = now - keep_s
        channels = {c: tuple(t for t in ts if t >= since) for c, ts in self.channel_changes.items()}
        return ValidationHistory(
            MappingProxyType({c: ts for c, ts in channels.items() if ts}),
            tuple(t for t in self.node_changes if t >= since),
            tuple(r for r in self.rebalances if r[0] >= since),
        )

    def last_change(self, chan_id: int) -> int | None:
        changes = self.channel_changes.get(chan_id, ())
        return changes[-1] if changes else None

    def channel_count_since(self, chan_id: int, since: int) -> int:
        return sum(1 for t in self.channel_changes.get(chan_id, ()) if t >= since)

    def node_count_since(self, since: int) -> int:
        return sum(1 for t in self.node_changes if t >= since)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; ``from_dict`` restores an equal value (chan_ids as decimal strings)."""
        return {
            "channel_changes": {str(c): list(ts) for c, ts in sorted(self.channel_changes.items())},
            "node_changes": list(self.node_changes),
            "rebalances": [list(r) for r in self.rebalances],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationHistory:
        try:
            channels = {
                int(c): tuple(sorted(int(t) for t in ts)) for c, ts in data["channel_changes"].items()
            }
            node = tuple(sorted(int(t) for t in data["node_changes"]))
            rebalances = tuple(sorted((int(a), int(c), int(m)) for a, c, m in data.get("rebalances", ())))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInputError(f"malformed validation history: {exc}") from None
        return cls(MappingProxyType(channels), node, rebalances)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValidationHistory):
            return NotImplemented
        return (
            dict(self.channel_changes) == dict(other.channel_changes)
            and self.node_changes == other.node_changes
            and self.rebalances == other.rebalances
        )

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.channel_changes.items())), self.node_changes, self.rebalances))
