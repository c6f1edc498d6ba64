"""LND REST on chain: ``GET /v1/transactions``, ``GET /v1/channels/pending`` and the
``DELETE /v1/channels/{funding_txid}/{output_index}`` close stream, JSON <-> domain."""

from __future__ import annotations

import base64

from lnpilot.backends import lnd_wire as wire
from lnpilot.backends.base import BackendError
from lnpilot.backends.chain import CloseStarted, PendingClose
from lnpilot.domain.node import ChainTransaction


def parse_transactions(obj: wire.Json) -> list[ChainTransaction]:
    return [
        ChainTransaction(
            tx_hash=wire.as_str(t, "tx_hash"),
            amount_sat=wire.as_int(t, "amount"),
            total_fees_sat=wire.as_int(t, "total_fees"),
            block_height=wire.as_int(t, "block_height"),
            time_stamp_s=wire.as_int(t, "time_stamp"),
            label=wire.as_str(t, "label"),
        )
        for t in wire.as_list(obj, "transactions")
    ]


def _txid_from_bytes_b64(value: str) -> str:
    """LND sends txids as bytes in internal (little-endian) order; people read them reversed."""
    return base64.b64decode(value)[::-1].hex()


def parse_pending_closes(obj: wire.Json) -> list[PendingClose]:
    out: list[PendingClose] = []
    for key, kind in (
        ("waiting_close_channels", "waiting_close"),
        ("pending_closing_channels", "pending_closing"),
        ("pending_force_closing_channels", "pending_force_closing"),
    ):
        for entry in wire.as_list(obj, key):
            channel = wire.as_obj(entry, "channel") or {}
            txid = wire.as_str(entry, "closing_txid")
            if not txid:
                commitments = wire.as_obj(entry, "commitments") or {}
                txid = wire.as_str(commitments, "local_txid")
            out.append(PendingClose(wire.as_str(channel, "channel_point"), txid, kind))
    return out


def parse_close_update(line: str, channel_point: str) -> CloseStarted | None:
    """One NDJSON line of the close stream; the first ``close_pending`` is what we wait for."""
    line = line.strip()
    if not line:
        return None
    data = wire.load_json(line)
    error = wire.as_obj(data, "error")
    if error is not None:
        raise BackendError(f"LND refused to close {channel_point}: {wire.as_str(error, 'message')}")
    result = wire.as_obj(data, "result") or data
    pending = wire.as_obj(result, "close_pending")
    if pending is None:
        closed = wire.as_obj(result, "chan_close")
        if closed is None:
            return None
        txid = _txid_from_bytes_b64(wire.as_str(closed, "closing_txid"))
        return CloseStarted(channel_point, txid, None)
    txid = _txid_from_bytes_b64(wire.as_str(pending, "txid"))
    fee = wire.as_int(pending, "fee_per_vbyte")
    return CloseStarted(channel_point, txid, fee or None)
