"""Macaroons as LND hands them out: admin, readonly and invoice, signed with a root key in lnddir.

The permissions (LND's ``entity:action`` pairs) travel in the macaroon's identifier, so a
changed identifier breaks the signature; verification recomputes the HMAC chain with the root
key. Errors carry LND's messages and never the macaroon itself.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pymacaroons import MACAROON_V2, Macaroon, Verifier
from pymacaroons.serializers import BinarySerializer

ROOT_KEY_FILE = "simnet-macaroon-root.key"
LOCATION = "lnd"
_READ = (
    "info:read",
    "offchain:read",
    "onchain:read",
    "invoices:read",
    "peers:read",
    "address:read",
    "message:read",
)
PERMISSIONS: dict[str, frozenset[str]] = {
    "readonly": frozenset(_READ),
    "invoice": frozenset(
        ("invoices:read", "invoices:write", "address:read", "address:write", "onchain:read")
    ),
    "admin": frozenset(
        (
            *_READ,
            "offchain:write",
            "onchain:write",
            "invoices:write",
            "peers:write",
            "address:write",
            "message:write",
            "simnet:control",
        )
    ),
}


class MacaroonError(Exception):
    """Refused: ``message`` is LND's text for the failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class MacaroonFiles:
    admin: Path
    readonly: Path
    invoice: Path


def _root_key(lnddir: Path) -> bytes:
    path = lnddir / ROOT_KEY_FILE
    if path.exists():
        return path.read_bytes()
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def bake(root_key: bytes, kind: str) -> bytes:
    ops = ",".join(sorted(PERMISSIONS[kind]))
    identifier = f"simnet/{secrets.token_hex(8)}/{ops}"
    mac = Macaroon(location=LOCATION, identifier=identifier, key=root_key, version=MACAROON_V2)
    data: bytes = BinarySerializer().serialize_raw(mac)
    return data


def write_macaroons(lnddir: Path) -> tuple[bytes, MacaroonFiles]:
    """Create (or reuse) the root key and write the three macaroon files; returns the root key."""
    lnddir.mkdir(parents=True, exist_ok=True)
    root = _root_key(lnddir)
    paths = MacaroonFiles(
        lnddir / "admin.macaroon", lnddir / "readonly.macaroon", lnddir / "invoice.macaroon"
    )
    for kind, path in (("admin", paths.admin), ("readonly", paths.readonly), ("invoice", paths.invoice)):
        if not path.exists():
            path.write_bytes(bake(root, kind))
            path.chmod(0o600)
    return root, paths


class MacaroonChecker:
    def __init__(self, root_key: bytes) -> None:
        self._root_key = root_key

    def __repr__(self) -> str:
        return "MacaroonChecker(<root key hidden>)"

    def permissions(self, header: str | None) -> frozenset[str]:
        """The ops the macaroon in ``Grpc-Metadata-macaroon`` grants; raises MacaroonError."""
        if not header:
            raise MacaroonError("expected 1 macaroon, got 0")
        try:
            raw = bytes.fromhex(header.strip())
            mac = BinarySerializer().deserialize_raw(raw)
        except Exception:  # pymacaroons raises assorted errors on garbage
            raise MacaroonError("unable to decode macaroon: invalid macaroon") from None
        verifier = Verifier()
        verifier.satisfy_general(lambda _caveat: False)
        try:
            verifier.verify(mac, self._root_key)
        except Exception:
            raise MacaroonError("verification failed: signature mismatch after caveat verification") from None
        identifier = mac.identifier
        text = identifier.decode() if isinstance(identifier, bytes) else str(identifier)
        _, _, ops = text.rpartition("/")
        return frozenset(op for op in ops.split(",") if op)

    def require(self, header: str | None, needed: str) -> None:
        if needed not in self.permissions(header):
            raise MacaroonError("permission denied")
