"""Parse an lndconnect URI, the one string Umbrel, Start9 and RaspiBlitz hand out for a node.

Format: ``lndconnect://HOST:PORT?cert=CERT&macaroon=MACAROON`` where CERT is the node's TLS
certificate as base64url DER (no padding) and MACAROON the macaroon as base64url (no padding).
``cert`` may be absent when the node presents a certificate from a public CA. lnpilot speaks LND's
REST API, so PORT must be the REST port (8080 on most installs), not gRPC's 10009.

Every error here is one ``ConfigError`` line that never repeats the URI (it carries a macaroon).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from lnpilot.errors import ConfigError

SCHEME = "lndconnect"
_WHAT = "LND_CONNECT_URI"


@dataclass(frozen=True, slots=True)
class LndConnect:
    host: str
    port: int
    cert_pem: bytes | None
    macaroon: bytes = field(repr=False)

    @property
    def rest_url(self) -> str:
        host = f"[{self.host}]" if _is_ipv6(self.host) else self.host
        return f"https://{host}:{self.port}"

    @property
    def macaroon_hex(self) -> str:
        return self.macaroon.hex()

    def write_cert(self, directory: Path) -> Path | None:
        """Write the pinned certificate where ``LndRestBackend`` can load it (a cert is not secret)."""
        if self.cert_pem is None:
            return None
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "lndconnect-tls.cert"
        if not path.is_file() or path.read_bytes() != self.cert_pem:
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(self.cert_pem)
            tmp.replace(path)
        return path


def _is_ipv6(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False


def _b64url(value: str, what: str) -> bytes:
    text = value.strip().replace("+", "-").replace("/", "_")  # tolerate standard base64 too
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{_WHAT}: {what} is not base64url") from None


def _cert_pem(raw: bytes) -> bytes:
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            cert = x509.load_pem_x509_certificate(raw)
        else:
            cert = x509.load_der_x509_certificate(raw)
    except ValueError:
        raise ConfigError(f"{_WHAT}: cert is not an X.509 certificate") from None
    return cert.public_bytes(Encoding.PEM)


def parse_lndconnect(uri: str) -> LndConnect:
    """The node address, pinned certificate and macaroon in ``uri``, or one ``ConfigError`` line."""
    text = uri.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigError(f"{_WHAT}: not an lndconnect://HOST:PORT?cert=...&macaroon=... URI") from None
    if parts.scheme.lower() != SCHEME:
        raise ConfigError(f"{_WHAT}: must start with lndconnect:// (got scheme {parts.scheme or 'none'!r})")
    if not parts.hostname:
        raise ConfigError(f"{_WHAT}: no host")
    if port is None:
        raise ConfigError(f"{_WHAT}: no port (use LND's REST port, usually 8080)")
    query = parse_qs(parts.query, keep_blank_values=True)
    for name, values in query.items():
        if len(values) > 1:
            raise ConfigError(f"{_WHAT}: {name} given {len(values)} times")
    macaroon_values = query.get("macaroon")
    if not macaroon_values or not macaroon_values[0]:
        raise ConfigError(f"{_WHAT}: no macaroon")
    macaroon = _b64url(macaroon_values[0], "macaroon")
    if not macaroon:
        raise ConfigError(f"{_WHAT}: macaroon is empty")
    cert_values = query.get("cert")
    cert = _cert_pem(_b64url(cert_values[0], "cert")) if cert_values and cert_values[0] else None
    return LndConnect(host=parts.hostname, port=port, cert_pem=cert, macaroon=macaroon)


def format_lndconnect(host: str, port: int, cert_pem: bytes | None, macaroon: bytes) -> str:
    """Build an lndconnect URI (as node packages do) from a node's address and files."""

    def enc(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    netloc = f"[{host}]:{port}" if _is_ipv6(host) else f"{host}:{port}"
    query = []
    if cert_pem is not None:
        query.append("cert=" + enc(x509.load_pem_x509_certificate(cert_pem).public_bytes(Encoding.DER)))
    query.append("macaroon=" + enc(macaroon))
    return f"{SCHEME}://{netloc}?" + "&".join(query)
