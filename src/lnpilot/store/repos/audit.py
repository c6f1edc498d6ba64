"""The audit log: who did what to which target, append-only."""

from __future__ import annotations

from sqlalchemy import select

from lnpilot.store.records import AuditEntry
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import audit_log as t


class AuditRepository(Repository):
    async def add(self, entry: AuditEntry) -> int:
        result = await self._conn.execute(
            t.insert().values(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                target=entry.target,
                details=entry.details,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def exists(self, *, actor: str, action: str, target: str) -> bool:
        query = select(t.c.id).where(t.c.actor == actor, t.c.action == action, t.c.target == target).limit(1)
        return (await self._conn.execute(query)).first() is not None

    async def recent(
        self, limit: int = 100, action: str | None = None, since: int | None = None
    ) -> list[AuditEntry]:
        """Entries newest first."""
        query = select(t)
        if action is not None:
            query = query.where(t.c.action == action)
        if since is not None:
            query = query.where(t.c.at >= since)
        rows = (
            await self._conn.execute(query.order_by(t.c.at.desc(), t.c.id.desc()).limit(limit))
        ).mappings()
        return [
            AuditEntry(
                id=r["id"],
                at=r["at"],
                actor=r["actor"],
                action=r["action"],
                target=r["target"],
                details=r["details"],
            )
            for r in rows
        ]
