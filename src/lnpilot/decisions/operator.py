"""Operator rules both the engine and the validator apply: per-channel overrides and the blacklist.

Overrides and blacklist entries name a channel by decimal chan_id or short channel id
(``BLOCKxTXxOUT``); blacklist entries may also be a channel point.
"""

from __future__ import annotations

from collections.abc import Mapping

from lnpilot.domain.ids import ShortChannelId
from lnpilot.domain.node import LocalChannel
from lnpilot.errors import InvalidInputError
from lnpilot.settings import Blacklist, ChannelOverride


def _names(chan_id: int) -> tuple[str, ...]:
    try:
        return (str(chan_id), str(ShortChannelId.from_chan_id(chan_id)))
    except InvalidInputError:
        return (str(chan_id),)


def override_for(overrides: Mapping[str, ChannelOverride], chan_id: int) -> ChannelOverride | None:
    for name in _names(chan_id):
        found = overrides.get(name)
        if found is not None:
            return found
    return None


def blacklist_reason(blacklist: Blacklist, channel: LocalChannel) -> str | None:
    """Why the blacklist covers this channel, or None."""
    names = {*_names(channel.chan_id), channel.channel_point}
    if any(entry.strip() in names for entry in blacklist.channels):
        return "channel is blacklisted"
    if channel.remote_pubkey in blacklist.peers:
        return "peer is blacklisted"
    return None
