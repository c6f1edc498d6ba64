"""LND REST ``GET /v1/payments`` and ``GET /v1/invoices`` pages, JSON -> domain."""

from __future__ import annotations

from lnpilot.backends import lnd_wire as wire
from lnpilot.backends.payments import InvoicesPage, PaymentsPage
from lnpilot.domain.payments import NodeInvoice, NodePayment

_NS = 1_000_000_000


def parse_payment(obj: wire.Json, own_pubkey: str) -> NodePayment:
    destination, first_hop, last_hop, settled_ns = "", None, None, 0
    for attempt in wire.as_list(obj, "htlcs"):
        if wire.as_str(attempt, "status") != "SUCCEEDED":
            continue
        hops = wire.as_list(wire.as_obj(attempt, "route") or {}, "hops")
        if hops:
            first_hop, last_hop = wire.as_int(hops[0], "chan_id"), wire.as_int(hops[-1], "chan_id")
            destination = wire.as_str(hops[-1], "pub_key")
        settled_ns = max(settled_ns, wire.as_int(attempt, "resolve_time_ns"))
    created_ns = wire.as_int(obj, "creation_time_ns") or wire.as_int(obj, "creation_date") * _NS
    return NodePayment(
        payment_hash=wire.as_str(obj, "payment_hash"),
        payment_index=wire.as_int(obj, "payment_index"),
        status=wire.as_str(obj, "status") or "UNKNOWN",
        value_msat=wire.as_int(obj, "value_msat"),
        fee_msat=wire.as_int(obj, "fee_msat"),
        created_at_s=created_ns // _NS,
        settled_at_s=settled_ns // _NS,
        destination=destination,
        first_hop_chan_id=first_hop,
        last_hop_chan_id=last_hop,
        self_payment=bool(own_pubkey) and destination == own_pubkey,
    )


def parse_payments_page(obj: wire.Json, own_pubkey: str) -> PaymentsPage:
    payments = [parse_payment(p, own_pubkey) for p in wire.as_list(obj, "payments")]
    return PaymentsPage(payments, wire.as_int(obj, "last_index_offset"))


def parse_invoice(obj: wire.Json) -> NodeInvoice:
    state = wire.as_str(obj, "state") or ("SETTLED" if wire.as_bool(obj, "settled") else "OPEN")
    return NodeInvoice(
        r_hash=wire.b64_to_hex(obj, "r_hash"),
        add_index=wire.as_int(obj, "add_index"),
        state=state,
        value_msat=wire.as_int(obj, "value_msat"),
        amt_paid_msat=wire.as_int(obj, "amt_paid_msat"),
        created_at_s=wire.as_int(obj, "creation_date"),
        settled_at_s=wire.as_int(obj, "settle_date"),
        expiry_s=wire.as_int(obj, "expiry"),
        memo=wire.as_str(obj, "memo"),
    )


def parse_invoices_page(obj: wire.Json) -> InvoicesPage:
    invoices = [parse_invoice(i) for i in wire.as_list(obj, "invoices")]
    return InvoicesPage(invoices, wire.as_int(obj, "last_index_offset"))
