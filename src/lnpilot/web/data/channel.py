"""One channel's page: its history (fees, balance, revenue), decisions with every reason, policy
changes, transactions and rebalances. Everything is read from the store over one window."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lnpilot.api.services import ApiServices
from lnpilot.domain.channel_view import ChannelSnapshot, PolicyChange
from lnpilot.domain.htlc import HtlcEvent
from lnpilot.store.records import DecisionRecord, ExpertReview, TrackedChannel, TransactionRecord
from lnpilot.web.data.channels import Overrides, merged_overrides, peer_policy, scid
from lnpilot.web.graphinfo import GraphInfo

DAY_S = 86_400
NS = 1_000_000_000
WINDOW_DAYS = 30
CHART_POINTS = 360  # a chart is 640 units wide: more points than this draw nothing more


@dataclass
class ChannelPage:
    channel: TrackedChannel
    scid: str
    alias: str
    since: int  # start of the window the charts show: 30 days, or since the channel was first seen
    now: int
    snapshot: ChannelSnapshot | None  # the newest of the window
    balance_points: list[tuple[int, float]]  # (newest time in the bucket, mean local balance)
    balance_bucket_s: int
    changes: list[PolicyChange]
    fee_points: list[tuple[int, float]]
    inbound_points: list[tuple[int, float]]
    daily_revenue_msat: list[tuple[str, float]]
    forwards_out: int
    forwards_in: int
    revenue_msat: int
    decisions: list[DecisionRecord]
    reviews: dict[int, list[ExpertReview]]
    transactions: list[TransactionRecord]
    overrides: Overrides
    peer_fee_ppm: int | None
    score: float | None
    failures: list[HtlcEvent] = field(default_factory=list)  # newest first
    failures_covered_s: int = 0  # seconds of the window the HTLC event subscription was connected


def chart_bucket_s(since: int, now: int, points: int = CHART_POINTS) -> int:
    """The time a chart point stands for: the window in at most ``points`` buckets, whole minutes."""
    return max(60, -(-(now - since) // points // 60) * 60)


def day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def _days(since: int, now: int) -> list[str]:
    first = since - since % DAY_S
    return [day(t) for t in range(first, now + 1, DAY_S)]


async def channel_page(
    svc: ApiServices, graph: GraphInfo, chan: TrackedChannel, now: int, profile: str
) -> ChannelPage:
    since = max(now - WINDOW_DAYS * DAY_S, min(chan.first_seen_at, now - DAY_S))
    cid = chan.chan_id
    async with svc.store.unit_of_work() as uow:
        newest = await uow.channels.newest_snapshots(since, chan_id=cid)
        bucket_s = chart_bucket_s(since, now)
        balances = await uow.channels.balance_series(cid, since, bucket_s)
        history = await uow.policies.history(cid)
        forwards = await uow.forwards.between(since * NS, (now + 1) * NS, chan_id=cid)
        decisions = await uow.decisions.search(chan_id=cid, limit=25)
        reviews = await uow.decisions.reviews_for([d.id for d in decisions if d.id is not None])
        txs = await uow.transactions.touching(cid, since=since, limit=200)
        stored = await uow.overrides.channel(cid)
        score = await uow.scores.latest(str(cid), "channel", profile)
        windows = await uow.htlc.windows(since, now + 1)
        failed = await uow.htlc.failures(since * NS, (now + 1) * NS) if windows else []
    before = [c for c in history if c.changed_at <= since]
    inside = [c for c in history if since < c.changed_at <= now]
    start = [(since, before[-1].new)] if before else []
    steps = start + [(c.changed_at, c.new) for c in inside]
    revenue: Counter[str] = Counter()
    out = inbound = 0
    for f in forwards:
        if f.chan_id_out == cid:
            out += 1
            revenue[day(f.timestamp_ns // NS)] += f.fee_msat
        if f.chan_id_in == cid:
            inbound += 1
    peer = peer_policy(graph, chan)
    return ChannelPage(
        channel=chan,
        scid=scid(cid),
        alias=graph.alias(chan.remote_pubkey),
        since=since,
        now=now,
        snapshot=newest.get(cid),
        balance_points=balances,
        balance_bucket_s=bucket_s,
        changes=list(reversed(inside)),
        fee_points=[(t, float(p.fee_rate_ppm)) for t, p in steps],
        inbound_points=[(t, float(p.inbound_fee_rate_ppm)) for t, p in steps],
        daily_revenue_msat=[(d, float(revenue.get(d, 0))) for d in _days(since, now)],
        forwards_out=out,
        forwards_in=inbound,
        revenue_msat=sum(revenue.values()),
        decisions=decisions,
        reviews=reviews,
        transactions=txs,
        overrides=merged_overrides(svc, cid, stored),
        peer_fee_ppm=None if peer is None else peer.fee_rate_ppm,
        score=None if score is None else score.composite,
        failures=[e for e in reversed(failed) if cid in (e.incoming_chan_id, e.outgoing_chan_id)][:50],
        failures_covered_s=sum(
            min(w.ended_at_s if w.ended_at_s is not None else now, now) - max(w.started_at_s, since)
            for w in windows
        ),
    )
