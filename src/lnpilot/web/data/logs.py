"""The log pages: decisions (with reviews), transactions, rebalances, suggestions, graph nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lnpilot.api.services import ApiServices
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import CompositeScore
from lnpilot.errors import NotFoundError
from lnpilot.store.records import DecisionRecord, ExpertReview, TrackedChannel, TransactionRecord, TxStatus
from lnpilot.suggest.gather import peer_suggestions
from lnpilot.suggest.peers import PeerSuggestion
from lnpilot.web.graphinfo import GraphInfo
from lnpilot.web.refresh import Refreshing

DAY_S = 86_400
DECISION_TYPES = ("no_action", "increase_fees", "decrease_fees", "rebalance", "close_channel")
VERDICTS = ("would_execute", "rejected", "no_change")
_REBALANCE_WORDS = ("rebalance", "refill")


def verdict_of(d: DecisionRecord) -> str:
    if d.would_execute:
        return "would_execute"
    verdict = d.params.get("verdict") or {}
    if d.type != "no_action" and not verdict.get("approved", True):
        return "rejected"
    return "no_change"


def violations(d: DecisionRecord) -> list[str]:
    verdict = d.params.get("verdict") or {}
    return [f"{v.get('code')}: {v.get('message')}" for v in verdict.get("violations", [])]


@dataclass
class DecisionLog:
    decisions: list[DecisionRecord]
    reviews: dict[int, list[ExpertReview]]
    agreement: list[tuple[str, int, int]]
    truncated: bool

    @property
    def agreement_rate(self) -> float | None:
        total = sum(n for _, n, _ in self.agreement)
        return None if not total else sum(a for _, _, a in self.agreement) / total


async def decision_log(
    svc: ApiServices, *, type: str | None, chan_id: int | None, verdict: str | None, limit: int = 50
) -> DecisionLog:
    async with svc.store.unit_of_work() as uow:
        # The verdict is inside the row's JSON: read a wider page and filter here.
        rows = await uow.decisions.search(type=type, chan_id=chan_id, limit=limit * 5 if verdict else limit)
        if verdict:
            rows = [d for d in rows if verdict_of(d) == verdict]
        truncated = len(rows) >= limit
        rows = rows[:limit]
        reviews = await uow.decisions.reviews_for([d.id for d in rows if d.id is not None])
        agreement = await uow.decisions.agreement()
    return DecisionLog(rows, reviews, agreement, truncated)


async def transaction_log(svc: ApiServices, status: str | None, limit: int = 100) -> list[TransactionRecord]:
    async with svc.store.unit_of_work() as uow:
        return await uow.transactions.search(status=TxStatus(status) if status else None, limit=limit)


@dataclass
class RebalanceRow:
    decision: DecisionRecord
    lines: list[str]  # the reasons that speak of rebalancing
    why_not: str  # why it did not run ("" when it did)


@dataclass
class RebalancePage:
    rows: list[RebalanceRow]
    executed: list[tuple[TransactionRecord, dict[str, Any]]]  # (transaction, rebalance item result)
    limits: dict[str, Any] = field(default_factory=dict)


def _why_not(d: DecisionRecord) -> str:
    if d.type == "rebalance":
        found = violations(d)
        if found:
            return "; ".join(found)
        execution = d.params.get("execution") or {}
        if execution.get("status") not in (None, "applied"):
            return f"{execution.get('status')}: {execution.get('detail', '')}"
        return "" if d.would_execute else f"not executed in {d.mode} mode"
    return f"the decision was {d.type}, not a rebalance"


async def rebalance_page(svc: ApiServices, now: int, days: int = 30) -> RebalancePage:
    """Rebalance decisions of the window, and each channel's latest decision that weighed one."""
    since = now - days * DAY_S
    async with svc.store.unit_of_work() as uow:
        decided = await uow.decisions.search(type="rebalance", since=since, limit=200)
        decided += list((await uow.decisions.latest_per_channel()).values())
        txs = await uow.transactions.search(since=since, limit=2_000)
    rows, seen = [], set()
    for d in sorted(decided, key=lambda d: (-d.created_at, -(d.id or 0))):
        lines = [str(r) for r in d.reasons if any(w in str(r).lower() for w in _REBALANCE_WORDS)]
        if d.id not in seen and (d.type == "rebalance" or lines):
            seen.add(d.id)
            rows.append(RebalanceRow(d, lines, _why_not(d)))
    executed = [
        (t, item.result)
        for t in txs
        for item in t.items
        if item.result is not None and item.result.get("kind") == "rebalance"
    ]
    lim = svc.settings.limits
    return RebalancePage(
        rows[:200],
        executed,
        {
            "max cost": f"{lim.rebalance_max_cost_ppm} ppm",
            "min amount": f"{lim.rebalance_min_amount_sat} sat",
            "max share of capacity": f"{lim.rebalance_max_capacity_fraction:.0%}",
            "budget": f"{lim.rebalance_max_budget_share:.0%} of earnings over "
            f"{lim.rebalance_budget_window_days:g} d",
        },
    )


