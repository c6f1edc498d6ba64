"""API keys: only a SHA-256 of each key is stored; the key itself is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update

from lnpilot.errors import InvalidInputError
from lnpilot.store.records import ApiKeyRecord
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import api_keys as t

SCOPES = ("read", "admin")
_PREFIX = "lnp_"


def hash_key(key: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 cannot be brute-forced; no salt or
    # slow hash is needed, and the hash stays an exact-match index lookup.
    return hashlib.sha256(key.encode()).hexdigest()


def _record(row: Mapping[Any, Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        scope=row["scope"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class ApiKeyRepository(Repository):
    async def create(self, name: str, scope: str, now: int) -> tuple[ApiKeyRecord, str]:
        """Store a new key; returns its record and the plaintext key (not retrievable later)."""
        if scope not in SCOPES:
            raise InvalidInputError(f"API key scope must be 'read' or 'admin', not {scope!r}")
        if not name.strip():
            raise InvalidInputError("API key name must not be empty")
        key = _PREFIX + secrets.token_urlsafe(32)
        result = await self._conn.execute(
            t.insert().values(
                name=name.strip(), prefix=key[:10], key_hash=hash_key(key), scope=scope, created_at=now
            )
        )
        key_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return ApiKeyRecord(id=key_id, name=name.strip(), prefix=key[:10], scope=scope, created_at=now), key

    async def authenticate(self, key: str, now: int) -> ApiKeyRecord | None:
        """The active key matching ``key`` (its last use set to ``now``), or None."""
        row = (await self._conn.execute(select(t).where(t.c.key_hash == hash_key(key)))).mappings().first()
        if row is None or row["revoked_at"] is not None:
            return None
        await self._conn.execute(update(t).where(t.c.id == row["id"]).values(last_used_at=now))
        return _record({**row, "last_used_at": now})

    async def revoke(self, key_id: int, now: int) -> bool:
        query = update(t).where(t.c.id == key_id, t.c.revoked_at.is_(None)).values(revoked_at=now)
        return (await self._conn.execute(query)).rowcount > 0

    async def all(self) -> list[ApiKeyRecord]:
        return [_record(r) for r in (await self._conn.execute(select(t).order_by(t.c.id))).mappings()]
