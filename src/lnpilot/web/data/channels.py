"""The channels table: one row per open channel from the store (snapshots, policies, forwards,
scores, decisions, overrides) and the public graph (alias, the peer's fee)."""

from __future__ import annotations

from dataclasses import dataclass

from lnpilot.api.services import ApiServices
from lnpilot.decisions.operator import override_for
from lnpilot.domain.channel_view import ChannelSnapshot
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.execution.overrides import merge_one
from lnpilot.store.records import ChannelOverrideRecord, DecisionRecord, TrackedChannel
from lnpilot.web.graphinfo import GraphInfo

DAY_S = 86_400
NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Overrides:
    """Pins and bounds in force: the settings file's and the dashboard's (stored), stricter wins."""

    pin: bool = False
    exclude: bool = False
    fee_rate_min_ppm: int | None = None
    fee_rate_max_ppm: int | None = None
    stored: ChannelOverrideRecord | None = None
    from_settings: bool = False


@dataclass(frozen=True, slots=True)
class ChannelRow:
    chan_id: int
    scid: str
    channel_point: str
    peer: str
    alias: str
    capacity_sat: int
    snapshot: ChannelSnapshot | None
    policy: RoutingPolicy | None
    peer_policy: RoutingPolicy | None
    forwards_7d: int
    revenue_7d_msat: int
    score: float | None
    decision: DecisionRecord | None
    overrides: Overrides

    @property
    def local_share(self) -> float | None:
        s = self.snapshot
        return None if s is None or not s.capacity_sat else s.local_balance_sat / s.capacity_sat

    @property
    def reason(self) -> str:
        if self.decision is None or not self.decision.reasons:
            return ""
        return str(self.decision.reasons[0])


def scid(chan_id: int) -> str:
    try:
        return str(ShortChannelId.from_chan_id(chan_id))
    except InvalidInputError:
        return str(chan_id)


def merged_overrides(svc: ApiServices, chan_id: int, stored: ChannelOverrideRecord | None) -> Overrides:
    """What the pipeline applies (``execution.overrides``), with where it came from."""
    toml = override_for(svc.settings.channels, chan_id)
    both = merge_one(toml, stored)
    if both is None:
        return Overrides(stored=stored)
    return Overrides(
        pin=both.pin,
        exclude=both.exclude,
        fee_rate_min_ppm=both.fee_rate_min_ppm,
        fee_rate_max_ppm=both.fee_rate_max_ppm,
        stored=stored,
        from_settings=toml is not None,
    )


def peer_policy(graph: GraphInfo, chan: TrackedChannel) -> RoutingPolicy | None:
    edge = graph.channels.get(chan.chan_id)
    if edge is None or chan.remote_pubkey not in (edge.node1, edge.node2):
        return None
    return edge.policy_of(chan.remote_pubkey)


async def channel_rows(svc: ApiServices, graph: GraphInfo, now: int, profile: str) -> list[ChannelRow]:
    """One row per open channel in a handful of reads, however long the history (batch reads)."""
    since = now - 7 * DAY_S
    cycle_s = svc.settings.daemon.cycle_seconds
    async with svc.store.unit_of_work() as uow:
        tracked = await uow.channels.all()
        # newest snapshots in one read (the last cycles'); a second, over 30 days, only if some
        # open channel has none that recent
        latest_snap = await uow.channels.newest_snapshots(int(now - max(3 * cycle_s, 3_600)))
        if any(c.chan_id not in latest_snap for c in tracked):
            latest_snap = await uow.channels.newest_snapshots(now - 30 * DAY_S)
        counts = await uow.forwards.totals_out(since * NS, (now + 1) * NS)  # summed in the database
        stored = {o.chan_id: o for o in await uow.overrides.channels()}
        policies = await uow.policies.current_all()
        scores = {
            s.subject: s
            for s in await uow.scores.ranking(subject_kind="channel", profile=profile, limit=100_000)
        }
        decisions = await uow.decisions.latest_per_channel()
    rows = []
    for chan in tracked:
        n, fees = counts.get(chan.chan_id, (0, 0))
        score = scores.get(str(chan.chan_id))
        rows.append(
            ChannelRow(
                chan_id=chan.chan_id,
                scid=scid(chan.chan_id),
                channel_point=chan.channel_point,
                peer=chan.remote_pubkey,
                alias=graph.alias(chan.remote_pubkey),
                capacity_sat=chan.capacity_sat,
                snapshot=latest_snap.get(chan.chan_id),
                policy=policies.get(chan.chan_id),
                peer_policy=peer_policy(graph, chan),
                forwards_7d=n,
                revenue_7d_msat=fees,
                score=None if score is None else score.composite,
                decision=decisions.get(chan.chan_id),
                overrides=merged_overrides(svc, chan.chan_id, stored.get(chan.chan_id)),
            )
        )
    return rows


SORT_KEYS = {
    "alias": lambda r: (r.alias or r.peer).lower(),
    "capacity": lambda r: r.capacity_sat,
    "balance": lambda r: -1.0 if r.local_share is None else r.local_share,
    "fee": lambda r: -1 if r.policy is None else r.policy.fee_rate_ppm,
    "peer_fee": lambda r: -1 if r.peer_policy is None else r.peer_policy.fee_rate_ppm,
    "forwards": lambda r: r.forwards_7d,
    "revenue": lambda r: r.revenue_7d_msat,
    "score": lambda r: -1.0 if r.score is None else r.score,
    "decision": lambda r: "" if r.decision is None else r.decision.type,
}


def sort_and_filter(rows: list[ChannelRow], sort: str, desc: bool, query: str) -> list[ChannelRow]:
    q = query.strip().lower()
    if q:
        rows = [
            r
            for r in rows
            if q in r.alias.lower()
            or r.peer.startswith(q)
            or q in r.scid
            or q == str(r.chan_id)
            or (r.decision is not None and q in r.decision.type)
        ]
    key = SORT_KEYS.get(sort, SORT_KEYS["revenue"])
    return sorted(rows, key=key, reverse=desc)
