"""The overview page: node identity and health, mode, P&L over 1/7/30 days, cycles, alerts.

P&L is the accounting package's ledger (``accounting.gather.books``, ``/v1/pnl``): routing revenue
from settled forwards (summed in the database); the costs: rebalance fees, routing fees of payments
we sent (from the payment sync), on-chain fees (from the chain sync). A cost no sync has read yet
is unknown, one the backend cannot give (LNbits) is not measured: never zero, never estimated.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace

from lnpilot.accounting.gather import MAX_TRANSACTIONS, REVENUE_NOT_MEASURED, cost_note, paid_rebalances
from lnpilot.accounting.ledger import Category
from lnpilot.accounting.node_sums import NodeLevelRevenue, node_level_revenue
from lnpilot.accounting.pnl import PnlLine, compute
from lnpilot.accounting.sources import ChannelFacts, chain_events, payment_events
from lnpilot.api.services import ApiServices
from lnpilot.domain.node import NodeInfo
from lnpilot.store.records import (
    Coverage,
    DecisionRecord,
    NodeFeeSums,
    SyncMark,
    TransactionRecord,
    TxStatus,
)

DAY_S = 86_400
NS = 1_000_000_000
WINDOWS_DAYS = (1, 7, 30)
_BACKEND_TIMEOUT_S = 3.0
_NODE_INFO_TTL_S = 30.0


@dataclass(frozen=True, slots=True)
class PnL:
    days: int
    line: PnlLine  # the node's line of the window
    rebalances: int
    # Without per-channel forwards (LNbits): the node's reported fee sum when one covers the window
    node_level: NodeLevelRevenue | None = None

    @property
    def node_level_net_msat(self) -> int | None:
        """Node-level revenue less the measured costs (the unmeasured count as none: marked so)."""
        if self.node_level is None:
            return None
        costs = self.line.rebalance_cost_msat + self.line.onchain_cost_msat + self.line.payment_fee_msat
        return self.node_level.revenue_msat - costs


@dataclass(frozen=True, slots=True)
class PnlWindows:
    rows: list[PnL]
    chain: Coverage  # on-chain fees: measured, unknown (no chain sync yet) or not measured
    payments: Coverage  # payment fees (and invoices, payments): the same three states

    def note(self, source: str) -> str | None:
        """Why ``source``'s ("chain", "payments") costs have no figure; None when measured."""
        return cost_note(source, self.chain if source == "chain" else self.payments)


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
    pnl: PnlWindows
    channels_open: int
    last_decision: DecisionRecord | None
    last_cycle_at: int | None
    next_cycle_at: int | None
    cycle_seconds: float
    sync_marks: list[SyncMark]
    alerts: list[Alert] = field(default_factory=list)
    graph_snapshot_at: int | None = None
    # Set when the backend gives no per-channel forwards (LNbits): revenue, forwards and net are not
    # measured (shown so, never 0); the node-wide fee sums of its last fee report stand beside them.
    revenue_note: str | None = None
    node_fee_sums: NodeFeeSums | None = None


async def pnl_windows(svc: ApiServices, now: int) -> PnlWindows:
    """The node's P&L over each window, and whether its on-chain and payment costs are measured.

    The same ledger as ``accounting.gather.books`` (and ``/v1/pnl``), read so that its cost does
    not grow with the number of forwards: forward fees are summed in the database
    (``forwards.totals_out``), the few other events (executed rebalances, on-chain fees) go through
    the accounting package's own sources and ``compute``.
    """
    since = now - max(WINDOWS_DAYS) * DAY_S
    async with svc.store.unit_of_work() as uow:
        end_ns = (now + 1) * NS
        totals = {d: await uow.forwards.totals_out((now - d * DAY_S) * NS, end_ns) for d in WINDOWS_DAYS}
        channels = await uow.channels.all(include_closed=True)
        records = await uow.transactions.search(since=since, limit=MAX_TRANSACTIONS)
        chain_txs = await uow.chain.all(until=now + 1)
        chain = await uow.sync_state.coverage("chain")
        payments_coverage = await uow.sync_state.coverage("payments")
        payments_mark = await uow.sync_state.get("payments")
        payments = await uow.payments.payments() if payments_mark else []
        invoices = await uow.payments.invoices() if payments_mark else []
        fee_sums = None if await uow.sync_state.forwards_measured() else await uow.sync_state.node_fee_sums()
    peer_of = {c.chan_id: c.remote_pubkey for c in channels}
    facts = [
        ChannelFacts(c.chan_id, c.channel_point, c.remote_pubkey, c.capacity_sat, c.closing_tx_hash or "")
        for c in channels
    ]
    others = [  # as books() composes them, forwards aside
        *payment_events(
            payments,
            invoices,
            paid_rebalances(records),
            peer_of,
            payments_synced_at=payments_mark.synced_at if payments_mark else None,
        ),
        *chain_events(chain_txs, facts),
    ]
    rows = []
    for days in WINDOWS_DAYS:
        start = now - days * DAY_S
        events = [e for e in others if e.at_s >= start]
        line = compute(events, since=start, until=now + 1, capacity_sat={}, peer_of={}).node
        forwards = sum(n for n, _ in totals[days].values())
        revenue = sum(fees for _, fees in totals[days].values())
        line = replace(line, revenue_msat=line.revenue_msat + revenue, forwards=line.forwards + forwards)
        paid = sum(1 for e in events if e.category is Category.REBALANCE_FEE)
        rows.append(PnL(days, line, paid, node_level_revenue(fee_sums, start, now + 1)))
    return PnlWindows(rows, chain, payments_coverage)


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
    node = await nodes.get(svc)
    pnl = await pnl_windows(svc, now)
    async with svc.store.unit_of_work() as uow:
        marks = await uow.sync_state.all()
        txs = await uow.transactions.search(since=now - DAY_S, limit=1_000)
        txs += await uow.transactions.search(status=TxStatus.IN_FLIGHT, limit=100)
        open_channels = await uow.channels.all()
        latest = await uow.decisions.search(limit=1)
        snapshot = await uow.graph.latest_snapshot()
        cycle_s = svc.settings.daemon.cycle_seconds
        recent = await uow.channels.open_with_snapshots(int(now - max(3 * cycle_s, 3_600)))
        inactive = sum(1 for local, _ in recent.found if not local.active)
        measured = await uow.sync_state.forwards_measured()
        fee_sums = None if measured else await uow.sync_state.node_fee_sums()
    last_cycle = _last_cycle(marks)
    view = Overview(
        now=now,
        node=node,
        mode=svc.settings.execution.mode,
        profile=svc.settings.profile,
        pnl=pnl,
        channels_open=len(open_channels),
        last_decision=latest[0] if latest else None,
        last_cycle_at=last_cycle,
        next_cycle_at=None if last_cycle is None else int(last_cycle + cycle_s),
        cycle_seconds=cycle_s,
        sync_marks=marks,
        graph_snapshot_at=None if snapshot is None else snapshot.taken_at,
        revenue_note=None if measured else REVENUE_NOT_MEASURED,
        node_fee_sums=fee_sums,
    )
    view.alerts = _alerts(view, txs, inactive)
    return view


def _last_cycle(marks: list[SyncMark]) -> int | None:
    """The last sync of our channels: every daemon cycle starts with it."""
    for mark in marks:
        if mark.kind == "channels":
            return mark.synced_at
    return None
