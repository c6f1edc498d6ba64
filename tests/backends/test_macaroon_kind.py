"""Kind of a macaroon from its LND permissions, else from its file name."""

from __future__ import annotations

import pytest
from pymacaroons import Macaroon

from lnpilot.backends.macaroon_kind import infer_kind, permissions
from tests.backends.macaroon_factory import ADMIN_OPS, INVOICE_OPS, READONLY_OPS, lnd_macaroon


@pytest.mark.parametrize(
    ("ops", "kind"),
    [
        (ADMIN_OPS, "admin"),
        (READONLY_OPS, "readonly"),
        (INVOICE_OPS, "invoice"),
        ({"peers": ["write"], "info": ["read"]}, "custom"),
    ],
)
def test_kind_from_permissions(ops: dict[str, list[str]], kind: str) -> None:
    mac = lnd_macaroon(ops)
    assert infer_kind(mac, "misleading-admin.macaroon") == kind
    assert ("info", "read") in permissions(lnd_macaroon(READONLY_OPS))


def _raw(identifier: bytes) -> bytes:
    import base64

    text = Macaroon(location="x", identifier=identifier, key=b"k" * 32, version=2).serialize()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize(
    "raw",
    [
        b"not a macaroon",
        _raw(b"text-identifier/info:read"),  # simnet-style identifier, not LND's protobuf
        _raw(b"\x03\x1a\xff"),  # truncated length
        _raw(b"\x03\x1d"),  # wire type 5 is not used by LND's ids
        _raw(b"\x03\x08\x96"),  # truncated varint
    ],
)
def test_unreadable_identifiers_fall_back_to_file_name(raw: bytes) -> None:
    assert infer_kind(raw, "/x/readonly.macaroon") == "readonly"
    assert infer_kind(raw, "mine.bin") == "unknown"


def test_varint_field_is_skipped() -> None:
    assert infer_kind(_raw(b"\x03\x08\x01" + lnd_macaroon(READONLY_OPS)[:0]), "") == "unknown"
