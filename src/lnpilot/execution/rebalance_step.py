"""The executor's rebalance step: log in flight, pay, record cost against the channel's earnings."""

from __future__ import annotations

from typing import Any

from lnpilot.backends.base import BackendError, CapabilityMissing
from lnpilot.execution.actions import ActionKind, RebalanceOrder
from lnpilot.execution.crash import crash_point
from lnpilot.execution.rebalance import (
    RebalanceResult,
    channel_earnings_msat,
    require_rebalance_capability,
    run_rebalance,
)
from lnpilot.execution.results import ChannelResult, ItemStatus
from lnpilot.execution.steps import StepHost


def requested_json(order: RebalanceOrder) -> dict[str, Any]:
    return {
        "kind": "rebalance",
        "source_chan_id": str(order.source_chan_id),
        "amount_sat": order.amount_sat,
        "max_fee_msat": order.max_fee_msat,
    }


async def execute_rebalance(ex: StepHost, tx_id: int, order: RebalanceOrder) -> ChannelResult:
    kind, cp = ActionKind.REBALANCE, order.channel_point

    async def refuse(status: ItemStatus, detail: str) -> ChannelResult:
        result = {"status": status.value, "kind": kind.value, "detail": detail}
        item = await ex.txlog.add_item(
            tx_id, order.chan_id, cp, requested_json(order), None, result, ex.now()
        )
        return ChannelResult(order.chan_id, cp, kind, status, detail, item_id=item)

    try:
        require_rebalance_capability(ex.backend)
    except CapabilityMissing as exc:
        return await refuse(ItemStatus.REFUSED, str(exc))
    try:
        peer = order.target_peer_pubkey or await _peer_of(ex, order.target_chan_id)
    except BackendError as exc:
        return await refuse(ItemStatus.FAILED, f"could not read the channel list: {exc}")
    if not peer:
        return await refuse(ItemStatus.FAILED, f"target channel {order.target_chan_id} is not one of ours")
    item = await ex.txlog.add_item(
        tx_id,
        order.chan_id,
        cp,
        requested_json(order),
        None,
        {"status": ItemStatus.IN_FLIGHT.value, "kind": kind.value},
        ex.now(),
    )
    crash_point("logged")
    paid = await run_rebalance(ex.backend, order, peer)
    earnings = await _earnings(ex, order.target_chan_id)
    outcome = RebalanceResult(paid.order, paid.moved_sat, paid.fee_msat, paid.attempts, paid.error, earnings)
    status = ItemStatus.APPLIED if outcome.succeeded else ItemStatus.FAILED
    detail = (
        f"moved {outcome.moved_sat} sat for {outcome.fee_msat} msat" if outcome.succeeded else outcome.error
    )
    await ex.txlog.set_item_result(
        item,
        {
            "status": status.value,
            "kind": kind.value,
            "detail": detail,
            "moved_sat": outcome.moved_sat,
            "fee_msat": outcome.fee_msat,
            "payment_hash": outcome.payment_hash,
            "channel_earnings_msat": earnings,
            "cost_to_earnings": outcome.cost_to_earnings,
            "attempts": [
                {
                    "amount_sat": a.amount_sat,
                    "fee_limit_msat": a.fee_limit_msat,
                    "status": a.status,
                    "fee_msat": a.fee_msat,
                    "failure_reason": a.failure_reason,
                    "payment_hash": a.payment_hash,
                }
                for a in outcome.attempts
            ],
        },
        ex.now(),
    )
    if outcome.succeeded:
        await ex.txlog.record_rebalance(order.target_chan_id, tx_id, ex.now(), outcome.fee_msat)
    crash_point("marked")
    return ChannelResult(order.chan_id, cp, kind, status, detail, item_id=item, rebalance=outcome)


async def _peer_of(ex: StepHost, chan_id: int) -> str:
    for channel in await ex.retry(ex.backend.list_channels):
        if channel.chan_id == chan_id:
            return channel.remote_pubkey
    return ""


async def _earnings(ex: StepHost, chan_id: int) -> int | None:
    """What the channel earned as the outgoing side over the look-back; None when unreadable."""
    now = ex.now()
    since = now - ex.earnings_lookback_s
    try:
        events = await ex.retry(lambda: ex.backend.forwarding_history(since, now + 1))
    except BackendError:
        return None
    return channel_earnings_msat(events, chan_id, since)
