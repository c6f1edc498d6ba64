"""API keys: generated once, shown once, stored only as a SHA-256 digest.

A key is ``lnp_<id>_<secret>``; the id (8 hex chars) is kept in clear so operators can list and
revoke keys; the digest of the whole key is what is compared (constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    READ = "read"
    ADMIN = "admin"

    def allows(self, required: Scope) -> bool:
        return self is Scope.ADMIN or required is Scope.READ


@dataclass(frozen=True, slots=True)
class NewApiKey:
    key_id: str
    secret_key: str  # shown once, never stored
    digest: str


def generate_key() -> NewApiKey:
    key_id = secrets.token_hex(4)
    secret_key = f"lnp_{key_id}_{secrets.token_urlsafe(32)}"
    return NewApiKey(key_id, secret_key, digest_of(secret_key))


def digest_of(secret_key: str) -> str:
    return hashlib.sha256(secret_key.encode()).hexdigest()


def key_id_of(secret_key: str) -> str | None:
    parts = secret_key.split("_", 2)
    if len(parts) != 3 or parts[0] != "lnp" or len(parts[1]) != 8:
        return None
    return parts[1]


def digests_match(stored: str, presented_key: str) -> bool:
    return hmac.compare_digest(stored, digest_of(presented_key))
