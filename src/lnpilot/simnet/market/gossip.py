"""Gossip: our policy changes reach payers after a delay, under LND-like rate limits.

A change applies at our node at once (we enforce the new fee on the next HTLC) but payers keep
pricing routes with the fee they last heard of until the update has propagated, ``delay_s``
later. Each channel has a token bucket like LND's gossiper (``burst`` updates, one more every
``min_interval_s``): an update beyond it waits for the bucket instead of spreading at once.
A payer holding a stale, lower fee fails once at our node (fee insufficient, the failure carries
our current channel_update) and retries with the new fee; a stale, higher fee is simply paid. The
time-lock delta travels the same way (a stale, lower one: incorrect CLTV expiry).

A peer going offline is not news to payers either: LND's channel status manager disables the
channel only after ``chan-disable-timeout`` (20 min) offline and re-enables it ``chan-enable-timeout``
(19 min) after the peer is back; that channel_update then takes ``delay_s`` to spread. Until a
disable lands payers still route into the channel and fail at our switch (unknown next peer). A
peer back before the timeout cancels the pending disable, as LND does. (Status updates do not
draw on the fee updates' token bucket here.)
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.simnet.market.config import GossipConfig
from lnpilot.simnet.market.model import Advertised

_NS = 1_000_000_000
CHAN_DISABLE_TIMEOUT_S = 20 * 60  # lnd --chan-disable-timeout default
CHAN_ENABLE_TIMEOUT_S = 19 * 60  # lnd --chan-enable-timeout default


class Gossip:
    def __init__(self, policies: Sequence[RoutingPolicy], config: GossipConfig, now_ns: int) -> None:
        self.config = config
        self.advertised = Advertised(
            base_msat=np.array([p.base_fee_msat for p in policies], dtype=np.float64),
            ppm=np.array([p.fee_rate_ppm for p in policies], dtype=np.float64),
            inbound_base_msat=np.array([p.inbound_base_fee_msat for p in policies], dtype=np.float64),
            inbound_ppm=np.array([p.inbound_fee_rate_ppm for p in policies], dtype=np.float64),
            time_lock_delta=np.array([p.time_lock_delta for p in policies], dtype=np.float64),
            enabled=np.ones(len(policies), dtype=np.bool_),
        )
        self._tokens = np.full(len(policies), float(config.burst))
        self._refilled_ns = np.full(len(policies), now_ns, dtype=np.int64)
        self._pending: list[tuple[int, int, int, RoutingPolicy | bool]] = []
        self._status_gen = np.zeros(len(policies), dtype=np.int64)
        self._status_of: dict[int, int] = {}  # seq of a pending status update -> its generation
        self._seq = 0
        self.updates_published = 0
        self.updates_delayed_by_rate_limit = 0

    def publish(self, position: int, policy: RoutingPolicy, now_ns: int) -> int:
        """Schedule an update of channel ``position``; returns when payers will know it (ns)."""
        cfg = self.config
        interval_ns = cfg.min_interval_s * _NS
        if interval_ns > 0:
            gained = (now_ns - self._refilled_ns[position]) / interval_ns
            self._tokens[position] = min(float(cfg.burst), self._tokens[position] + gained)
        else:
            self._tokens[position] = float(cfg.burst)
        self._refilled_ns[position] = now_ns
        wait_ns = 0
        if self._tokens[position] < 1.0:
            wait_ns = int((1.0 - self._tokens[position]) * interval_ns)
            self.updates_delayed_by_rate_limit += 1
        self._tokens[position] -= 1.0
        effective = now_ns + round(cfg.delay_s * _NS) + wait_ns
        heapq.heappush(self._pending, (effective, self._seq, position, policy))
        self._seq += 1
        self.updates_published += 1
        return effective

    def peer_status(self, position: int, online: bool, now_ns: int) -> int:
        """The peer of channel ``position`` went offline (or came back) at ``now_ns``.

        Returns when payers will know the channel disabled (or enabled again), in ns; a newer
        change of the same channel before that cancels this one.
        """
        self._status_gen[position] += 1
        timeout_s = CHAN_ENABLE_TIMEOUT_S if online else CHAN_DISABLE_TIMEOUT_S
        effective = now_ns + round((timeout_s + self.config.delay_s) * _NS)
        self._status_of[self._seq] = int(self._status_gen[position])
        heapq.heappush(self._pending, (effective, self._seq, position, online))
        self._seq += 1
        return effective

    def next_ns(self) -> int | None:
        return self._pending[0][0] if self._pending else None

    def deliver_until(self, t_ns: int) -> None:
        adv = self.advertised
        while self._pending and self._pending[0][0] <= t_ns:
            _, seq, pos, pol = heapq.heappop(self._pending)
            if isinstance(pol, bool):
                if self._status_of.pop(seq) == self._status_gen[pos]:
                    adv.enabled[pos] = pol
                continue
            adv.time_lock_delta[pos] = pol.time_lock_delta
            adv.base_msat[pos] = pol.base_fee_msat
            adv.ppm[pos] = pol.fee_rate_ppm
            adv.inbound_base_msat[pos] = pol.inbound_base_fee_msat
            adv.inbound_ppm[pos] = pol.inbound_fee_rate_ppm
