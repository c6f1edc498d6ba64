"""The market around our node: demand, senders' route choice, competitors' liquidity and fee rules.

``MarketModel`` owns everything outside our node that moves: payments drawn per step from
generators seeded by (seed, step) (so the draws never depend on our policies), the public
channels' balances (bimodal prior, moved by the simulated traffic, recovering towards the prior),
and the reacting competitors' fees. ``route`` settles one batch of payments in time order through
the compiled kernel and hands back the forwards through us.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lnpilot.simnet.market import kernel as kern
from lnpilot.simnet.market.competitors import Competitors
from lnpilot.simnet.market.config import MarketConfig
from lnpilot.simnet.market.population import build_population
from lnpilot.simnet.market.senders import kind_params, search_paths
from lnpilot.simnet.pathing import EdgeArrays
from lnpilot.simnet.state import Forward, SimChannel

_STREAM_PAYMENTS = 0x7061
_STREAM_BALANCES = 0x62616C
_HOP_CACHE_BYTES = 160 << 20  # hop counts to receivers kept between routing calls (every node up to ~13k)


@dataclass(frozen=True, slots=True)
class StepPayments:
    """The payments drawn for one step, in time order."""

    times_s: np.ndarray  # float offsets inside the step
    sender_rows: np.ndarray
    receivers: np.ndarray
    amounts_msat: np.ndarray
    budget_ppm: np.ndarray | None = None  # the payer's fee budget per payment (None: no budget)

    def slice(self, start: int, stop: int) -> StepPayments:
        return StepPayments(
            self.times_s[start:stop],
            self.sender_rows[start:stop],
            self.receivers[start:stop],
            self.amounts_msat[start:stop],
            None if self.budget_ppm is None else self.budget_ppm[start:stop],
        )

    def budgets(self) -> np.ndarray:
        """Budget ppm per payment; inf where the payer has none (only its implementation's limit)."""
        if self.budget_ppm is None:
            return np.full(len(self.amounts_msat), np.inf)
        return self.budget_ppm


@dataclass(slots=True)
class MarketStats:
    payments: int = 0
    succeeded: int = 0
    through_us: int = 0
    failed_no_route: int = 0
    failed_attempts: int = 0
    stale_fee_failures: int = 0
    stale_time_lock_failures: int = 0
    inactive_link_failures: int = 0
    attempts: int = 0
    public_liquidity_failures: int = 0
    mpp_splits: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in self.__slots__}


@dataclass(slots=True)
class Advertised:
    """Our policies as payers currently know them (gossip lags the node)."""

    base_msat: np.ndarray
    ppm: np.ndarray
    inbound_base_msat: np.ndarray
    inbound_ppm: np.ndarray
    time_lock_delta: np.ndarray
    enabled: np.ndarray  # bool: no channel_update with the disabled bit has reached payers


