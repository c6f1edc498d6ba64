"""Channel overrides from both places an operator sets them: the settings file and the store
(the dashboard's pins, exclusions and fee bounds). Where both speak, the stricter wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lnpilot.decisions.operator import override_for
from lnpilot.settings import ChannelOverride, Settings
from lnpilot.store import Store
from lnpilot.store.records import ChannelOverrideRecord


def merge_one(toml: ChannelOverride | None, stored: ChannelOverrideRecord | None) -> ChannelOverride | None:
    """Pin or exclude if either says so; the higher minimum and the lower maximum fee rate."""
    if stored is None:
        return toml
    lows = [v for v in (toml.fee_rate_min_ppm if toml else None, stored.fee_rate_min_ppm) if v is not None]
    highs = [v for v in (toml.fee_rate_max_ppm if toml else None, stored.fee_rate_max_ppm) if v is not None]
    return ChannelOverride(
        pin=bool(toml and toml.pin) or stored.pin,
        exclude=bool(toml and toml.exclude) or stored.exclude,
        fee_rate_min_ppm=max(lows) if lows else None,
        fee_rate_max_ppm=min(highs) if highs else None,
    )


def merged(
    from_settings: Mapping[str, ChannelOverride], stored: Iterable[ChannelOverrideRecord]
) -> dict[str, ChannelOverride]:
    """The settings' overrides with the stored ones folded in, keyed by decimal chan_id for those."""
    out = dict(from_settings)
    for record in stored:
        toml = override_for(from_settings, record.chan_id)
        combined = merge_one(toml, record)
        if combined is not None:
            # The settings may name the channel by short channel id: one entry per channel.
            for name in [k for k, v in out.items() if toml is not None and v is toml]:
                del out[name]
            out[str(record.chan_id)] = combined
    return out


async def with_stored_overrides(settings: Settings, store: Store) -> Settings:
    """``settings`` whose channel overrides include the store's (unchanged when it has none)."""
    async with store.unit_of_work() as uow:
        stored = await uow.overrides.channels()
    if not stored:
        return settings
    return settings.model_copy(update={"channels": merged(settings.channels, stored)})
