"""Invoices on our node and payments to them: circular rebalances over the simulated graph.

A self-payment leaves through the first of ``outgoing_chan_ids``, crosses the public graph on
the cheapest route (LND's weights, at the exact amount) to the peer named by
``last_hop_pubkey`` and comes back over our channel with that peer. Every hop but ours charges
its fee, accumulated backwards from the last hop as in a real onion; the route must fit the
fee limit and both of our channels' balances, or the payment fails the way LND reports it.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager
from typing import Any, Protocol

import numpy as np

from lnpilot.domain.graph import GraphNode
from lnpilot.errors import InvalidInputError, NotFoundError
from lnpilot.simnet.bolt11 import encode_invoice, node_private_key
from lnpilot.simnet.network import Network
from lnpilot.simnet.pathing import RouteCosts, path_edges
from lnpilot.simnet.state import RouteHop, SimChannel, SimInvoice, SimPayment


class _Seeded(Protocol):
    @property
    def seed(self) -> int: ...


class Simulation(Protocol):
    """What the payment book reads of ``engine.Simulation`` (which imports this module: the arrow
    points one way, so this module names the engine only through this protocol)."""

    @property
    def config(self) -> _Seeded: ...
    @property
    def lock(self) -> AbstractContextManager[Any]: ...
    @property
    def network(self) -> Network: ...
    @property
    def node(self) -> GraphNode: ...
    @property
    def channels(self) -> list[SimChannel]: ...
    @property
    def now_s(self) -> int: ...
    @property
    def now_ns(self) -> int: ...
    @property
    def block_height(self) -> int: ...
    def channel_by_id(self, chan_id: int) -> SimChannel: ...


FINAL_CLTV_DELTA = 40
DEFAULT_INVOICE_EXPIRY_S = 86_400
_STREAM_INVOICES = 0x696E
_STREAM_PAYMENTS = 0x7061


class PaymentError(InvalidInputError):
    """A send request LND would refuse outright (before any attempt)."""


class PaymentBook:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.invoices: list[SimInvoice] = []
        self._by_hash: dict[bytes, SimInvoice] = {}
        self._by_request: dict[str, SimInvoice] = {}
        self.payments: list[SimPayment] = []
        self.rebalance_fees_msat = 0
        # Ground truth of payments with other nodes: received on invoices, sent, fees paid.
        self.invoices_received_msat = 0
        self.payments_sent_msat = 0
        self.payment_fees_msat = 0
        self._settle_index = 0
        self._node_key = node_private_key(sim.config.seed)

    # --- invoices ---------------------------------------------------------------------------
    def add_invoice(self, value_msat: int, memo: str = "", expiry_s: int = 0) -> SimInvoice:
        if value_msat < 0:
            raise InvalidInputError("invoice value must not be negative")
        with self.sim.lock:
            add_index = len(self.invoices) + 1
            rng = np.random.default_rng([self.sim.config.seed, _STREAM_INVOICES, add_index])
            preimage = bytes(rng.integers(0, 256, 32, dtype=np.uint8))
            payment_addr = bytes(rng.integers(0, 256, 32, dtype=np.uint8))
            r_hash = hashlib.sha256(preimage).digest()
            request = encode_invoice(
                private_key=self._node_key,
                payment_hash=r_hash,
                payment_secret=payment_addr,
                amount_msat=value_msat,
                timestamp_s=self.sim.now_s,
                description=memo,
                expiry_s=expiry_s or DEFAULT_INVOICE_EXPIRY_S,
                min_final_cltv=FINAL_CLTV_DELTA,
            )
            invoice = SimInvoice(
                r_hash=r_hash,
                r_preimage=preimage,
                payment_addr=payment_addr,
                payment_request=request,
                value_msat=value_msat,
                memo=memo,
                creation_date_s=self.sim.now_s,
                expiry_s=expiry_s or DEFAULT_INVOICE_EXPIRY_S,
                cltv_expiry=FINAL_CLTV_DELTA,
                add_index=add_index,
            )
            self.invoices.append(invoice)
            self._by_hash[r_hash] = invoice
            self._by_request[request] = invoice
            return invoice

    def invoice_by_hash(self, r_hash: bytes) -> SimInvoice:
        try:
            return self._by_hash[r_hash]
        except KeyError:
            raise NotFoundError("unable to locate invoice") from None

    # --- payments ---------------------------------------------------------------------------
    def pay(
        self,
        payment_request: str,
        *,
        amount_msat: int = 0,
        outgoing_chan_ids: list[int],
        last_hop_pubkey: str,
        fee_limit_msat: int,
        allow_self_payment: bool,
    ) -> SimPayment:
        sim = self.sim
        invoice = self._by_request.get(payment_request)
        if invoice is None:
            raise PaymentError("simnet pays only invoices of its own node (circular rebalances)")
        if not allow_self_payment:
            raise PaymentError("no self-payment allowed")
        value_msat = invoice.value_msat or amount_msat
        if value_msat <= 0:
            raise PaymentError("amount must be specified when paying a zero amount invoice")
        if invoice.settled:
            raise PaymentError("invoice is already paid")
        if not outgoing_chan_ids:
            raise PaymentError("simnet needs outgoing_chan_ids for a self-payment")
        if fee_limit_msat < 0:
            raise PaymentError("fee limit must not be negative")
        with sim.lock:
            out = sim.channel_by_id(outgoing_chan_ids[0])
            back = self._channel_with(last_hop_pubkey)
            payment = SimPayment(
                payment_hash=invoice.r_hash,
                payment_request=payment_request,
                value_msat=value_msat,
                creation_time_ns=sim.now_ns,
                payment_index=len(self.payments) + 1,
                status="FAILED",
            )
            self.payments.append(payment)
            routed = self._route(out, back, value_msat)
            if routed is None:
                payment.failure_reason = "FAILURE_REASON_NO_ROUTE"
                return payment
            hops, timelock = routed
            fee_msat = sum(h.fee_msat for h in hops)
            if fee_msat > fee_limit_msat:
                # LND prunes routes over the fee limit while searching: the cheapest-fee route
                # is the one it can still find when the best-weighted one costs too much.
                cheapest = self._route(out, back, value_msat, fees_only=True)
                if cheapest is not None:
                    hops, timelock = cheapest
                    fee_msat = sum(h.fee_msat for h in hops)
            sent_msat = value_msat + fee_msat
            fits = fee_msat <= fee_limit_msat
            if not fits or out.can_send_msat() < sent_msat or back.can_receive_msat() < value_msat:
                payment.failure_reason = "FAILURE_REASON_NO_ROUTE"
                return payment
            out.local_msat -= sent_msat
            out.remote_msat += sent_msat
            out.total_sent_msat += sent_msat
            back.remote_msat -= value_msat
            back.local_msat += value_msat
            back.total_received_msat += value_msat
            out.num_updates += 2
            back.num_updates += 2
            self._settle(invoice, value_msat)
            payment.status = "SUCCEEDED"
            payment.fee_msat = fee_msat
            payment.preimage = invoice.r_preimage
            payment.route = tuple(hops)
            payment.total_time_lock = timelock
            self.rebalance_fees_msat += fee_msat
            return payment

    # --- payments to and from other nodes (the control surface: /simnet/pay, /simnet/receive) ---
    def receive(self, value_msat: int, memo: str = "") -> tuple[SimInvoice, SimChannel]:
        """An invoice of ours, paid at once by a node out in the graph: it arrives over the active
        channel whose peer side can send the most (ties: the lowest chan_id). The payer pays
        the route's fees; our balance grows by the amount."""
        if value_msat <= 0:
            raise PaymentError("amount_msat must be positive")
        sim = self.sim
        with sim.lock:
            candidates = [c for c in sim.channels if c.active and c.can_receive_msat() >= value_msat]
            if not candidates:
                raise PaymentError(f"no channel of ours can receive {value_msat} msat now")
            back = max(candidates, key=lambda c: (c.can_receive_msat(), -c.chan_id))
            invoice = self.add_invoice(value_msat, memo)
            back.remote_msat -= value_msat
            back.local_msat += value_msat
            back.total_received_msat += value_msat
            back.num_updates += 2
            self._settle(invoice, value_msat)
            self.invoices_received_msat += value_msat
            return invoice, back

    def pay_node(self, dest_pubkey: str, value_msat: int, fee_limit_msat: int) -> SimPayment:
        """A keysend-like payment of ``value_msat`` to a node of the graph: out of the active
        channel whose route is cheapest (ties: the lowest chan_id), fees accumulated backwards.
        No route within the fee limit and our balance: FAILED, ``FAILURE_REASON_NO_ROUTE``."""
        sim = self.sim
        dest = sim.network.index.get(dest_pubkey)
        if dest is None or dest_pubkey == sim.node.pub_key:
            raise PaymentError(f"unknown destination {dest_pubkey!r} (a node of the graph, not us)")
        if value_msat <= 0 or fee_limit_msat < 0:
            raise PaymentError("amount_msat must be positive and fee_limit_msat not negative")
        with sim.lock:
            index = len(self.payments) + 1
            rng = np.random.default_rng([sim.config.seed, _STREAM_PAYMENTS, index])
            preimage = bytes(rng.integers(0, 256, 32, dtype=np.uint8))
            payment = SimPayment(
                payment_hash=hashlib.sha256(preimage).digest(),
                payment_request="",
                value_msat=value_msat,
                creation_time_ns=sim.now_ns,
                payment_index=index,
                status="FAILED",
                failure_reason="FAILURE_REASON_NO_ROUTE",
            )
            self.payments.append(payment)
            best: tuple[int, int, SimChannel, list[RouteHop], int] | None = None
            for out in sim.channels:
                legs = self._public_legs(out, dest, value_msat)
                if legs is None:
                    continue
                hops, timelock = self._hops(legs, value_msat)
                fee = sum(h.fee_msat for h in hops)
                if fee > fee_limit_msat or out.can_send_msat() < value_msat + fee:
                    continue
                if best is None or (fee, out.chan_id) < (best[0], best[1]):
                    best = (fee, out.chan_id, out, hops, timelock)
            if best is None:
                return payment
            fee, _, out, hops, timelock = best
            out.local_msat -= value_msat + fee
            out.remote_msat += value_msat + fee
            out.total_sent_msat += value_msat + fee
            out.num_updates += 2
            payment.status = "SUCCEEDED"
            payment.failure_reason = "FAILURE_REASON_NONE"
            payment.fee_msat = fee
            payment.preimage = preimage
            payment.route = tuple(hops)
            payment.total_time_lock = timelock
            self.payments_sent_msat += value_msat
            self.payment_fees_msat += fee
            return payment

    def _settle(self, invoice: SimInvoice, paid_msat: int) -> None:
        invoice.settled = True
        self._settle_index += 1
        invoice.settle_index = self._settle_index
        invoice.settle_date_s = self.sim.now_s
        invoice.amt_paid_msat = paid_msat

    def _channel_with(self, pubkey_hex: str) -> SimChannel:
        for ch in self.sim.channels:
            if ch.peer_pubkey == pubkey_hex:
                return ch
        raise PaymentError(f"no channel to last hop {pubkey_hex}")

    def _route(
        self, out: SimChannel, back: SimChannel, value_msat: int, *, fees_only: bool = False
    ) -> tuple[list[RouteHop], int] | None:
        """Hops from our node back to it, fees accumulated from the receiver backwards."""
        if out is back or not back.active or back.peer_policy.disabled:
            return None
        legs = self._public_legs(out, back.peer_index, value_msat, fees_only=fees_only)
        if legs is None:
            return None
        pol = back.peer_policy
        legs.append(
            (
                back.chan_id,
                self.sim.node.pub_key,
                back.capacity_sat,
                pol.base_fee_msat,
                pol.fee_rate_ppm,
                pol.time_lock_delta,
            )
        )
        return self._hops(legs, value_msat)

    def _public_legs(
        self, out: SimChannel, dest_index: int, value_msat: int, *, fees_only: bool = False
    ) -> list[tuple[int, str, int, int, int, int]] | None:
        """Our channel ``out``, then the cheapest public route from its peer to ``dest_index``:
        (chan_id, next node pubkey, capacity, policy of the hop's sender as base/ppm/tld)."""
        sim = self.sim
        if not out.active:
            return None
        edges = sim.network.edges
        legs: list[tuple[int, str, int, int, int, int]] = [
            (out.chan_id, out.peer_pubkey, out.capacity_sat, 0, 0, 0)
        ]
        if dest_index == out.peer_index:
            return legs
        costs = RouteCosts(edges, float(value_msat), fees_only=fees_only)
        dist, pred = costs.from_source(out.peer_index, charge_source=True)
        if not np.isfinite(dist[dest_index]):
            return None
        for e in path_edges(pred, edges, out.peer_index, dest_index):
            legs.append(
                (
                    int(edges.chan_id[e]),
                    sim.network.pubkeys[int(edges.dst[e])],
                    int(edges.capacity_msat[e] // 1000),
                    int(edges.base_msat[e]),
                    int(edges.ppm[e]),
                    int(edges.time_lock_delta[e]),
                )
            )
        return legs

    def _hops(
        self, legs: list[tuple[int, str, int, int, int, int]], value_msat: int
    ) -> tuple[list[RouteHop], int]:
        sim = self.sim
        # Node k forwards over leg k + 1 with the policy stored there; walk back from the last hop.
        n = len(legs)
        amt_fwd = [0] * n
        fees = [0] * n
        expiry = [0] * n
        htlc_msat = value_msat
        cltv = sim.block_height + FINAL_CLTV_DELTA
        amt_fwd[n - 1], expiry[n - 1] = htlc_msat, cltv
        for k in range(n - 2, -1, -1):
            _, _, _, base, ppm, tld = legs[k + 1]
            amt_fwd[k], expiry[k] = htlc_msat, cltv
            fees[k] = base + htlc_msat * ppm // 1_000_000
            htlc_msat += fees[k]
            cltv += tld
        hops = [
            RouteHop(
                chan_id=leg[0],
                pub_key=leg[1],
                capacity_sat=leg[2],
                amt_to_forward_msat=amt_fwd[k],
                fee_msat=fees[k],
                expiry=expiry[k],
            )
            for k, leg in enumerate(legs)
        ]
        return hops, cltv
