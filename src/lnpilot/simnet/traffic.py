"""The payment model: who pays whom, how much, and whether the route crosses our node.

Model (documented in docs/simnet.md):
- Payments arrive as a Poisson process (``payments_per_day``) on a fixed grid of steps, each
  step drawing from its own generator seeded by ``(seed, step)``: the draws never depend on
  our policies, so the same seed and the same policy updates give the same history, however
  the clock is advanced.
- Senders and receivers are weighted by node capacity. Senders come from a weighted sample of
  ``sender_sample`` draws (the Monte Carlo stand-in for "every node"), which is what makes
  precomputed route costs affordable.
- Amounts are log-normal (median 20,000 sat, sigma 1.6, clipped to 1 sat .. 5 M sat).
- Payers cap routing fees at 1 % + 5 sat: a route through us whose fees at our hop and at our
  peer's hop already exceed that is never tried.
- Routing: for each payment, the best route *avoiding* us (precomputed per amount bucket) is
  compared with the best route *through* us (sender -> peer i -> us -> peer j -> receiver,
  combining precomputed distances with our live fees). The cheaper wins, as in LND. A route
  through us that fails for liquidity (ours on the way out, the peer's on the way in) is
  counted and the payer retries the next candidate, as LND's mission control would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lnpilot.simnet.pathing import RISK_FACTOR, EdgeArrays, RouteCosts, hop_penalty_msat
from lnpilot.simnet.state import Forward, SimChannel

AMOUNT_BUCKETS_SAT = (2_000, 20_000, 200_000, 2_000_000)
_LOG_BUCKETS = np.log(np.asarray(AMOUNT_BUCKETS_SAT, dtype=np.float64))
MEDIAN_AMOUNT_SAT = 20_000
AMOUNT_SIGMA = 1.6
MAX_AMOUNT_SAT = 5_000_000
# What payers allow in routing fees: 1 % of the amount plus 5 sat (wallets cap fees around there).
FEE_LIMIT_PPM = 10_000
FEE_LIMIT_BASE_MSAT = 5_000
_STREAM_PAYMENTS = 0x7061


@dataclass(frozen=True, slots=True)
class TrafficConfig:
    payments_per_day: float = 20_000.0
    sender_sample: int = 128
    step_s: int = 600


@dataclass(frozen=True, slots=True)
class StepPayments:
    """The payments drawn for one step, in time order."""

    times_s: np.ndarray  # float offsets inside the step
    sender_rows: np.ndarray  # rows of the sender sample
    receivers: np.ndarray  # node indices
    amounts_msat: np.ndarray  # int64
    buckets: np.ndarray  # amount bucket per payment


class TrafficModel:
    def __init__(
        self,
        edges: EdgeArrays,
        node_weight: np.ndarray,
        peer_nodes: Sequence[int],
        *,
        seed: int,
        config: TrafficConfig,
    ) -> None:
        self.edges = edges
        self.seed = seed
        self.config = config
        self.peer_nodes = np.asarray(peer_nodes, dtype=np.int64)
        weight = np.asarray(node_weight, dtype=np.float64)
        self._recv_cdf = np.cumsum(weight / weight.sum())
        rng = np.random.default_rng([seed, 0x73656E64])
        draws = np.searchsorted(self._recv_cdf, rng.random(config.sender_sample), side="right")
        draws = np.minimum(draws, len(weight) - 1)
        senders, counts = np.unique(draws, return_counts=True)
        self.senders = senders.astype(np.int64)
        self._sender_cdf = np.cumsum(counts / counts.sum())
        self._route_costs = [RouteCosts(edges, sat * 1000.0) for sat in AMOUNT_BUCKETS_SAT]
        # Route costs avoiding us: from each sampled sender, and onwards from each of our peers.
        self.from_senders = [rc.matrix(self.senders, charge_source=False) for rc in self._route_costs]
        self.from_peers = [rc.matrix(self.peer_nodes, charge_source=True) for rc in self._route_costs]

    @property
    def route_costs(self) -> list[RouteCosts]:
        return self._route_costs

    def draw(self, step: int) -> StepPayments:
        cfg = self.config
        rng = np.random.default_rng([self.seed, _STREAM_PAYMENTS, step])
        count = int(rng.poisson(cfg.payments_per_day * cfg.step_s / 86_400))
        times = np.sort(rng.random(count) * cfg.step_s)
        rows = np.minimum(
            np.searchsorted(self._sender_cdf, rng.random(count), side="right"), len(self.senders) - 1
        )
        receivers = np.minimum(
            np.searchsorted(self._recv_cdf, rng.random(count), side="right"), len(self._recv_cdf) - 1
        )
        same = receivers == self.senders[rows]
        receivers[same] = (receivers[same] + 1) % len(self._recv_cdf)
        sats = rng.lognormal(np.log(MEDIAN_AMOUNT_SAT), AMOUNT_SIGMA, count)
        amounts = (np.clip(sats, 1, MAX_AMOUNT_SAT) * 1000).astype(np.int64)
        buckets = np.abs(np.log(amounts / 1000.0)[:, None] - _LOG_BUCKETS[None, :]).argmin(axis=1)
        return StepPayments(times, rows, receivers, amounts, buckets)

    def route_step(
        self,
        payments: StepPayments,
        channels: Sequence[SimChannel],
        step_start_ns: int,
        on_liquidity_failure: Callable[[int, SimChannel, SimChannel, int, int], None] | None = None,
    ) -> list[Forward]:
        """Settle the step's payments that our node wins; mutates the channels' balances.

        ``on_liquidity_failure(timestamp_ns, ch_in, ch_out, amt_in, amt_out)`` hears every forward
        refused for our outgoing liquidity (simnet's HTLC event stream).
        """
        n = len(payments.amounts_msat)
        if n == 0 or len(channels) < 2:
            return []
        k = len(channels)
        amt = payments.amounts_msat.astype(np.float64)[:, None]  # (n, 1)
        senders = self.senders[payments.sender_rows]
        to_peer = np.empty((n, k))
        onward = np.empty((n, k))
        alt = np.empty(n)
        for b in range(len(AMOUNT_BUCKETS_SAT)):
            sel = payments.buckets == b
            if not sel.any():
                continue
            rows = payments.sender_rows[sel]
            to_peer[sel] = self.from_senders[b][np.ix_(rows, self.peer_nodes)]
            onward[sel] = self.from_peers[b][:, payments.receivers[sel]].T
            alt[sel] = self.from_senders[b][rows, payments.receivers[sel]]
        penalty = hop_penalty_msat(amt)
        peer_base = np.array([c.peer_policy.base_fee_msat for c in channels], dtype=np.float64)
        peer_ppm = np.array([c.peer_policy.fee_rate_ppm for c in channels], dtype=np.float64)
        peer_tld = np.array([c.peer_policy.time_lock_delta for c in channels], dtype=np.float64)
        our_base = np.array([c.policy.base_fee_msat for c in channels], dtype=np.float64)
        our_ppm = np.array([c.policy.fee_rate_ppm for c in channels], dtype=np.float64)
        our_tld = np.array([c.policy.time_lock_delta for c in channels], dtype=np.float64)
        in_base = np.array([c.policy.inbound_base_fee_msat for c in channels], dtype=np.float64)
        in_ppm = np.array([c.policy.inbound_fee_rate_ppm for c in channels], dtype=np.float64)
        min_htlc = np.array([c.policy.min_htlc_msat for c in channels], dtype=np.float64)
        max_htlc = np.array([c.policy.max_htlc_msat for c in channels], dtype=np.float64)
        cap = np.array([c.capacity_sat * 1000 for c in channels], dtype=np.float64)
        in_ok = np.array([c.active and not c.peer_policy.disabled for c in channels])
        out_ok = np.array([c.active and not c.policy.disabled for c in channels])

        sender_is_peer = senders[:, None] == self.peer_nodes[None, :]
        in_fee = np.where(sender_is_peer, 0.0, peer_base + np.floor(amt * peer_ppm / 1e6))
        in_cost = to_peer + in_fee + amt * peer_tld * RISK_FACTOR + penalty
        in_cost = np.where(in_ok[None, :] & (amt <= cap[None, :]), in_cost, np.inf)
        out_fee = our_base + np.floor(amt * our_ppm / 1e6)  # (n, k)
        passable = out_ok[None, :] & (amt >= min_htlc) & (amt <= max_htlc) & (amt <= cap[None, :])
        out_cost = np.where(passable, amt * our_tld * RISK_FACTOR + penalty + onward, np.inf)
        inbound = in_base + np.ceil(amt * in_ppm / 1e6)  # (n, k) on the incoming channel, <= 0
        fee = np.maximum(0.0, out_fee[:, None, :] + inbound[:, :, None])  # (n, in, out)
        total = in_cost[:, :, None] + fee + out_cost[:, None, :]
        # The payer's fee budget, checked on the two hops whose fees we know exactly (ours and
        # our peer's on the way in): a route through us that already overshoots is never tried.
        budget = (FEE_LIMIT_BASE_MSAT + amt * FEE_LIMIT_PPM / 1e6)[:, :, None]
        total = np.where(in_fee[:, :, None] + fee <= budget, total, np.inf)
        total[:, np.arange(k), np.arange(k)] = np.inf
        best = total.reshape(n, -1).min(axis=1)
        forwards: list[Forward] = []
        for p in np.flatnonzero(best < alt):
            order = np.argsort(total[p].ravel(), kind="stable")
            # After a temporary channel failure LND's mission control avoids that hop for the
            # rest of the payment: each channel fails a payment at most once.
            dead_out: set[int] = set()
            dead_in: set[int] = set()
            for flat in order:
                cost = total[p].flat[flat]
                if not cost < alt[p]:
                    break
                i, j = divmod(int(flat), k)
                if i in dead_in or j in dead_out:
                    continue
                amt_out = int(payments.amounts_msat[p])
                fee_msat = int(fee[p, i, j])
                amt_in = amt_out + fee_msat
                ch_in, ch_out = channels[i], channels[j]
                if ch_out.can_send_msat() < amt_out:
                    ch_out.failed_for_liquidity += 1
                    if on_liquidity_failure is not None:
                        at_ns = step_start_ns + int(payments.times_s[p] * 1e9)
                        on_liquidity_failure(at_ns, ch_in, ch_out, amt_in, amt_out)
                    dead_out.add(j)
                    continue
                if ch_in.can_receive_msat() < amt_in:
                    ch_in.failed_peer_liquidity += 1
                    dead_in.add(i)
                    continue
                ch_in.remote_msat -= amt_in
                ch_in.local_msat += amt_in
                ch_out.local_msat -= amt_out
                ch_out.remote_msat += amt_out
                ch_in.total_received_msat += amt_in
                ch_out.total_sent_msat += amt_out
                ch_in.num_updates += 2
                ch_out.num_updates += 2
                forwards.append(
                    Forward(
                        timestamp_ns=step_start_ns + int(payments.times_s[p] * 1e9),
                        chan_id_in=ch_in.chan_id,
                        chan_id_out=ch_out.chan_id,
                        amt_in_msat=amt_in,
                        amt_out_msat=amt_out,
                        fee_msat=fee_msat,
                        incoming_htlc_id=ch_in.take_htlc_id(),
                        outgoing_htlc_id=ch_out.take_htlc_id(),
                    )
                )
                break
        return forwards
