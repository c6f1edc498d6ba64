"""Hand-built inputs for the scoring tests: channels, views and node metrics."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.node import ForwardingEvent, LocalChannel

NOW = 1_750_000_000
DAY = 86_400
PEER = "02" + "11" * 32
CHAN_ID = (800_000 << 40) | (12 << 16) | 1


def channel(local_sat: int = 500_000, remote_sat: int = 500_000, **kw: Any) -> LocalChannel:
    fields: dict[str, Any] = {
        "chan_id": CHAN_ID,
        "channel_point": "ab" * 32 + ":1",
        "remote_pubkey": PEER,
        "capacity_sat": local_sat + remote_sat,
        "local_balance_sat": local_sat,
        "remote_balance_sat": remote_sat,
        "active": True,
    }
    fields.update(kw)
    return LocalChannel(**fields)


def policy(fee_rate_ppm: int = 100, **kw: Any) -> RoutingPolicy:
    fields: dict[str, Any] = {
        "base_fee_msat": 1000,
        "fee_rate_ppm": fee_rate_ppm,
        "time_lock_delta": 40,
        "min_htlc_msat": 1000,
        "max_htlc_msat": 990_000_000,
    }
    fields.update(kw)
    return RoutingPolicy(**fields)


def view(chan: LocalChannel | None = None, **kw: Any) -> ChannelView:
    fields: dict[str, Any] = {"channel": chan or channel(), "now": NOW, "policy": policy()}
    fields.update(kw)
    return ChannelView(**fields)


def forward(
    days_ago: float, amount_sat: int = 100_000, fee_msat: int = 10_000, out: bool = True
) -> ForwardingEvent:
    other = CHAN_ID + 1
    return ForwardingEvent(
        timestamp_ns=int((NOW - days_ago * DAY) * 1e9),
        chan_id_in=other if out else CHAN_ID,
        chan_id_out=CHAN_ID if out else other,
        amt_in_msat=amount_sat * 1000 + fee_msat,
        amt_out_msat=amount_sat * 1000,
        fee_msat=fee_msat,
    )


def metrics(pub_key: str = PEER, **kw: Any) -> NodeMetrics:
    base = NodeMetrics(
        pub_key=pub_key,
        degree=10,
        channel_count=12,
        total_capacity_sat=50_000_000,
        betweenness=100.0,
        betweenness_norm=0.001,
        routing_betweenness=80.0,
        routing_betweenness_norm=0.0008,
        closeness=0.3,
        pagerank=0.0001,
        median_out_fee_ppm=100.0,
        median_in_fee_ppm=100.0,
        disabled_share=0.0,
        mean_channel_age_blocks=10_000.0,
    )
    return replace(base, **kw)


def pubkey(i: int) -> str:
    return "02" + f"{i:064x}"
