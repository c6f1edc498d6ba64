"""Build LND-shaped macaroons (identifier = 0x03 + MacaroonId protobuf) for tests."""

from __future__ import annotations

import base64

from pymacaroons import Macaroon


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def lnd_macaroon(ops: dict[str, list[str]], root_key: bytes = b"k" * 32) -> bytes:
    """A v2 binary macaroon granting ``ops`` (entity -> actions), as LND writes it to disk."""
    body = _field(1, b"n" * 16) + _field(2, b"0")
    for entity, actions in ops.items():
        op = _field(1, entity.encode()) + b"".join(_field(2, a.encode()) for a in actions)
        body += _field(3, op)
    identifier = b"\x03" + body
    mac = Macaroon(location="lnd", identifier=identifier, key=root_key, version=2)
    text = mac.serialize()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


ADMIN_OPS = {
    "offchain": ["read", "write"],
    "onchain": ["read", "write"],
    "invoices": ["read", "write"],
    "info": ["read", "write"],
    "peers": ["read", "write"],
}
READONLY_OPS = {"offchain": ["read"], "onchain": ["read"], "invoices": ["read"], "info": ["read"]}
INVOICE_OPS = {"invoices": ["read", "write"], "address": ["read", "write"], "onchain": ["read"]}
