"""Per-channel pins, exclusions and fee bounds kept in the database (set from the web UI).

The settings TOML holds the same kinds of entries; ``execution.overrides`` folds these in (the
stricter wins). The blacklist lives in settings only (its table was read by nothing: dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from lnpilot.errors import InvalidInputError
from lnpilot.store.codec import chan_from_db, chan_to_db
from lnpilot.store.records import ChannelOverrideRecord
from lnpilot.store.repos.base import Repository
from lnpilot.store.repos.upsert import upsert
from lnpilot.store.tables import channel_overrides


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
