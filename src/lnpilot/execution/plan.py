"""Which actions of a batch run for real and which only in shadow, for a mode and a pilot list.

Pure: the executor asks the plan, then does the I/O. Shadow is the default everywhere, so
anything not explicitly allowed to run for real is planned as shadow with the reason why.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.execution.actions import Action, ActionKind


class Mode(StrEnum):
    SHADOW = "shadow"
    PILOT = "pilot"
    LIVE = "live"

    @classmethod
    def parse(cls, value: str) -> Mode:
        try:
            return cls(value)
        except ValueError:
            raise InvalidInputError(f"unknown execution mode {value!r} (shadow, pilot or live)") from None


@dataclass(frozen=True, slots=True)
class PlannedAction:
    action: Action
    real: bool
    why: str


def channel_matches(chan_id: int, channel_point: str, selector: str) -> bool:
    """True when ``selector`` names this channel: a chan_id, a short channel id or a channel point."""
    selector = selector.strip()
    if ":" in selector:
        return selector == channel_point
    try:
        return ShortChannelId.parse(selector).chan_id == chan_id
    except InvalidInputError:
        return False


def _listed(action: Action, selectors: Collection[str]) -> bool:
    return any(channel_matches(action.chan_id, action.channel_point, s) for s in selectors)


def plan_batch(
    actions: Sequence[Action],
    mode: Mode,
    pilot_channels: Collection[str] = (),
    *,
    allow_close: bool = False,
    close_supported: bool = False,
) -> list[PlannedAction]:
    """One planned action per input action, in order."""
    planned: list[PlannedAction] = []
    for action in actions:
        real, why = _decide(action, mode, pilot_channels, allow_close, close_supported)
        planned.append(PlannedAction(action, real, why))
    return planned


def _decide(
    action: Action,
    mode: Mode,
    pilot_channels: Collection[str],
    allow_close: bool,
    close_supported: bool,
) -> tuple[bool, str]:
    if mode is Mode.SHADOW:
        return False, "shadow mode: recorded, not sent"
    if mode is Mode.PILOT and not _listed(action, pilot_channels):
        return False, "pilot mode: channel not on the pilot list"
    if action.kind is ActionKind.CLOSE:
        if not allow_close:
            return False, "closing not allowed (limits.allow_close is false): recommendation only"
        if not close_supported:
            return False, "the node backend offers no cooperative close: recommendation only"
    return True, f"{mode.value} mode"
