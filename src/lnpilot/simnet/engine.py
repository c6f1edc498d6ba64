"""The simulation: our node inside the public graph, a simulated clock, traffic and flaps.

Everything is seeded and pure of wall-clock time: ``advance(seconds)`` moves the simulated
clock, the HTTP layer only calls in. A re-entrant lock makes the object safe to share between
the server thread and a test or demo that reads the ground truth.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from lnpilot.domain.graph import Graph, RoutingPolicy
from lnpilot.errors import InvalidInputError, NotFoundError
from lnpilot.simnet.chain import SimChain
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.htlc_events import ChannelUpdate, FailureKind, HtlcEventLog
from lnpilot.simnet.market import kernel as _kernel
from lnpilot.simnet.market.config import MarketConfig
from lnpilot.simnet.market.gossip import Gossip
from lnpilot.simnet.market.model import MarketModel, StepPayments
from lnpilot.simnet.network import Network, graph_with_us, join, network_from
from lnpilot.simnet.payments import PaymentBook
from lnpilot.simnet.policy import RpcError
from lnpilot.simnet.state import Forward, SimChannel
from lnpilot.simnet.uptime import UptimeModel

START_TIME_S = 1_735_689_600  # 2025-01-01T00:00:00Z: the library's fixed default start
START_BLOCK_HEIGHT = 877_000  # mainnet's height at START_TIME_S
BLOCK_INTERVAL_S = 600
_NS = 1_000_000_000
# the kernel's refusal codes (market/kernel.py LF_*) as the HTLC event log names them
_FAILURE_KINDS = {
    _kernel.LF_LIQUIDITY: FailureKind.LIQUIDITY,
    _kernel.LF_FEE: FailureKind.FEE,
    _kernel.LF_TIME_LOCK: FailureKind.TIME_LOCK,
    _kernel.LF_INACTIVE: FailureKind.INACTIVE,
}


def wall_clock_start() -> int:
    """The wall clock's now, whole seconds: where `lnpilot simnet serve` starts without --start."""
    return int(time.time())


def block_height_at(start_s: int) -> int:
    """Mainnet's height at ``start_s``, extrapolated one block per 600 s from 2025-01-01."""
    return START_BLOCK_HEIGHT + (start_s - START_TIME_S) // BLOCK_INTERVAL_S


@dataclass(frozen=True, slots=True)
class SimConfig:
    """One simulation: seed, our node's size, the market around it and where the clock starts.

    ``start_time_s`` is fixed by default (2025-01-01) so that library users and tests get the same
    history for the same seed; the CLI passes the wall clock's now unless ``--start`` is given.
    ``payments_per_day`` / ``sender_sample``, when set, override the market's demand.
    """

    seed: int = 1
    channels: int = 8
    payments_per_day: float | None = None
    sender_sample: int | None = None
    step_s: int = 600
    start_time_s: int = START_TIME_S
    start_block_height: int | None = None  # None: block_height_at(start_time_s)
    market: MarketConfig = field(default_factory=MarketConfig)
    # Channels we opened to chosen nodes, beside the seeded ones: (pubkey, capacity sat).
    extra_peers: tuple[tuple[str, int], ...] = ()

    def effective_market(self) -> MarketConfig:
        demand = self.market.demand
        if self.payments_per_day is not None:
            demand = replace(demand, payments_per_day=float(self.payments_per_day))
        if self.sender_sample is not None:
            demand = replace(demand, sender_sample=int(self.sender_sample))
        return replace(self.market, demand=demand)

    @property
    def block_height_at_start(self) -> int:
        if self.start_block_height is not None:
            return self.start_block_height
        return block_height_at(self.start_time_s)


