"""What a macaroon allows, read from its identifier (LND's ``MacaroonId`` protobuf), never shown.

LND macaroon identifiers are a version byte (3) followed by a protobuf with repeated
``ops {entity, actions}``; the permissions name the kind: ``offchain:write`` is admin, no write
at all is read-only, ``invoices:write`` without ``offchain:write`` is an invoice macaroon.
When the identifier cannot be read, the file name decides (``admin.macaroon`` -> ``admin``).
"""

from __future__ import annotations

import base64
from pathlib import PurePath

KNOWN_KINDS = ("admin", "readonly", "invoice")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes) -> list[tuple[int, bytes]]:
    """Length-delimited fields of a protobuf message (the only wire type LND's ids use)."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        tag, pos = _varint(data, pos)
        if tag & 7 == 0:
            _, pos = _varint(data, pos)
            continue
        if tag & 7 != 2:
            raise ValueError("unexpected wire type")
        length, pos = _varint(data, pos)
        if pos + length > len(data):
            raise ValueError("truncated field")
        out.append((tag >> 3, data[pos : pos + length]))
        pos += length
    return out


def permissions(macaroon: bytes) -> set[tuple[str, str]]:
    """``{(entity, action)}`` granted by an LND macaroon; ValueError when it is not one."""
    from pymacaroons import Macaroon

    try:
        parsed = Macaroon.deserialize(base64.urlsafe_b64encode(macaroon).decode())
        identifier = parsed.identifier_bytes
    except Exception as exc:  # pymacaroons raises assorted types for foreign input
        raise ValueError("not a macaroon") from exc
    if not identifier or identifier[0] != 3:
        raise ValueError("not an LND macaroon identifier")
    perms: set[tuple[str, str]] = set()
    for number, op in _fields(identifier[1:]):
        if number != 3:
            continue
        entity = ""
        actions: list[str] = []
        for sub, value in _fields(op):
            if sub == 1:
                entity = value.decode()
            elif sub == 2:
                actions.append(value.decode())
        perms.update((entity, action) for action in actions)
    return perms


def infer_kind(macaroon: bytes, source_name: str = "") -> str:
    try:
        perms = permissions(macaroon)
    except ValueError:
        perms = set()
    if perms:
        if ("offchain", "write") in perms:
            return "admin"
        if not any(action == "write" for _, action in perms):
            return "readonly"
        if ("invoices", "write") in perms:
            return "invoice"
        return "custom"
    stem = PurePath(source_name).name.split(".")[0].lower()
    return stem if stem in KNOWN_KINDS else "unknown"
