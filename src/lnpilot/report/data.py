"""Everything a report shows, gathered from the store for a time window. No rendering here."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from lnpilot.accounting.node_sums import NodeLevelRevenue
from lnpilot.store import Store
from lnpilot.store.records import DecisionRecord, NodeFeeSums, TransactionRecord

_NS = 1_000_000_000
ROLLBACK_NOTE = "rollback of tx"  # lnpilot.execution.rollback.ROLLBACK_NOTE


@dataclass(frozen=True, slots=True)
class ChannelRouting:
    chan_id: int
    forwards_out: int = 0
    forwards_in: int = 0
    fees_msat: int = 0  # earned on forwards leaving through this channel (where the fee is charged)
    amount_out_msat: int = 0


@dataclass(frozen=True, slots=True)
class Execution:
    tx_id: int
    created_at: int
    mode: str
    status: str
    chan_id: int
    kind: str
    item_status: str
    detail: str
    rollback_of: bool  # this transaction restored an earlier one
    rebalance_fee_msat: int | None = None
    moved_sat: int | None = None


@dataclass
class ReportData:
    since: int
    until: int
    decisions: list[DecisionRecord]
    decisions_by_type: dict[str, int]
    would_execute: int
    executions: list[Execution]
    rollbacks: int
    auto_rollback_verdicts: dict[str, int]
    routing: list[ChannelRouting]
    daily_fees_msat: dict[str, int]  # UTC day -> fees
    fee_history: dict[int, list[tuple[int, int]]]  # chan_id -> (unix s, fee_rate_ppm)
    balance_history: dict[int, list[tuple[int, float]]]  # chan_id -> (unix s, local share 0..1)
    agreement: list[tuple[str, int, int]]  # decision type, reviews, agreeing
    channel_points: dict[int, str] = field(default_factory=dict)
    # The window's P&L from lnpilot.accounting; on-chain costs None until a chain sync has run.
    net_msat: int | None = None
    onchain_cost_msat: int | None = None
    payment_fee_msat: int | None = None  # None until a payment sync has run
    # Failed forwards per channel from the HTLC event stream (sync.htlc.failures_report).
    failures: dict[str, Any] = field(default_factory=dict)
    # False on a backend without per-channel forwards (LNbits): forwards and routing fees are
    # unknown (shown as not measured, never 0); ``node_fee_sums`` are the node-wide sums it reported.
    forwards_measured: bool = True
    node_fee_sums: NodeFeeSums | None = None
    # The node's reported fee sum when one covers the window (accounting.node_sums), and that less
    # the measured costs; ``net_excludes`` names the costs it cannot count. Never a channel's figure.
    node_level: NodeLevelRevenue | None = None
    node_level_net_msat: int | None = None
    net_excludes: list[str] = field(default_factory=list)

    @property
    def forwards(self) -> int | None:
        return sum(r.forwards_out for r in self.routing) if self.forwards_measured else None

    @property
    def fees_msat(self) -> int | None:
        return sum(r.fees_msat for r in self.routing) if self.forwards_measured else None

    @property
    def revenue_note(self) -> str | None:
        from lnpilot.accounting.gather import REVENUE_NOT_MEASURED

        return None if self.forwards_measured else REVENUE_NOT_MEASURED

    @property
    def net_unknown_why(self) -> str:
        return "routing revenue not measured" if not self.forwards_measured else "on-chain costs unknown"

    @property
    def rebalance_cost_msat(self) -> int:
        return sum(e.rebalance_fee_msat or 0 for e in self.executions)

    @property
    def agreement_rate(self) -> float | None:
        """Share of expert reviews agreeing with the decision; None when nobody reviewed any."""
        reviews = sum(n for _, n, _ in self.agreement)
        return None if reviews == 0 else sum(a for _, _, a in self.agreement) / reviews

    def summary(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "forwards": self.forwards,
            "fees_msat": self.fees_msat,
            "revenue_note": self.revenue_note,
            "node_fee_sums": None if self.node_fee_sums is None else self.node_fee_sums.as_dict(),
            "node_level_revenue": None
            if self.node_level is None
            else {
                **self.node_level.as_dict(),
                "net_msat": self.node_level_net_msat,
                "net_excludes": self.net_excludes,
            },
            "decisions": dict(self.decisions_by_type),
            "would_execute": self.would_execute,
            "executed": dict(Counter(e.item_status for e in self.executions if not e.rollback_of)),
            "rollbacks": self.rollbacks,
            "rebalance_cost_msat": self.rebalance_cost_msat,
            "agreement_rate": self.agreement_rate,
        }


def _day(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def _executions(records: list[TransactionRecord]) -> tuple[list[Execution], int, dict[str, int]]:
    rows: list[Execution] = []
    rolled_back = 0
    verdicts: Counter[str] = Counter()
    for r in records:
        assert r.id is not None
        undo = r.note.startswith(ROLLBACK_NOTE)
        for item in r.items:
            result = item.result or {}
            verdict = result.get("auto_rollback")
            if isinstance(verdict, dict):
                verdicts[str(verdict.get("verdict"))] += 1
            kind = str(result.get("kind", "policy"))
            fee = result.get("fee_msat") if kind == "rebalance" else None
            moved = result.get("moved_sat") if kind == "rebalance" else None
            if undo and result.get("changed"):
                rolled_back += 1
            rows.append(
                Execution(
                    tx_id=r.id,
                    created_at=r.created_at,
                    mode=r.mode,
                    status=r.status.value,
                    chan_id=item.chan_id,
                    kind=kind,
                    item_status=str(result.get("status", "?")),
                    detail=str(result.get("detail", "")),
                    rollback_of=undo,
                    rebalance_fee_msat=None if fee is None else int(fee),
                    moved_sat=None if moved is None else int(moved),
                )
            )
    return rows, rolled_back, dict(verdicts)


async def gather(store: Store, since: int, until: int, *, max_transactions: int = 10_000) -> ReportData:
    """The report of ``[since, until)`` from the store alone."""
    from lnpilot.store.repos.transaction_log import SqlTransactionLog

    async with store.unit_of_work() as uow:
        all_decisions = await uow.decisions.search(since=since, until=until, limit=1_000_000)
        forwards = await uow.forwards.between(since * _NS, until * _NS)
        channels = await uow.channels.all(include_closed=True)
        fee_history: dict[int, list[tuple[int, int]]] = {}
        balance_history: dict[int, list[tuple[int, float]]] = {}
        for chan in channels:
            changes = await uow.policies.history(chan.chan_id)
            # The fee in force when the window opens, then every change inside it.
            earlier = [c for c in changes if c.changed_at <= since]
            points = [(since, earlier[-1].new.fee_rate_ppm)] if earlier else []
            points += [(c.changed_at, c.new.fee_rate_ppm) for c in changes if since < c.changed_at < until]
            fee_history[chan.chan_id] = points
            snaps = await uow.channels.snapshots(chan.chan_id, since=since)
            balance_history[chan.chan_id] = [
                (s.taken_at, s.local_balance_sat / s.capacity_sat if s.capacity_sat else 0.0)
                for s in snaps
                if s.taken_at < until
            ]
        agreement = await uow.decisions.agreement()
    txs = [
        r
        for r in await SqlTransactionLog(store).recent(limit=max_transactions)
        if since <= r.created_at < until
    ]
    txs.sort(key=lambda r: (r.created_at, r.id or 0))
    # The daemon's shadow log (one row per decision); the executor's own shadow rows are per action.
    decisions = sorted(
        (d for d in all_decisions if d.params.get("source") == "daemon"),
        key=lambda d: (d.created_at, d.id or 0),
    )
    routing: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    daily: Counter[str] = Counter()
    for f in forwards:
        out = routing[f.chan_id_out]
        out["forwards_out"] += 1
        out["fees_msat"] += f.fee_msat
        out["amount_out_msat"] += f.amt_out_msat
        routing[f.chan_id_in]["forwards_in"] += 1
        daily[_day(f.timestamp_ns // _NS)] += f.fee_msat
    executions, rollbacks, verdicts = _executions(txs)
    from lnpilot.accounting.gather import books

    ledger_books = await books(store, since, until)
    from lnpilot.sync.htlc import failures_report

    failures = await failures_report(store, since, until)
    level = ledger_books.node_level
    return ReportData(
        since=since,
        until=until,
        decisions=decisions,
        decisions_by_type=dict(Counter(d.type for d in decisions)),
        would_execute=sum(1 for d in decisions if d.would_execute),
        executions=executions,
        rollbacks=rollbacks,
        auto_rollback_verdicts=verdicts,
        routing=sorted(
            (ChannelRouting(chan_id=c, **v) for c, v in routing.items()), key=lambda r: -r.fees_msat
        ),
        daily_fees_msat=dict(sorted(daily.items())),
        fee_history={k: v for k, v in fee_history.items() if v},
        balance_history={k: v for k, v in balance_history.items() if v},
        agreement=agreement,
        channel_points={c.chan_id: c.channel_point for c in channels},
        net_msat=(
            ledger_books.pnl.node.net_msat
            if ledger_books.chain_synced and ledger_books.forwards_measured
            else None
        ),
        onchain_cost_msat=ledger_books.pnl.node.onchain_cost_msat if ledger_books.chain_synced else None,
        payment_fee_msat=ledger_books.pnl.node.payment_fee_msat if ledger_books.payments_synced else None,
        failures=failures,
        forwards_measured=ledger_books.forwards_measured,
        node_fee_sums=ledger_books.node_fee_sums,
        node_level=level,
        node_level_net_msat=None if level is None else ledger_books.node_level_net_msat(level),
        net_excludes=ledger_books.uncounted_costs,
    )
