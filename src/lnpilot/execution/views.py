"""What ``lnpilot apply`` decides on: channel views read live from the node.

Only what the backend reports is filled in (channel, our policy, the peer's policy when the graph
edge is readable, forwards of the look-back); everything else stays absent so the decision
engine says what it could not judge instead of acting on an invented value.
"""

from __future__ import annotations

from lnpilot.backends.base import BackendError, NodeBackend
from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.graph import RoutingPolicy

_DAY_S = 86_400


async def live_views(backend: NodeBackend, now: int, lookback_days: float = 30.0) -> list[ChannelView]:
    channels = await backend.list_channels()
    forwards = await backend.forwarding_history(now - int(lookback_days * _DAY_S), now + 1)
    views = []
    for channel in channels:
        policy: RoutingPolicy | None
        try:
            policy = await backend.get_policy(channel.channel_point)
        except BackendError:
            policy = None
        touching = tuple(e for e in forwards if channel.chan_id in (e.chan_id_in, e.chan_id_out))
        views.append(ChannelView(channel=channel, now=now, policy=policy, forwards=touching))
    return views
