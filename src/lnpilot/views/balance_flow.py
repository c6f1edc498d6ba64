"""Per-channel flow estimated from stored balance snapshots (pure; see ``domain.balance_flow``).

Used by the view builder when the backend has no per-channel forwards (LNbits). Our own rebalances
(from the transaction log) are taken out of the interval they settled in; an interval over which
the channel's capacity changed (a splice) cannot be read as flow and is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from lnpilot.domain.balance_flow import BalanceFlow, BalanceStep, FlowEstimate
from lnpilot.domain.channel_view import ChannelSnapshot

if TYPE_CHECKING:
    from lnpilot.store.records import TransactionRecord


@dataclass(frozen=True, slots=True)
class OwnMove:
    """A change of one channel's local balance that we caused (a rebalance, a payment)."""

    chan_id: int
    at: int  # unix seconds
    local_delta_sat: int  # signed: negative when it left our side of the channel


def balance_flow(snapshots: Sequence[ChannelSnapshot], own_moves: Iterable[OwnMove] = ()) -> BalanceFlow:
    """The balance steps between consecutive snapshots of ONE channel (any order given)."""
    ordered = sorted(snapshots, key=lambda s: s.taken_at)
    moves = sorted(own_moves, key=lambda m: m.at)
    steps = []
    for before, after in pairwise(ordered):
        if after.taken_at == before.taken_at:
            continue
        own = sum(m.local_delta_sat for m in moves if before.taken_at < m.at <= after.taken_at)
        unusable = ""
        if after.capacity_sat != before.capacity_sat:
            unusable = f"capacity changed from {before.capacity_sat} to {after.capacity_sat} sat"
        steps.append(
            BalanceStep(
                before.taken_at,
                after.taken_at,
                after.local_balance_sat - before.local_balance_sat,
                own,
                unusable,
            )
        )
    return BalanceFlow(tuple(steps), tuple(dict.fromkeys(s.taken_at for s in ordered)))


def estimate_flow(
    snapshots: Sequence[ChannelSnapshot], since: int, until: int, own_moves: Iterable[OwnMove] = ()
) -> FlowEstimate:
    """Net flow over ``[since, until]`` from the snapshots inside it; unknown (None) below two."""
    return balance_flow(snapshots, own_moves).window(since, until)


def own_moves_from_transactions(records: Iterable[TransactionRecord]) -> dict[int, list[OwnMove]]:
    """Balance changes of our own executed rebalances, per channel, from transaction records.

    A rebalance item (``requested_policy.kind == "rebalance"``, result ``applied``) moved
    ``moved_sat`` into its channel and ``moved_sat`` plus the fee out of its source channel.
    """
    out: dict[int, list[OwnMove]] = defaultdict(list)
    for record in records:
        for item in record.items:
            result = item.result or {}
            if item.requested_policy.get("kind") != "rebalance" or result.get("status") != "applied":
                continue
            try:
                moved = int(result["moved_sat"])
                fee_sat = -(-int(result.get("fee_msat") or 0) // 1000)  # rounded up: LND's balance is in sat
                source = int(item.requested_policy["source_chan_id"])
            except (KeyError, TypeError, ValueError):
                continue  # an item we cannot read: its move stays in the estimate (and the caveat says so)
            out[item.chan_id].append(OwnMove(item.chan_id, record.updated_at, moved))
            out[source].append(OwnMove(source, record.updated_at, -(moved + fee_sat)))
    return out
