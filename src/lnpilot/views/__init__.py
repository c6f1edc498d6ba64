"""ChannelViews: ONE builder (``builder.build_views``) fed by two sources.

``store_source.stored_views`` reads what the sync job stored; ``live_source.live_views`` reads the
node (and the store for the history a node cannot tell). Both only gather ``ViewInputs``; every
field of a ``ChannelView`` is filled in ``build_views``.
"""

from lnpilot.views.builder import (
    REACH_HOPS,
    ChannelInput,
    ViewInputs,
    ViewSet,
    build_views,
    newest_funding_block,
    our_pubkey,
)
from lnpilot.views.live_source import live_views
from lnpilot.views.store_source import RECENCY_LOOKBACK_S, REJECTED_LOOKBACK_S, rejected_changes, stored_views

# The name callers used when only the store fed views.
StoredViews = ViewSet

__all__ = [
    "REACH_HOPS",
    "RECENCY_LOOKBACK_S",
    "REJECTED_LOOKBACK_S",
    "ChannelInput",
    "StoredViews",
    "ViewInputs",
    "ViewSet",
    "build_views",
    "live_views",
    "newest_funding_block",
    "our_pubkey",
    "rejected_changes",
    "stored_views",
]