@dataclass
class Suggestions:
    closes: list[DecisionRecord]
    peers: list[PeerSuggestion]
    peers_missing: str = ""  # why there are no peer suggestions, when there are none
    ranked_for: int | None = None  # the graph snapshot the peers were ranked on
    current: bool = True  # False: ranked on an older snapshot; the newer one is being ranked


def our_key(graph: GraphInfo, channels: list[TrackedChannel]) -> str | None:
    """Our node in the public graph: the other end of any of our announced channels."""
    for chan in channels:
        edge = graph.channels.get(chan.chan_id)
        if edge is not None and chan.remote_pubkey in (edge.node1, edge.node2):
            return edge.other(chan.remote_pubkey)
    return None


PeerRanking = tuple[list[PeerSuggestion], str]  # (ranking, why it is empty)


async def rank_peers(svc: ApiServices, us: str, profile: str) -> PeerRanking:
    try:
        return await peer_suggestions(svc.store, us=us, profile=profile, limit=15), ""
    except NotFoundError as exc:
        return [], str(exc)


async def suggestions(
    svc: ApiServices, graph: GraphInfo, now: int, profile: str, ranking: Refreshing[PeerRanking]
) -> Suggestions:
    """Closes the engine proposed, and peers to open to (``suggest.gather``, as /v1/suggestions/peers).

    The peer ranking reads and ranks the whole graph: it is derived once per (snapshot, our peers,
    profile) and re-derived in the background when one of them changes (``refresh.Refreshing``).
    """
    async with svc.store.unit_of_work() as uow:
        closes = await uow.decisions.search(type="close_channel", since=now - 7 * DAY_S, limit=200)
        channels = await uow.channels.all()
    latest: dict[int | None, DecisionRecord] = {}
    for d in closes:
        latest.setdefault(d.chan_id, d)
    us = our_key(graph, channels)
    if us is None:
        return Suggestions(list(latest.values()), [], "our node is not in the stored public graph yet")
    key = (graph.snapshot_id, us, profile, frozenset(c.remote_pubkey for c in channels))
    got = await ranking.get(key, lambda: rank_peers(svc, us, profile))
    peers, missing = got.value
    ranked_key = ranking.key
    ranked_for = ranked_key[0] if isinstance(ranked_key, tuple) else None
    return Suggestions(
        list(latest.values()),
        peers,
        missing or ("" if peers else "no node qualifies"),
        ranked_for,
        got.current,
    )


@dataclass
class NodePage:
    pub_key: str
    alias: str
    score: CompositeScore | None
    rank: int | None
    ranked: int
    metrics: NodeMetrics | None
    our_peer: bool


async def node_page(svc: ApiServices, graph: GraphInfo, pub_key: str, profile: str) -> NodePage:
    async with svc.store.unit_of_work() as uow:
        score = await uow.scores.latest(pub_key, "node", profile)
        rank = None if score is None else await uow.scores.rank_of(score)
        ranked = await uow.scores.count_latest("node")
        metrics = await uow.graph.latest_metrics(pub_key)
        peer = any(c.remote_pubkey == pub_key for c in await uow.channels.all())
    return NodePage(pub_key, graph.alias(pub_key), score, rank, ranked, metrics, peer)
