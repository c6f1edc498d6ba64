"""Channel identifiers: LND's uint64 ``chan_id`` and the short channel id ``BLOCKxTXxOUT``.

``chan_id = block << 40 | tx << 16 | out``; the funding block gives a channel's age.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lnpilot.errors import InvalidInputError

_SCID_RE = re.compile(r"^(\d+)x(\d+)x(\d+)$")
_MAX_BLOCK = (1 << 24) - 1
_MAX_TX = (1 << 24) - 1
_MAX_OUT = (1 << 16) - 1
_PUBKEY_RE = re.compile(r"^0[23][0-9a-f]{64}$")


@dataclass(frozen=True, slots=True, order=True)
class ShortChannelId:
    block: int
    tx: int
    out: int

    def __post_init__(self) -> None:
        if not (0 <= self.block <= _MAX_BLOCK and 0 <= self.tx <= _MAX_TX and 0 <= self.out <= _MAX_OUT):
            raise InvalidInputError(f"short channel id out of range: {self.block}x{self.tx}x{self.out}")

    @property
    def chan_id(self) -> int:
        return (self.block << 40) | (self.tx << 16) | self.out

    def __str__(self) -> str:
        return f"{self.block}x{self.tx}x{self.out}"

    @classmethod
    def from_chan_id(cls, chan_id: int) -> ShortChannelId:
        if not 0 <= chan_id < (1 << 64):
            raise InvalidInputError(f"chan_id out of uint64 range: {chan_id}")
        return cls(chan_id >> 40, (chan_id >> 16) & 0xFFFFFF, chan_id & 0xFFFF)

    @classmethod
    def parse(cls, text: str) -> ShortChannelId:
        """Accept ``BLOCKxTXxOUT`` (CLN) or a decimal uint64 ``chan_id`` (LND)."""
        text = text.strip()
        match = _SCID_RE.match(text)
        if match:
            return cls(int(match[1]), int(match[2]), int(match[3]))
        if text.isdigit():
            return cls.from_chan_id(int(text))
        raise InvalidInputError(f"not a short channel id or chan_id: {text!r}")


def is_pubkey(value: str) -> bool:
    """A compressed secp256k1 public key in lowercase hex (66 chars, 02/03 prefix)."""
    return bool(_PUBKEY_RE.match(value))


def parse_channel_point(value: str) -> tuple[str, int]:
    """``"<funding txid hex>:<output index>"`` -> (txid, index)."""
    txid, sep, index = value.rpartition(":")
    if not sep or len(txid) != 64 or not index.isdigit():
        raise InvalidInputError(f"malformed channel point: {value!r}")
    try:
        bytes.fromhex(txid)
    except ValueError as exc:
        raise InvalidInputError(f"malformed channel point: {value!r}") from exc
    return txid, int(index)
