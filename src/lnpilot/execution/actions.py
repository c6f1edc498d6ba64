"""What the executor is asked to do: one action per channel, already validated upstream.

These are the executor's own input types so that it does not depend on how the decision engine
shapes its output; ``from_decision`` (in ``decisions_adapter``) maps a validated Decision here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lnpilot.domain.graph import RoutingPolicy


class ActionKind(StrEnum):
    POLICY = "policy"
    REBALANCE = "rebalance"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """Set the *complete* outgoing policy of one channel."""

    chan_id: int
    channel_point: str
    policy: RoutingPolicy
    reasons: tuple[str, ...] = ()
    kind: ActionKind = field(default=ActionKind.POLICY, init=False)


@dataclass(frozen=True, slots=True)
class RebalanceOrder:
    """Move ``amount_sat`` out of ``source_chan_id`` and back in through ``target_chan_id``'s peer.

    ``max_fee_msat`` is the budget the validator granted for the whole amount; the executor never
    pays more than its ppm share for a smaller amount.
    """

    target_chan_id: int
    target_channel_point: str
    source_chan_id: int
    amount_sat: int
    max_fee_msat: int
    target_peer_pubkey: str = ""  # resolved from the node's channel list when empty
    min_amount_sat: int = 10_000
    reasons: tuple[str, ...] = ()
    kind: ActionKind = field(default=ActionKind.REBALANCE, init=False)

    @property
    def chan_id(self) -> int:
        return self.target_chan_id

    @property
    def channel_point(self) -> str:
        return self.target_channel_point


@dataclass(frozen=True, slots=True)
class CloseOrder:
    chan_id: int
    channel_point: str
    reasons: tuple[str, ...] = ()
    kind: ActionKind = field(default=ActionKind.CLOSE, init=False)


Action = PolicyChange | RebalanceOrder | CloseOrder