class Simulation:
    def __init__(self, graph: Graph, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        cfg = self.config
        if cfg.channels < 2:
            raise InvalidInputError("simnet needs at least 2 channels to forward anything")
        self.lock = threading.RLock()
        self.network: Network = network_from(graph)
        self.node, self.channels = join(
            self.network,
            channels=cfg.channels,
            seed=cfg.seed,
            start_s=cfg.start_time_s,
            block_height=cfg.block_height_at_start,
            extra_peers=cfg.extra_peers,
        )
        self.market = cfg.effective_market()
        capacity_by_chan = {ch.chan_id: ch.capacity_sat for ch in graph.channels}
        self.market_model = MarketModel(
            self.network.edges,
            self.network.node_capacity_sat,
            capacity_by_chan,
            [c.peer_index for c in self.channels],
            seed=cfg.seed,
            market=self.market,
            step_s=cfg.step_s,
            start_s=cfg.start_time_s,
        )
        self.gossip = Gossip([c.policy for c in self.channels], self.market.gossip, cfg.start_time_s * _NS)
        self.competitor_fee_changes = 0
        self.uptime = UptimeModel(len(self.channels), seed=cfg.seed, step_s=cfg.step_s)
        self.forwards: list[Forward] = []
        self.htlc_events = HtlcEventLog()  # what GET /v2/router/htlcevents streams
        self.policy_updates = 0
        self.now_ns = cfg.start_time_s * _NS
        self._step = 0
        self._step_ready = False
        self._pending: StepPayments | None = None
        self._next_payment = 0
        self._online = np.ones(len(self.channels), dtype=np.bool_)
        self._graph_cache: Graph | None = None
        self._by_point = {c.channel_point: c for c in self.channels}
        self._by_id = {c.chan_id: c for c in self.channels}
        self.book = PaymentBook(self)
        self.chain = SimChain(self)

    # --- construction helpers -------------------------------------------------------------
    @classmethod
    def generated(
        cls,
        nodes: int = 300,
        *,
        seed: int = 1,
        channels: int = 8,
        payments_per_day: float | None = None,
        market: MarketConfig | None = None,
        start_time_s: int = START_TIME_S,
    ) -> Simulation:
        graph = generate_graph(nodes, seed=seed)
        config = SimConfig(
            seed=seed,
            channels=channels,
            payments_per_day=payments_per_day,
            market=market or MarketConfig(),
            start_time_s=start_time_s,
        )
        return cls(graph, config)

    @classmethod
    def from_file(
        cls,
        path: Path,
        *,
        seed: int = 1,
        channels: int = 8,
        payments_per_day: float | None = None,
        market: MarketConfig | None = None,
        start_time_s: int = START_TIME_S,
    ) -> Simulation:
        from lnpilot.graph.ingest import load_graph

        config = SimConfig(
            seed=seed,
            channels=channels,
            payments_per_day=payments_per_day,
            market=market or MarketConfig(),
            start_time_s=start_time_s,
        )
        return cls(load_graph(path).graph, config)

    # --- clock ----------------------------------------------------------------------------
    @property
    def now_s(self) -> int:
        return self.now_ns // _NS

    @property
    def start_s(self) -> int:
        return self.config.start_time_s

    @property
    def block_height(self) -> int:
        return self.config.block_height_at_start + (self.now_s - self.start_s) // BLOCK_INTERVAL_S

    def block_time_s(self, height: int) -> int:
        start_height = self.block_height - (self.now_s - self.start_s) // BLOCK_INTERVAL_S
        return self.start_s + (height - start_height) * BLOCK_INTERVAL_S

    def invalidate_graph(self) -> None:
        self._graph_cache = None

    def open_channels(self) -> list[SimChannel]:
        """The channels LND would list: not closing, not closed."""
        return [c for c in self.channels if not c.closing]

    def advance(self, seconds: float) -> int:
        """Run traffic and flaps for ``seconds`` of simulated time; returns the forwards settled."""
        if seconds < 0:
            raise InvalidInputError(f"the clock only moves forward, got {seconds} s")
        with self.lock:
            before = len(self.forwards)
            target_ns = self.now_ns + round(seconds * _NS)
            step_ns = self.config.step_s * _NS
            start_ns = self.config.start_time_s * _NS
            while self.now_ns < target_ns:
                if not self._step_ready:
                    self._enter_step()
                step_start = start_ns + self._step * step_ns
                limit = min(target_ns, step_start + step_ns)
                self._route_until(limit, step_start)
                self._credit_uptime(self.now_ns, limit)
                self.now_ns = limit
                if limit == step_start + step_ns:
                    self._step += 1
                    self._step_ready = False
            return len(self.forwards) - before

    def _enter_step(self) -> None:
        self._online = self.uptime.next_state(self._online, self._step)
        changed = False
        for ch, online in zip(self.channels, self._online, strict=True):
            if ch.closing:
                continue  # a closing channel never comes back (simnet.chain)
            if ch.active != bool(online):
                ch.active = bool(online)
                changed = True
                step_ns = (self.config.start_time_s + self._step * self.config.step_s) * _NS
                self.gossip.peer_status(self.channels.index(ch), ch.active, step_ns)
                if ch.active:  # LND counts a flap when the peer comes back online
                    ch.flap_count += 1
                    ch.last_flap_ns = (self.config.start_time_s + self._step * self.config.step_s) * _NS
        if changed:
            self._graph_cache = None
        model = self.market_model
        model.recover()
        if model.competitors_due(self._step):
            ours = {
                int(c.peer_index): float(self.gossip.advertised.ppm[i]) for i, c in enumerate(self.channels)
            }
            self.competitor_fee_changes += model.update_competitors(ours)
        self._pending = model.draw(self._step)
        self._next_payment = 0
        self._step_ready = True

    # --- HTLC events (simnet/htlc_events.py): two hooks, the log does the rest ---------------------
    def _htlc_forwarded(self, forwards: list[Forward]) -> None:
        by_id = {c.chan_id: c for c in self.channels}
        for f in forwards:
            tld = by_id[f.chan_id_out].policy.time_lock_delta
            self.htlc_events.forward(
                f.timestamp_ns,
                f.chan_id_in,
                f.chan_id_out,
                f.incoming_htlc_id,
                f.outgoing_htlc_id,
                f.amt_in_msat,
                f.amt_out_msat,
                self.block_height,
                tld,
            )

    def _htlc_failed(
        self, timestamp_ns: int, ch_in: SimChannel, ch_out: SimChannel, amt_in: int, amt_out: int, code: int
    ) -> None:
        kind = _FAILURE_KINDS[code]
        pos = self.channels.index(ch_out)
        pol = ch_out.policy
        tld = pol.time_lock_delta
        if kind in (FailureKind.FEE, FailureKind.TIME_LOCK):  # built with the delta the sender had heard of
            tld = int(self.gossip.advertised.time_lock_delta[pos])
        update = ChannelUpdate(
            chan_id=ch_out.chan_id,
            timestamp=pol.last_update,
            direction=0 if self.node.pub_key < ch_out.peer_pubkey else 1,
            disabled=pol.disabled,
            time_lock_delta=pol.time_lock_delta,
            min_htlc_msat=pol.min_htlc_msat,
            base_fee_msat=pol.base_fee_msat,
            fee_rate_ppm=pol.fee_rate_ppm,
            max_htlc_msat=pol.max_htlc_msat or ch_out.capacity_sat * 1000,
        )
        self.htlc_events.link_fail(
            timestamp_ns,
            ch_in.chan_id,
            ch_out.chan_id,
            ch_in.take_htlc_id(),
            amt_in,
            amt_out,
            self.block_height,
            tld,
            kind,
            update,
        )

    def _route_until(self, limit_ns: int, step_start_ns: int) -> None:
        pending = self._pending
        if pending is None:
            return
        while True:
            # Gossip lands between payments: route up to each delivery, then let payers know.
            upto = limit_ns
            deliver = self.gossip.next_ns()
            if deliver is not None and deliver <= limit_ns:
                upto = deliver
            stop = int(np.searchsorted(pending.times_s, (upto - step_start_ns) / _NS, side="left"))
            if stop > self._next_payment:
                part = pending.slice(self._next_payment, stop)
                forwards, _ = self.market_model.route(
                    part,
                    self.channels,
                    self.gossip.advertised,
                    step_start_ns,
                    on_link_failure=self._htlc_failed,
                )
                self.forwards.extend(forwards)
                self._htlc_forwarded(forwards)
                self._next_payment = stop
            if upto == limit_ns and (deliver is None or deliver > limit_ns):
                return
            self.gossip.deliver_until(upto)

    def _credit_uptime(self, from_ns: int, to_ns: int) -> None:
        # Credit whole seconds on the absolute grid so split advances add up exactly.
        seconds = to_ns // _NS - from_ns // _NS
        for ch in self.channels:
            if ch.active:
                ch.uptime_s += seconds

    # --- our channels and policies --------------------------------------------------------
    def channel_by_point(self, channel_point: str) -> SimChannel:
        try:
            return self._by_point[channel_point]
        except KeyError:
            raise NotFoundError(f"no channel with channel point {channel_point}") from None

    def channel_by_id(self, chan_id: int) -> SimChannel:
        try:
            return self._by_id[chan_id]
        except KeyError:
            raise NotFoundError(f"no channel with chan_id {chan_id}") from None

    def channel_by_point_or_rpc(self, channel_point: str) -> SimChannel:
        """For LND routes: an unknown or closing channel is LND's 'channel not found'."""
        channel = self._by_point.get(channel_point)
        if channel is None or channel.closing:
            raise RpcError(5, "channel not found")
        return channel

    def set_policy(self, channel: SimChannel, policy: RoutingPolicy) -> None:
        with self.lock:
            channel.policy = replace(policy, last_update=self.now_s)
            self.policy_updates += 1
            self.gossip.publish(self.channels.index(channel), channel.policy, self.now_ns)
            self._graph_cache = None

    def public_graph(self) -> Graph:
        with self.lock:
            if self._graph_cache is None:
                self._graph_cache = graph_with_us(self.network, self.node, self.open_channels())
            return self._graph_cache

    # --- ground truth ---------------------------------------------------------------------
    def fees_earned_msat(self, since_s: int = 0) -> int:
        since_ns = since_s * _NS
        return sum(f.fee_msat for f in self.forwards if f.timestamp_ns >= since_ns)

    def truth(self) -> dict[str, object]:
        with self.lock:
            return {
                "now": self.now_s,
                "block_height": self.block_height,
                "forwards": len(self.forwards),
                "fees_earned_msat": self.fees_earned_msat(),
                "rebalance_fees_paid_msat": self.book.rebalance_fees_msat,
                "invoices_received_msat": self.book.invoices_received_msat,
                "payments_sent_msat": self.book.payments_sent_msat,
                "payment_fees_paid_msat": self.book.payment_fees_msat,
                "policy_updates": self.policy_updates,
                "market": self.market.name,
                "payments": self.market_model.stats.as_dict(),
                "competitor_fee_changes": self.competitor_fee_changes,
                "channels": [channel_truth(c) for c in self.channels],
            }


def channel_truth(ch: SimChannel) -> dict[str, object]:
    pol = ch.policy
    return {
        "chan_id": str(ch.chan_id),
        "channel_point": ch.channel_point,
        "peer": ch.peer_pubkey,
        "capacity_sat": ch.capacity_sat,
        "local_msat": ch.local_msat,
        "remote_msat": ch.remote_msat,
        "active": ch.active,
        "uptime_s": ch.uptime_s,
        "failed_for_liquidity": ch.failed_for_liquidity,
        "failed_peer_liquidity": ch.failed_peer_liquidity,
        "policy": {
            "base_fee_msat": pol.base_fee_msat,
            "fee_rate_ppm": pol.fee_rate_ppm,
            "time_lock_delta": pol.time_lock_delta,
            "min_htlc_msat": pol.min_htlc_msat,
            "max_htlc_msat": pol.max_htlc_msat,
            "inbound_base_fee_msat": pol.inbound_base_fee_msat,
            "inbound_fee_rate_ppm": pol.inbound_fee_rate_ppm,
            "disabled": pol.disabled,
        },
        "peer_policy": {
            "base_fee_msat": ch.peer_policy.base_fee_msat,
            "fee_rate_ppm": ch.peer_policy.fee_rate_ppm,
            "time_lock_delta": ch.peer_policy.time_lock_delta,
        },
    }
