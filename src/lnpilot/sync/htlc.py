"""HTLC events into the store: failures, and the windows the subscription was connected.

``StoreHtlcSink`` is what ``HtlcSubscriber`` writes to; ``channel_failures`` reads back, per
channel and window, how many forwards failed on our side and what the liquidity failures would
have earned -- or None when no subscription covered the window at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.htlc import FAILURE_KINDS, LIQUIDITY, ChannelFailures, HtlcEvent, covered_seconds
from lnpilot.logs import get_logger
from lnpilot.store import Store

log = get_logger(__name__)
_NS = 1_000_000_000


class StoreHtlcSink:
    """Writes what a subscription sees; one window row per connection."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock
        self._window: int | None = None
        self.stored = 0

    async def opened(self, at_s: int) -> None:
        async with self.store.unit_of_work() as uow:
            self._window = await uow.htlc.open_window(at_s)

    async def events(self, events: list[HtlcEvent]) -> None:
        async with self.store.unit_of_work() as uow:
            added = await uow.htlc.add_failures(events)
            if self._window is not None:
                # The window's end moves with every event: a process killed mid-stream leaves a
                # window ending at the last event it stored, and the time after is a gap.
                await uow.htlc.extend_window(self._window, int(self._clock()))
        self.stored += added
        if added:
            # Counts only: ids and amounts tie an HTLC to a payment and stay out of INFO logs.
            log.debug("htlc_failures_stored", added=added)

    async def closed(self, at_s: int, reason: str) -> None:
        if self._window is None:
            return
        async with self.store.unit_of_work() as uow:
            await uow.htlc.close_window(self._window, at_s, reason)
        self._window = None


async def channel_failures(
    store: Store,
    since_s: int,
    until_s: int,
    policies: Mapping[int, RoutingPolicy] | None = None,
) -> dict[int, ChannelFailures] | None:
    """Per outgoing channel: failures on our side in [since_s, until_s); None when nothing covered it.

    ``missed_fees_msat`` prices each liquidity failure at our policy given for the channel (the
    amount that wanted to leave x our fee); without a policy the channel's missed fees are 0 and the
    count still stands.
    """
    policies = policies or {}
    async with store.unit_of_work() as uow:
        windows = await uow.htlc.windows(since_s, until_s)
        if not windows:
            return None
        failures = await uow.htlc.failures(since_s * _NS, until_s * _NS)
    covered = covered_seconds(windows, since_s, until_s)
    kinds: dict[int, dict[str, int]] = {}
    missed: dict[int, int] = {}
    for e in failures:
        kind = e.failure_kind
        if kind is None or not e.outgoing_chan_id:
            continue
        row = kinds.setdefault(e.outgoing_chan_id, dict.fromkeys(FAILURE_KINDS, 0))
        row[kind] += 1
        if kind == LIQUIDITY:
            policy = policies.get(e.outgoing_chan_id)
            if policy is not None and e.outgoing_amt_msat:
                missed[e.outgoing_chan_id] = missed.get(e.outgoing_chan_id, 0) + policy.fee_msat(
                    e.outgoing_amt_msat
                )
    window_s = until_s - since_s
    result = {
        chan: ChannelFailures(
            chan,
            row[LIQUIDITY],
            sum(row.values()) - row[LIQUIDITY],
            missed.get(chan, 0),
            covered,
            window_s,
            row,
        )
        for chan, row in kinds.items()
    }
    for chan in policies:
        result.setdefault(
            chan, ChannelFailures(chan, 0, 0, 0, covered, window_s, dict.fromkeys(FAILURE_KINDS, 0))
        )
    return result


async def failures_report(store: Store, since_s: int, until_s: int) -> dict[str, object]:
    """What the API, the CLI and the report show: per channel failures and the fees they cost.

    ``known`` is False (and ``channels`` empty) when no subscription covered any of the window.
    Only the liquidity failures are priced (``missed_fees_msat``) and feed the decisions; the fee,
    time-lock, inactive and other failures are shown per kind (``failed_by_kind``) and in
    ``totals_by_kind``.
    """
    from lnpilot.errors import InvalidInputError

    if until_s <= since_s:
        raise InvalidInputError(f"until ({until_s}) must be after since ({since_s})")
    async with store.unit_of_work() as uow:
        chan_ids = [c.chan_id for c in await uow.channels.all()]
        policies = {c: p for c in chan_ids if (p := await uow.policies.current(c)) is not None}
    result = await channel_failures(store, since_s, until_s, policies)
    window_s = until_s - since_s
    if result is None:
        return {"since": since_s, "until": until_s, "known": False, "covered_s": 0, "gap_s": window_s,
                "totals_by_kind": None, "channels": []}  # fmt: skip
    covered = next(iter(result.values())).covered_s if result else 0
    rows = sorted(result.values(), key=lambda f: (-f.missed_fees_msat, -f.liquidity, f.chan_id))
    totals = {kind: sum(f.by_kind.get(kind, 0) for f in rows) for kind in FAILURE_KINDS}
    return {
        "since": since_s,
        "until": until_s,
        "known": True,
        "covered_s": covered,
        "gap_s": window_s - covered,
        "totals_by_kind": totals,
        "channels": [
            {
                "chan_id": str(f.chan_id),
                "failed_for_liquidity": f.liquidity,
                "failed_other": f.other,
                "failed_by_kind": {kind: f.by_kind.get(kind, 0) for kind in FAILURE_KINDS},
                "missed_fees_msat": f.missed_fees_msat,
            }
            for f in rows
        ],
    }
