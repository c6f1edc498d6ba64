"""Closing a channel for real: allow-listed, live mode only, logged before it is sent, verified.

A close cannot be undone, so the gates come first and all of them must pass:
live mode, the channel on ``[economics] close_allow_list``, the caller's explicit confirmation,
and a fee rate (from the fee API or given). A force close also needs ``allow_force_close`` and
a peer seen online in a stored snapshot, but not for ``force_close_after_offline_hours`` (a peer
never seen online is refused: how long it has been offline cannot be known).
The transaction is logged in flight before the node is asked; the answer is verified by reading
the node's pending closes back (then the closed list, on the next sync).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lnpilot.backends.base import BackendError, BackendUnavailable, Capability, NodeBackend
from lnpilot.backends.chain import ChainBackend
from lnpilot.domain.ids import ShortChannelId, parse_channel_point
from lnpilot.errors import InvalidInputError
from lnpilot.settings import EconomicsSettings
from lnpilot.store import Store
from lnpilot.store.node_guard import NodeGuard
from lnpilot.store.records import AuditEntry, TransactionItem, TransactionRecord, TxStatus

CLOSE_NOTE = "close channel"


class CloseRefused(InvalidInputError):
    code = "close-refused"


@dataclass(frozen=True, slots=True)
class CloseRequest:
    channel_point: str
    force: bool
    sat_per_vbyte: int | None  # None only for a force close
    confirmed: bool  # the operator said yes (CLI --yes or prompt, API confirm=true)
    reason: str = "operator"


@dataclass(frozen=True, slots=True)
class CloseOutcome:
    tx_id: int
    chan_id: int
    channel_point: str
    status: str  # "pending_close" | "failed" | "in_flight"
    closing_txid: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "tx_id": self.tx_id,
            "chan_id": str(self.chan_id),
            "channel_point": self.channel_point,
            "status": self.status,
            "closing_txid": self.closing_txid,
            "detail": self.detail,
        }


def allowed(settings: EconomicsSettings, chan_id: int, channel_point: str) -> bool:
    names = {str(chan_id), channel_point, str(ShortChannelId.from_chan_id(chan_id))}
    return any(entry.strip() in names for entry in settings.close_allow_list)


async def _offline_since(store: Store, chan_id: int) -> int | None:
    """When the peer was last seen active (None: never seen active in stored snapshots)."""
    async with store.unit_of_work() as uow:
        snaps = await uow.channels.snapshots(chan_id)
    active = [s.taken_at for s in snaps if s.active]
    return max(active) if active else None


async def close_channel(
    backend: NodeBackend,
    store: Store,
    settings: EconomicsSettings,
    request: CloseRequest,
    *,
    mode: str,
    now: Callable[[], int],
    guard: NodeGuard | None = None,
) -> CloseOutcome:
    """Close one channel (refused unless live, confirmed, allowed and possible), logged before it
    is sent and read back; under ``guard`` (the node's lock) when given, as every caller should."""
    if guard is None:
        return await _close_channel(backend, store, settings, request, mode=mode, now=now)
    async with guard.hold(f"close of {request.channel_point}"):
        return await _close_channel(backend, store, settings, request, mode=mode, now=now)


async def _close_channel(
    backend: NodeBackend,
    store: Store,
    settings: EconomicsSettings,
    request: CloseRequest,
    *,
    mode: str,
    now: Callable[[], int],
) -> CloseOutcome:
    parse_channel_point(request.channel_point)
    if mode != "live":
        raise CloseRefused(f"closing a channel needs live mode (mode is {mode}); nothing was sent")
    if not request.confirmed:
        raise CloseRefused("closing a channel needs an explicit confirmation; nothing was sent")
    if Capability.CLOSE_CHANNEL not in backend.capabilities or not isinstance(backend, ChainBackend):
        raise CloseRefused("this backend cannot close channels; nothing was sent")
    channel = next(
        (c for c in await backend.list_channels() if c.channel_point == request.channel_point), None
    )
    if channel is None:
        raise CloseRefused(f"{request.channel_point} is not an open channel of ours; nothing was sent")
    if not allowed(settings, channel.chan_id, channel.channel_point):
        raise CloseRefused(
            f"channel {channel.chan_id} is not on [economics] close_allow_list; nothing was sent"
        )
    if request.force:
        if not settings.allow_force_close:
            raise CloseRefused("force closes are off ([economics] allow_force_close); nothing was sent")
        if channel.active:
            raise CloseRefused("the peer is online: close cooperatively; nothing was sent")
        seen = await _offline_since(store, channel.chan_id)
        limit_s = settings.force_close_after_offline_hours * 3600
        if seen is None:
            # No stored snapshot shows the peer online: how long it has been offline is unknown.
            raise CloseRefused(
                f"the peer of channel {channel.chan_id} was never seen online in the stored snapshots, "
                "so how long it has been offline is unknown; nothing was sent"
            )
        if now() - seen < limit_s:
            hours = (now() - seen) / 3600
            raise CloseRefused(
                f"the peer has been offline {hours:.1f} h, less than "
                f"{settings.force_close_after_offline_hours:g} h; nothing was sent"
            )
    elif not request.sat_per_vbyte or request.sat_per_vbyte <= 0:
        raise CloseRefused(
            "a cooperative close needs a fee rate (fee API or --sat-per-vbyte); nothing was sent"
        )

    requested = {"kind": "close", "force": request.force, "sat_per_vbyte": request.sat_per_vbyte}
    at = now()
    item = TransactionItem(
        channel.chan_id, channel.channel_point, requested, None, {"kind": "close", "status": "in_flight"}
    )
    record = TransactionRecord(
        at, at, "live", TxStatus.PENDING, (item,), note=f"{CLOSE_NOTE}: {request.reason}"
    )
    async with store.unit_of_work() as uow:
        tx_id = await uow.transactions.create(record)
        await uow.transactions.transition(tx_id, TxStatus.IN_FLIGHT, at)
        await uow.audit.add(
            AuditEntry(
                at, "executor", "close_channel", f"tx:{tx_id}", {"chan_id": str(channel.chan_id), **requested}
            )
        )
        item_id = (await uow.transactions.get(tx_id)).items[0].id
    assert item_id is not None

    async def finish(status: TxStatus, result: dict[str, Any]) -> None:
        async with store.unit_of_work() as uow:
            await uow.transactions.set_item_result(item_id, {"kind": "close", **result})
            if status is not TxStatus.IN_FLIGHT:
                await uow.transactions.transition(tx_id, status, now())

    try:
        started = await backend.close_channel(
            channel.channel_point, sat_per_vbyte=request.sat_per_vbyte, force=request.force
        )
    except BackendUnavailable as exc:
        detail = f"outcome unknown: {exc}"
        await finish(TxStatus.IN_FLIGHT, {"status": "in_flight", "detail": detail})
        return CloseOutcome(tx_id, channel.chan_id, channel.channel_point, "in_flight", "", detail)
    except BackendError as exc:
        await finish(TxStatus.FAILED, {"status": "failed", "detail": str(exc)})
        return CloseOutcome(tx_id, channel.chan_id, channel.channel_point, "failed", "", str(exc))
    pending = {p.channel_point: p for p in await backend.pending_closes()}
    seen_pending = pending.get(channel.channel_point)
    if seen_pending is None:
        detail = "the node accepted the close but does not list it as pending"
        await finish(
            TxStatus.IN_FLIGHT,
            {"status": "in_flight", "detail": detail, "closing_txid": started.closing_txid},
        )
        return CloseOutcome(
            tx_id, channel.chan_id, channel.channel_point, "in_flight", started.closing_txid, detail
        )
    detail = f"pending close ({seen_pending.kind}), closing tx {started.closing_txid}"
    await finish(
        TxStatus.APPLIED,
        {
            "status": "applied",
            "detail": detail,
            "closing_txid": started.closing_txid,
            "verified": seen_pending.kind,
            "irreversible": True,
        },
    )
    return CloseOutcome(
        tx_id, channel.chan_id, channel.channel_point, "pending_close", started.closing_txid, detail
    )
