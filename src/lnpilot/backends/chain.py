"""What a backend offers on chain: wallet transactions (for the P&L) and channel closes.

A separate protocol from ``NodeBackend`` because only LND (and simnet through LND REST) can do
it; callers check ``isinstance(backend, ChainBackend)`` and the capability before asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from lnpilot.domain.node import ChainTransaction


@dataclass(frozen=True, slots=True)
class CloseStarted:
    """The node accepted the close and broadcast (or will broadcast) ``closing_txid``."""

    channel_point: str
    closing_txid: str
    fee_per_vbyte: int | None  # as reported by the node; None when it did not say


@dataclass(frozen=True, slots=True)
class PendingClose:
    channel_point: str
    closing_txid: str
    kind: str  # "waiting_close" | "pending_closing" | "pending_force_closing"


@runtime_checkable
class ChainBackend(Protocol):
    async def chain_transactions(self) -> list[ChainTransaction]: ...

    async def pending_closes(self) -> list[PendingClose]: ...

    async def close_channel(
        self, channel_point: str, *, sat_per_vbyte: int | None, force: bool
    ) -> CloseStarted: ...
