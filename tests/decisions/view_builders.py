"""Hand-made ChannelViews for the decisions and safety tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from lnpilot.domain.channel_view import ChannelSnapshot, ChannelView, PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import ForwardingEvent, LocalChannel

NOW = 1_800_000_000
DAY = 86_400
BLOCK = 800_000  # funding block of the test channels
PEER = "02" + "ab" * 32


def chan_id_of(index: int) -> int:
    return (BLOCK << 40) | (index << 16)


def policy(fee_rate_ppm: int = 100, base_fee_msat: int = 1000, **kw: int) -> RoutingPolicy:
    base = RoutingPolicy(
        base_fee_msat=base_fee_msat,
        fee_rate_ppm=fee_rate_ppm,
        time_lock_delta=80,
        min_htlc_msat=1000,
        max_htlc_msat=990_000_000,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def forward_out(
    chan_id: int, days_ago: float, amount_sat: int, fee_msat: int, other: int = 1
) -> ForwardingEvent:
    ts = int((NOW - days_ago * DAY) * 1_000_000_000)
    return ForwardingEvent(ts, other, chan_id, amount_sat * 1000 + fee_msat, amount_sat * 1000, fee_msat)


def forward_in(chan_id: int, days_ago: float, amount_sat: int, other: int = 1) -> ForwardingEvent:
    ts = int((NOW - days_ago * DAY) * 1_000_000_000)
    return ForwardingEvent(ts, chan_id, other, amount_sat * 1000, amount_sat * 1000, 0)


def view(
    index: int = 1,
    *,
    capacity_sat: int = 1_000_000,
    local_sat: int = 500_000,
    fee_rate_ppm: int | None = 100,
    competitor_fee_ppm: float | None = 100.0,
    network_median_fee_ppm: float | None = 70.0,
    forwards: Sequence[ForwardingEvent] = (),
    failed_for_liquidity: int | None = 0,
    history_days: float | None = 200.0,
    policy_changes: Sequence[PolicyChange] = (),
    active: bool = True,
    peer: str = PEER,
    current_policy: RoutingPolicy | None = None,
    reach_lost_nodes: int | None = 0,
    now: int = NOW,
) -> ChannelView:
    chan_id = chan_id_of(index)
    channel = LocalChannel(
        chan_id=chan_id,
        channel_point=f"{index:064x}:0",
        remote_pubkey=peer,
        capacity_sat=capacity_sat,
        local_balance_sat=local_sat,
        remote_balance_sat=capacity_sat - local_sat,
        active=active,
        local_chan_reserve_sat=capacity_sat // 100,
        remote_chan_reserve_sat=capacity_sat // 100,
    )
    snapshots: tuple[ChannelSnapshot, ...] = ()
    if history_days is not None:
        taken = int(now - history_days * DAY)
        snapshots = (ChannelSnapshot(taken, local_sat, capacity_sat - local_sat, True, capacity_sat),)
    if current_policy is None and fee_rate_ppm is not None:
        current_policy = policy(fee_rate_ppm, max_htlc_msat=capacity_sat * 990)
    return ChannelView(
        channel=channel,
        now=now,
        policy=current_policy,
        competitor_fee_ppm=competitor_fee_ppm,
        competitor_channel_count=5 if competitor_fee_ppm is not None else 0,
        network_median_fee_ppm=network_median_fee_ppm,
        forwards=tuple(forwards),
        failed_for_liquidity=failed_for_liquidity,
        snapshots=snapshots,
        policy_changes=tuple(policy_changes),
        reach_lost_nodes=reach_lost_nodes,
    )