def channel_arrays(edges: EdgeArrays, capacity_by_chan: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(channel capacity in msat, twin edge or -1) per directed edge."""
    cap = np.array([capacity_by_chan.get(int(c), 0) * 1000 for c in edges.chan_id], dtype=np.float64)
    order = np.lexsort((edges.src, edges.chan_id))
    twin = np.full(len(edges.chan_id), -1, dtype=np.int64)
    same = edges.chan_id[order[1:]] == edges.chan_id[order[:-1]]
    a, b = order[:-1][same], order[1:][same]
    twin[a], twin[b] = b, a
    return cap, twin


def bimodal_balances(cap: np.ndarray, twin: np.ndarray, market: MarketConfig, seed: int) -> np.ndarray:
    """What each directed edge's source can send: one draw per channel, shared by its two halves."""
    rng = np.random.default_rng([seed, _STREAM_BALANCES])
    liq = market.liquidity
    n = len(cap)
    side = np.minimum(rng.exponential(liq.bimodal_scale_sat * 1000, n), cap)
    near_empty = rng.random(n) < 0.5
    local = np.where(near_empty, side, cap - side)
    uniform = rng.random(n) < liq.uniform_share
    local = np.where(uniform, rng.random(n) * cap, local)
    # the lower-indexed half of a pair draws; its twin holds the rest
    paired = (twin >= 0) & (twin < np.arange(n))
    local[paired] = cap[paired] - local[twin[paired]]
    return np.asarray(local, dtype=np.float64)


class MarketModel:
    def __init__(
        self,
        edges: EdgeArrays,
        node_capacity_sat: np.ndarray,
        capacity_by_chan: dict[int, int],
        peer_nodes: Sequence[int],
        *,
        seed: int,
        market: MarketConfig,
        step_s: int,
        start_s: int,
    ) -> None:
        self.edges = edges
        self.seed = seed
        self.market = market
        self.step_s = step_s
        self.start_s = start_s
        self.peer_nodes = np.asarray(peer_nodes, dtype=np.int64)
        self.population = build_population(edges, node_capacity_sat, market, seed)
        self.kp, self.fl = kind_params(market)
        self.refs = np.asarray(market.reference_amounts_sat, dtype=np.float64) * 1000.0
        self.chan_cap, self.twin = channel_arrays(edges, capacity_by_chan)
        self.base = edges.base_msat.copy()  # competitors' live fees
        self.ppm = edges.ppm.copy()
        self.prior = bimodal_balances(self.chan_cap, self.twin, market, seed)
        self.balance = self.prior.copy()
        self.flow = np.zeros(len(self.base))
        self.succeeded_at = np.full(len(self.base), -np.inf)
        self.stats = MarketStats()
        self.competitors = Competitors(edges, self.peer_nodes, market, seed)
        self._search()
        self._hop_cache()
        # exact searches answered goal-directed / by the plain search (speed only: not in stats)
        self.exact_searches = np.zeros(2, dtype=np.int64)

    def _hop_cache(self) -> None:
        """Reversed edges and a ring of hop counts to receivers (``search.hop_row``): speed only."""
        n = self.edges.nodes
        order = np.argsort(self.edges.dst, kind="stable")
        self.r_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.edges.dst, minlength=n), out=self.r_indptr[1:])
        self.r_src = np.ascontiguousarray(self.edges.src[order], dtype=np.int64)
        rows = max(1, min(n, _HOP_CACHE_BYTES // max(n, 1)))
        self.hop_table = np.empty((rows, n), dtype=np.int8)
        self.hop_owner = np.full(rows, -1, dtype=np.int64)
        self.hop_slot = np.full(n, -1, dtype=np.int64)
        self.hop_next = np.zeros(1, dtype=np.int64)

    # --- candidate paths --------------------------------------------------------------------
    def _search(self) -> None:
        pop, edges = self.population, self.edges
        n, r = edges.nodes, len(self.refs)
        self.pred_send = np.empty((r, len(pop.senders), n), dtype=np.int32)
        kinds = sorted({int(k) for k in pop.kinds})
        self.pred_peer = np.full((len(self.kp), r, len(self.peer_nodes), n), -1, dtype=np.int32)
        for ri, amount in enumerate(self.refs):
            for k in kinds:
                rows = np.flatnonzero(pop.kinds == k)
                block = np.empty((len(rows), n), dtype=np.int32)
                search_paths(
                    edges,
                    self.chan_cap,
                    self.kp,
                    k,
                    amount,
                    pop.senders[rows],
                    charge_source=False,
                    out=block,
                )
                self.pred_send[ri, rows] = block
                search_paths(
                    edges,
                    self.chan_cap,
                    self.kp,
                    k,
                    amount,
                    self.peer_nodes,
                    charge_source=True,
                    out=self.pred_peer[k, ri],
                )
        stack = np.empty(n, dtype=np.int64)
        # fewest hops from each sender to any of our peers and from any peer to each node, per
        # reference: a lower bound on a route through us (the kernel skips hopeless peer walks)
        lengths = np.empty(n, dtype=np.int64)
        self.len_send = np.full((r, len(pop.senders)), 127, dtype=np.int64)
        self.len_peer = np.full((len(self.kp), r, n), 127, dtype=np.int64)
        for ri in range(r):
            for row, source in enumerate(pop.senders):
                kern.tree_lengths(self.pred_send[ri, row], source, edges.src, lengths, stack)
                self.len_send[ri, row] = lengths[self.peer_nodes].min(initial=127)
            for k in range(len(self.kp)):
                for i, peer in enumerate(self.peer_nodes):
                    kern.tree_lengths(self.pred_peer[k, ri, i], peer, edges.src, lengths, stack)
                    np.minimum(self.len_peer[k, ri], lengths, out=self.len_peer[k, ri])
        # where a reference's path equals the one at the reference below, the kernel prices it once
        self.same_send = np.zeros(self.pred_send.shape, dtype=np.bool_)
        self.same_peer = np.zeros(self.pred_peer.shape, dtype=np.bool_)
        for ri in range(1, r):
            for row, source in enumerate(pop.senders):
                kern.same_paths(
                    self.pred_send[ri - 1, row],
                    self.pred_send[ri, row],
                    source,
                    edges.src,
                    self.same_send[ri, row],
                    stack,
                )
            for k in kinds:
                for i, peer in enumerate(self.peer_nodes):
                    kern.same_paths(
                        self.pred_peer[k, ri - 1, i],
                        self.pred_peer[k, ri, i],
                        peer,
                        edges.src,
                        self.same_peer[k, ri, i],
                        stack,
                    )

    # --- demand -----------------------------------------------------------------------------
    def rate_per_step(self, step: int) -> float:
        d = self.market.demand
        mid_s = self.start_s + (step + 0.5) * self.step_s
        hour = (mid_s % 86_400) / 3_600
        cycle = 1.0 + d.daily_amplitude * math.cos(2 * math.pi * (hour - d.peak_hour_utc) / 24)
        return d.payments_per_day * self.step_s / 86_400 * cycle

    def draw(self, step: int) -> StepPayments:
        d, pop = self.market.demand, self.population
        rng = np.random.default_rng([self.seed, _STREAM_PAYMENTS, step])
        count = int(rng.poisson(self.rate_per_step(step)))
        times = np.sort(rng.random(count) * self.step_s)
        directional = (rng.random(count) < d.directional_share) & (len(pop.source_cdf) > 0)
        u_send, u_recv = rng.random(count), rng.random(count)
        rows = np.where(
            directional,
            np.searchsorted(pop.source_cdf, u_send, side="right") if len(pop.source_cdf) else 0,
            np.searchsorted(pop.general_cdf, u_send, side="right"),
        )
        rows = np.minimum(rows, len(pop.senders) - 1)
        sink_pick = np.minimum(np.searchsorted(pop.sink_cdf, u_recv, side="right"), len(pop.sinks) - 1)
        receivers = np.where(
            directional,
            pop.sinks[sink_pick],
            np.minimum(np.searchsorted(pop.receiver_cdf, u_recv, side="right"), len(pop.receiver_cdf) - 1),
        )
        same = receivers == pop.senders[rows]
        receivers[same] = (receivers[same] + 1) % len(pop.receiver_cdf)
        micro = rng.random(count) < d.micro_share
        body = rng.lognormal(np.log(d.median_amount_sat), d.amount_sigma, count)
        small = rng.lognormal(np.log(d.micro_median_sat), 1.0, count)
        sats = np.clip(np.where(micro, small, body), 1, d.max_amount_sat)
        amounts = (sats * 1000).astype(np.int64)
        # Drawn last, so every draw above stays what it was before budgets existed.
        budget = None
        if d.budget_median_ppm > 0:
            budget = rng.lognormal(np.log(d.budget_median_ppm), d.budget_sigma, count)
        return StepPayments(times, rows.astype(np.int64), receivers.astype(np.int64), amounts, budget)

    # --- the market moving between steps ----------------------------------------------------
    def recover(self) -> None:
        """Owners refill depleted channels: every balance relaxes towards its prior draw."""
        liq = self.market.liquidity
        keep = 0.5 ** (self.step_s / (liq.recovery_half_life_h * 3_600))
        self.balance = self.prior + (self.balance - self.prior) * keep

    def competitors_due(self, step: int) -> bool:
        interval = round(self.market.competitors.update_interval_h * 3_600)
        return step > 0 and (step * self.step_s) % interval == 0

    def update_competitors(self, our_ppm_by_peer: dict[int, float]) -> int:
        changed = self.competitors.update(self, our_ppm_by_peer)
        self.flow[:] = 0.0
        return changed

    # --- routing ----------------------------------------------------------------------------
    def route(
        self,
        payments: StepPayments,
        channels: Sequence[SimChannel],
        advertised: Advertised,
        step_start_ns: int,
        *,
        decide_only: bool = False,
        on_link_failure: Callable[[int, SimChannel, SimChannel, int, int, int], None] | None = None,
    ) -> tuple[list[Forward], np.ndarray]:
        """Settle ``payments`` (mutating balances) unless ``decide_only``; (forwards, outcome codes).

        ``on_link_failure(at_ns, in, out, amt_in_msat, amt_out_msat, kind)`` hears every HTLC our
        node refused, ``kind`` one of ``kernel.LF_*``.
        """
        n = len(payments.amounts_msat)
        status = np.zeros(n, dtype=np.int64)
        if n == 0:
            return [], status
        pop, cfg = self.population, self.market
        rows = payments.sender_rows
        times = step_start_ns / 1e9 + payments.times_s
        parts = cfg.demand.max_parts
        cap = n * (parts + 1)
        f_pay = np.zeros(cap, dtype=np.int64)
        f_in, f_out = np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.int64)
        f_amt_in, f_amt_out, f_fee = (np.zeros(cap, dtype=np.int64) for _ in range(3))
        counters = np.zeros(kern.N_COUNTERS, dtype=np.int64)
        # per payment: each channel refuses at most once for liquidity and once as inactive (the
        # sender drops it), and one stale fee and one stale time lock (the reply updates the sender)
        lf = n * (2 * len(channels) + 2)
        lf_pay, lf_in, lf_out, lf_amt_in, lf_amt_out, lf_kind = (
            np.zeros(lf, dtype=np.int64) for _ in range(6)
        )
        o = _our_arrays(channels)
        kern.route_payments(
            rows,
            pop.kinds[rows],
            pop.senders[rows],
            payments.receivers,
            payments.amounts_msat,
            payments.budgets(),
            cfg.demand.budget_base_sat * 1000.0,
            times,
            self.pred_send,
            self.pred_peer,
            self.same_send,
            self.same_peer,
            self.len_send,
            self.len_peer,
            self.refs,
            self.kp,
            self.fl,
            cfg.senders.lnd_learned_memory_s,
            self.edges.indptr,
            self.edges.dst,
            self.edges.src,
            self.base,
            self.ppm,
            self.edges.time_lock_delta,
            self.chan_cap,
            np.where(self.edges.usable, self.edges.capacity_msat, -1.0),
            self.succeeded_at,
            self.balance,
            self.twin,
            self.flow,
            self.peer_nodes,
            o["in_base"],
            o["in_ppm"],
            o["in_tld"],
            o["in_ok"],
            o["cap"],
            o["base"],
            o["ppm"],
            o["inb"],
            o["inppm"],
            advertised.base_msat,
            advertised.ppm,
            advertised.inbound_base_msat,
            advertised.inbound_ppm,
            advertised.time_lock_delta,
            o["tld"],
            o["min"],
            o["max"],
            o["out_ok"] & advertised.enabled,
            o["link_up"],
            o["local"],
            o["remote"],
            o["lres"],
            o["rres"],
            o["in_succ"],
            o["out_succ"],
            o["failed_out"],
            o["failed_in"],
            cfg.liquidity.max_attempts,
            cfg.demand.mpp,
            parts,
            int(cfg.demand.min_part_sat * 1000),
            cfg.liquidity.enabled,
            decide_only,
            status,
            f_pay,
            f_in,
            f_out,
            f_amt_in,
            f_amt_out,
            f_fee,
            counters,
            lf_pay,
            lf_in,
            lf_out,
            lf_amt_in,
            lf_amt_out,
            lf_kind,
            self.r_indptr,
            self.r_src,
            self.hop_slot,
            self.hop_table,
            self.hop_owner,
            self.hop_next,
        )
        self.exact_searches += counters[8:10]
        if decide_only:
            return [], status
        if on_link_failure is not None:
            for m in range(int(counters[5])):
                at_ns = step_start_ns + int(payments.times_s[int(lf_pay[m])] * 1e9)
                on_link_failure(
                    at_ns,
                    channels[int(lf_in[m])],
                    channels[int(lf_out[m])],
                    int(lf_amt_in[m]),
                    int(lf_amt_out[m]),
                    int(lf_kind[m]),
                )
        forwards: list[Forward] = []
        last_ns = -1
        for m in range(int(counters[0])):
            # MPP parts of one payment settle at distinct instants (as HTLCs do), so no two
            # forwards share a timestamp (lnpilot's store keys forwards by it).
            at_ns = max(step_start_ns + int(payments.times_s[int(f_pay[m])] * 1e9), last_ns + 1)
            last_ns = at_ns
            ch_in, ch_out = channels[int(f_in[m])], channels[int(f_out[m])]
            amt_in, amt_out = int(f_amt_in[m]), int(f_amt_out[m])
            ch_in.total_received_msat += amt_in
            ch_out.total_sent_msat += amt_out
            ch_in.num_updates += 2
            ch_out.num_updates += 2
            forwards.append(
                Forward(
                    timestamp_ns=at_ns,
                    chan_id_in=ch_in.chan_id,
                    chan_id_out=ch_out.chan_id,
                    amt_in_msat=amt_in,
                    amt_out_msat=amt_out,
                    fee_msat=int(f_fee[m]),
                    incoming_htlc_id=ch_in.take_htlc_id(),
                    outgoing_htlc_id=ch_out.take_htlc_id(),
                )
            )
        for pos, ch in enumerate(channels):
            ch.local_msat = int(o["local"][pos])
            ch.remote_msat = int(o["remote"][pos])
            ch.failed_for_liquidity = int(o["failed_out"][pos])
            ch.failed_peer_liquidity = int(o["failed_in"][pos])
            ch.succeeded_in_s = float(o["in_succ"][pos])
            ch.succeeded_out_s = float(o["out_succ"][pos])
        s = self.stats
        s.payments += n
        s.succeeded += int(np.sum(status <= kern.THROUGH))
        s.through_us += int(np.sum(status == kern.THROUGH))
        s.failed_no_route += int(np.sum(status == kern.NO_ROUTE))
        s.failed_attempts += int(np.sum(status == kern.EXHAUSTED))
        s.stale_fee_failures += int(counters[1])
        s.inactive_link_failures += int(counters[6])
        s.stale_time_lock_failures += int(counters[7])
        s.attempts += int(counters[2])
        s.public_liquidity_failures += int(counters[3])
        s.mpp_splits += int(counters[4])
        return forwards, status


def _our_arrays(channels: Sequence[SimChannel]) -> dict[str, np.ndarray]:
    def f(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    def i(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    return {
        "in_base": f([c.peer_policy.base_fee_msat for c in channels]),
        "in_ppm": f([c.peer_policy.fee_rate_ppm for c in channels]),
        "in_tld": f([c.peer_policy.time_lock_delta for c in channels]),
        "in_ok": np.array([c.active and not c.peer_policy.disabled for c in channels], dtype=np.bool_),
        "cap": f([c.capacity_sat * 1000 for c in channels]),
        "base": f([c.policy.base_fee_msat for c in channels]),
        "ppm": f([c.policy.fee_rate_ppm for c in channels]),
        "inb": f([c.policy.inbound_base_fee_msat for c in channels]),
        "inppm": f([c.policy.inbound_fee_rate_ppm for c in channels]),
        "tld": f([c.policy.time_lock_delta for c in channels]),
        "min": f([c.policy.min_htlc_msat for c in channels]),
        "max": f([c.policy.max_htlc_msat or c.capacity_sat * 1000 for c in channels]),
        # payers see a disabled policy (out_ok, with the gossiped enabled bit); the switch sees the link
        "out_ok": np.array([not c.policy.disabled and not c.closing for c in channels], dtype=np.bool_),
        "link_up": np.array([c.active for c in channels], dtype=np.bool_),
        "local": i([c.local_msat for c in channels]),
        "remote": i([c.remote_msat for c in channels]),
        "lres": i([c.local_reserve_sat * 1000 for c in channels]),
        "rres": i([c.remote_reserve_sat * 1000 for c in channels]),
        "in_succ": f([c.succeeded_in_s for c in channels]),
        "out_succ": f([c.succeeded_out_s for c in channels]),
        "failed_out": i([c.failed_for_liquidity for c in channels]),
        "failed_in": i([c.failed_peer_liquidity for c in channels]),
    }
