"""Operator overrides kept in the database: the blacklist and per-channel pins and fee bounds.

The settings TOML holds the same kinds of entries; callers merge both (the stricter wins).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from lnpilot.errors import InvalidInputError
from lnpilot.store.codec import chan_from_db, chan_to_db
from lnpilot.store.records import BlacklistEntry, ChannelOverrideRecord
from lnpilot.store.repos.base import Repository
from lnpilot.store.repos.upsert import upsert
from lnpilot.store.tables import blacklist, channel_overrides

_KINDS = ("channel", "peer")


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise InvalidInputError(f"blacklist kind must be 'channel' or 'peer', not {kind!r}")


def _override(row: Mapping[Any, Any]) -> ChannelOverrideRecord:
    return ChannelOverrideRecord(
        chan_id=chan_from_db(row["chan_id"]),
        pin=row["pin"],
        exclude=row["exclude"],
        fee_rate_min_ppm=row["fee_rate_min_ppm"],
        fee_rate_max_ppm=row["fee_rate_max_ppm"],
        updated_at=row["updated_at"],
    )


class OverrideRepository(Repository):
    async def blacklist_add(self, entry: BlacklistEntry) -> None:
        _check_kind(entry.kind)
        row = {"kind": entry.kind, "value": entry.value, "reason": entry.reason, "added_at": entry.added_at}
        await upsert(self._conn, blacklist, row, keys=("kind", "value"))

    async def blacklist_remove(self, kind: str, value: str) -> bool:
        _check_kind(kind)
        result = await self._conn.execute(
            delete(blacklist).where(blacklist.c.kind == kind, blacklist.c.value == value)
        )
        return result.rowcount > 0

    async def blacklist_entries(self) -> list[BlacklistEntry]:
        rows = (
            await self._conn.execute(select(blacklist).order_by(blacklist.c.kind, blacklist.c.value))
        ).mappings()
        return [BlacklistEntry(r["kind"], r["value"], r["reason"], r["added_at"]) for r in rows]

    async def is_blacklisted(self, kind: str, value: str) -> bool:
        _check_kind(kind)
        query = select(blacklist.c.id).where(blacklist.c.kind == kind, blacklist.c.value == value)
        return (await self._conn.execute(query)).first() is not None

    async def set_channel(self, record: ChannelOverrideRecord) -> None:
        low, high = record.fee_rate_min_ppm, record.fee_rate_max_ppm
        if low is not None and high is not None and low > high:
            raise InvalidInputError(
                f"channel {record.chan_id}: fee_rate_min_ppm {low} exceeds fee_rate_max_ppm {high}"
            )
        row = {
            "chan_id": chan_to_db(record.chan_id),
            "pin": record.pin,
            "exclude": record.exclude,
            "fee_rate_min_ppm": low,
            "fee_rate_max_ppm": high,
            "updated_at": record.updated_at,
        }
        await upsert(self._conn, channel_overrides, row, keys=("chan_id",))

    async def channel(self, chan_id: int) -> ChannelOverrideRecord | None:
        query = select(channel_overrides).where(channel_overrides.c.chan_id == chan_to_db(chan_id))
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else _override(row)

    async def channels(self) -> list[ChannelOverrideRecord]:
        rows = (await self._conn.execute(select(channel_overrides))).mappings()
        # Sorted after decoding: the signed column order differs from uint64 order above 2**63.
        return sorted((_override(r) for r in rows), key=lambda o: o.chan_id)

    async def remove_channel(self, chan_id: int) -> bool:
        query = delete(channel_overrides).where(channel_overrides.c.chan_id == chan_to_db(chan_id))
        return (await self._conn.execute(query)).rowcount > 0
