"""LNDg AutoFees (github.com/cryptosharks131/lndg, ``af.py`` with ``jobs.py:auto_fees``).

Per peer, over forwards of at least 1,000 sat in the last 7 days (``*_1day``: last day):
``out%`` = local balance / capacity; ``net`` = (routed out 7d - routed in 7d) / capacity.

| out% | condition | change (ppm, multiplier m = 5) |
| --- | --- | --- |
| <= low-liq (15) | > 25 failed HTLCs for liquidity in a day and nothing routed in that day | +5m |
| < excess (95) | nothing routed in or out in 7 days | -3m |
| < excess (95) | net > 1 | +2m * (1 + net) |
| >= excess | nothing routed in 7 days | -5m |
| >= excess | net < 0 and revenue assisted (as inbound) > 10 x revenue earned (as outbound) | -5m |

The new rate is rounded to a multiple of 5 (the increment), clipped to 0..2,500 ppm, and
sent only when it changed and the channel's fees were last updated more than 24 h ago
(``AF-UpdateHours``). Defaults as LNDg writes them into its settings table on first run;
low-liq is 15 there (the code's fallback of 5 is replaced by the stored 15 from the second run on).
Not modelled: failed HTLCs come from LND's HTLC event stream, which simnet does not serve, so
the low-liquidity raise never fires; inbound fees (off by default, ``AF-InboundFees = 0``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lnpilot.arena.refs.base import apply_fee
from lnpilot.backends.base import NodeBackend
from lnpilot.domain.node import ForwardingEvent, LocalChannel

_DAY_S = 86_400
MIN_FORWARD_MSAT = 1_000_000


@dataclass(frozen=True, slots=True)
class AutoFeesConfig:
    max_rate: int = 2500
    min_rate: int = 0
    increment: int = 5
    multiplier: int = 5
    failed_htlc_limit: int = 25
    update_hours: int = 24
    lowliq_limit: int = 15
    excess_limit: int = 95


@dataclass(frozen=True, slots=True)
class PeerFlows:
    out_percent: float
    routed_in_1d_sat: int
    routed_in_7d_sat: int
    routed_out_7d_sat: int
    revenue_7d_msat: int
    revenue_assist_7d_msat: int
    capacity_sat: int
    failed_out_1d: int = 0

    @property
    def net_routed_7d(self) -> float:
        if self.capacity_sat <= 0:
            return 0.0
        return (self.routed_out_7d_sat - self.routed_in_7d_sat) / self.capacity_sat


def outbound_adjustment(p: PeerFlows, cfg: AutoFeesConfig) -> float:
    """LNDg's rule table (see the module docstring), in ppm before rounding."""
    m = cfg.multiplier
    no_flow = p.routed_in_7d_sat + p.routed_out_7d_sat == 0
    if p.out_percent <= cfg.lowliq_limit:
        raise_it = p.failed_out_1d > cfg.failed_htlc_limit and p.routed_in_1d_sat == 0
        return 5 * m if raise_it else 0
    if p.out_percent < cfg.excess_limit:
        if no_flow:
            return -3 * m
        if p.net_routed_7d > 1:
            return 2 * m * (1 + p.net_routed_7d)
        return 0
    if no_flow:
        return -5 * m
    if p.net_routed_7d < 0 and p.revenue_assist_7d_msat > p.revenue_7d_msat * 10:
        return -5 * m
    return 0


def new_rate(current_ppm: int, adjustment: float, cfg: AutoFeesConfig) -> int:
    stepped = round((current_ppm + adjustment) / cfg.increment) * cfg.increment
    return int(min(cfg.max_rate, max(cfg.min_rate, stepped)))


def peer_flows(
    channels: list[LocalChannel], forwards: list[ForwardingEvent], now_s: int
) -> dict[str, PeerFlows]:
    by_chan = {c.chan_id: c.remote_pubkey for c in channels}
    since_1d_ns = (now_s - _DAY_S) * 1_000_000_000
    in_1d: dict[str, int] = defaultdict(int)
    in_7d: dict[str, int] = defaultdict(int)
    out_7d: dict[str, int] = defaultdict(int)
    rev: dict[str, int] = defaultdict(int)
    assist: dict[str, int] = defaultdict(int)
    for f in forwards:
        if f.amt_out_msat < MIN_FORWARD_MSAT:
            continue
        peer_in, peer_out = by_chan.get(f.chan_id_in), by_chan.get(f.chan_id_out)
        if peer_in is not None:
            in_7d[peer_in] += f.amt_out_msat // 1000
            assist[peer_in] += f.fee_msat
            if f.timestamp_ns >= since_1d_ns:
                in_1d[peer_in] += f.amt_out_msat // 1000
        if peer_out is not None:
            out_7d[peer_out] += f.amt_out_msat // 1000
            rev[peer_out] += f.fee_msat
    local: dict[str, int] = defaultdict(int)
    capacity: dict[str, int] = defaultdict(int)
    for c in channels:
        local[c.remote_pubkey] += c.local_balance_sat
        capacity[c.remote_pubkey] += c.capacity_sat
    return {
        peer: PeerFlows(
            out_percent=100.0 * local[peer] / capacity[peer] if capacity[peer] else 0.0,
            routed_in_1d_sat=in_1d[peer],
            routed_in_7d_sat=in_7d[peer],
            routed_out_7d_sat=out_7d[peer],
            revenue_7d_msat=rev[peer],
            revenue_assist_7d_msat=assist[peer],
            capacity_sat=capacity[peer],
        )
        for peer in capacity
    }


@dataclass
class LndgAutoFees:
    config: AutoFeesConfig = field(default_factory=AutoFeesConfig)
    name: str = "lndg-autofees"
    _fees_updated_s: dict[str, int] = field(default_factory=dict)

    async def cycle(self, backend: NodeBackend, now_s: int) -> None:
        cfg = self.config
        channels = [c for c in await backend.list_channels() if c.active and not c.private]
        forwards = await backend.forwarding_history(now_s - 7 * _DAY_S, now_s + 1)
        flows = peer_flows(channels, forwards, now_s)
        rates = {c.channel_point: c.fee_rate_ppm for c in (await backend.fee_report()).channels}
        for ch in channels:
            # LNDg stamps fees_updated when it first records a channel: the first change waits a day.
            updated = self._fees_updated_s.setdefault(ch.channel_point, now_s)
            if now_s - updated <= cfg.update_hours * 3600:
                continue
            current = rates.get(ch.channel_point)
            if current is None:
                continue
            target = new_rate(current, outbound_adjustment(flows[ch.remote_pubkey], cfg), cfg)
            if target != current:
                await apply_fee(backend, ch.channel_point, fee_rate_ppm=target)
                self._fees_updated_s[ch.channel_point] = now_s
