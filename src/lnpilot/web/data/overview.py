"""The overview page: node identity and health, mode, P&L over 1/7/30 days, cycles, alerts.

P&L is what the store measured: routing revenue is the fees of settled forwards, rebalance cost
the fees paid by executed rebalances (from the transaction log); nothing is estimated.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from lnpilot.api.services import ApiServices
from lnpilot.domain.node import NodeInfo
from lnpilot.store.records import DecisionRecord, SyncMark, TransactionRecord, TxStatus

DAY_S = 86_400
NS = 1_000_000_000
WINDOWS_DAYS = (1, 7, 30)
_BACKEND_TIMEOUT_S = 3.0
_NODE_INFO_TTL_S = 30.0


@dataclass(frozen=True, slots=True)
class PnL:
    days: int
    forwards: int
    revenue_msat: int
    rebalance_cost_msat: int
    rebalances: int

    @property
    def net_msat(self) -> int:
        return self.revenue_msat - self.rebalance_cost_msat


@dataclass(frozen=True, slots=True)
class Alert:
    level: str  # "warn" | "error" | "info"
    text: str
    href: str | None = None


@dataclass
class NodeStatus:
    info: NodeInfo | None
    health: str  # "ok" | "fail" | "not_configured"
    detail: str


@dataclass
class Overview:
    now: int
    node: NodeStatus
    mode: str
    profile: str
    pnl: list[PnL]
    channels_open: int
    last_decision: DecisionRecord | None
    last_cycle_at: int | None
    next_cycle_at: int | None
    cycle_seconds: float
    sync_marks: list[SyncMark]
    alerts: list[Alert] = field(default_factory=list)
    graph_snapshot_at: int | None = None


def rebalance_fee(record: TransactionRecord) -> tuple[int, int]:
    """(fee msat, executed rebalances) of one transaction's rebalance items."""
    fee = count = 0
    for item in record.items:
        result = item.result or {}
        if result.get("kind") == "rebalance" and result.get("fee_msat") is not None:
            fee += int(result["fee_msat"])
            count += 1
    return fee, count


def pnl_windows(now: int, forwards: list[tuple[int, int]], txs: list[TransactionRecord]) -> list[PnL]:
    """P&L per window from (timestamp s, fee msat) forwards and the transactions of the period."""
    rows = []
    for days in WINDOWS_DAYS:
        since = now - days * DAY_S
        fees = [f for ts, f in forwards if ts >= since]
        costs = [rebalance_fee(t) for t in txs if t.created_at >= since]
        rows.append(PnL(days, len(fees), sum(fees), sum(c for c, _ in costs), sum(n for _, n in costs)))
    return rows


class NodeInfoCache:
    """The backend's get_info, kept for a short while so a page render does not wait on the node."""

    def __init__(self) -> None:
        self._status: NodeStatus | None = None
        self._at = 0.0

    async def get(self, svc: ApiServices) -> NodeStatus:
        if self._status is not None and time.monotonic() - self._at < _NODE_INFO_TTL_S:
            return self._status
        if svc.backend_factory is None:
            status = NodeStatus(None, "not_configured", "no node backend is configured")
        else:
            backend = svc.backend_factory()
            try:
                info = await asyncio.wait_for(backend.get_info(), _BACKEND_TIMEOUT_S)
                synced = {True: "synced to chain", False: "NOT synced to chain", None: "sync unknown"}
                status = NodeStatus(info, "ok", synced[info.synced_to_chain])
            except Exception as exc:  # the page reports an unreachable node, it does not fail
                status = NodeStatus(None, "fail", f"node unreachable ({type(exc).__name__})")
            finally:
                await backend.aclose()
        self._status, self._at = status, time.monotonic()
        return status


def _alerts(view: Overview, txs: list[TransactionRecord], inactive: int) -> list[Alert]:
    alerts = []
    if view.node.health == "fail":
        alerts.append(Alert("error", view.node.detail))
    failed = [t for t in txs if t.status is TxStatus.FAILED and t.created_at >= view.now - DAY_S]
    if failed:
        alerts.append(
            Alert("error", f"{len(failed)} failed transaction(s) in the last 24 h", "/ui/transactions")
        )
    stuck = [t for t in txs if t.status in (TxStatus.PENDING, TxStatus.IN_FLIGHT)]
    if stuck:
        alerts.append(Alert("warn", f"{len(stuck)} transaction(s) still in flight", "/ui/transactions"))
    if inactive:
        alerts.append(Alert("warn", f"{inactive} channel(s) inactive at the last snapshot", "/ui/channels"))
    if view.graph_snapshot_at is None:
        alerts.append(Alert("warn", "no public graph snapshot stored yet"))
    if view.last_cycle_at is None:
        alerts.append(Alert("info", "no daemon cycle recorded yet (run lnpilot run)"))
    elif view.now - view.last_cycle_at > 3 * view.cycle_seconds:
        alerts.append(Alert("warn", "the daemon has not completed a cycle for 3 cycle periods"))
    return alerts


async def overview(svc: ApiServices, nodes: NodeInfoCache, now: int) -> Overview:
    since = now - max(WINDOWS_DAYS) * DAY_S
    node = await nodes.get(svc)
    async with svc.store.unit_of_work() as uow:
        forwards = await uow.forwards.between(since * NS, (now + 1) * NS)
        txs = await uow.transactions.search(since=since, limit=10_000)
        open_channels = await uow.channels.all()
        latest = await uow.decisions.search(limit=1)
        marks = await uow.sync_state.all()
        snapshot = await uow.graph.latest_snapshot()
        inactive = 0
        for chan in open_channels:
            snaps = await uow.channels.snapshots(chan.chan_id, since=now - DAY_S)
            inactive += bool(snaps) and not snaps[-1].active
    cycle_s = svc.settings.daemon.cycle_seconds
    last_cycle = _last_cycle(marks)
    view = Overview(
        now=now,
        node=node,
        mode=svc.settings.execution.mode,
        profile=svc.settings.profile,
        pnl=pnl_windows(now, [(f.timestamp_ns // NS, f.fee_msat) for f in forwards], txs),
        channels_open=len(open_channels),
        last_decision=latest[0] if latest else None,
        last_cycle_at=last_cycle,
        next_cycle_at=None if last_cycle is None else int(last_cycle + cycle_s),
        cycle_seconds=cycle_s,
        sync_marks=marks,
        graph_snapshot_at=None if snapshot is None else snapshot.taken_at,
    )
    view.alerts = _alerts(view, txs, inactive)
    return view


def _last_cycle(marks: list[SyncMark]) -> int | None:
    """The last sync of our channels: every daemon cycle starts with it."""
    for mark in marks:
        if mark.kind == "channels":
            return mark.synced_at
    return None
