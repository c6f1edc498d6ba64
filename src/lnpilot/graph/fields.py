"""Field readers shared by the snapshot parsers: wire values -> ints, bools, pubkeys.

A reader raises ``MalformedRecord`` and the parser counts the record as skipped; nothing here
ever ends a load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lnpilot.domain.graph import GraphChannel, RoutingPolicy
from lnpilot.domain.ids import is_pubkey


class MalformedRecord(Exception):
    """A record lacks a field or carries a value of the wrong shape."""


def as_int(value: Any) -> int:
    """An integer from JSON: a number, a decimal string (LND's uint64), or ``"123msat"`` (CLN)."""
    if type(value) is int:  # the common case first; bool is an int subclass and is refused below
        return value
    if isinstance(value, bool):
        raise MalformedRecord("boolean where an integer was expected")
    if isinstance(value, str):
        text = value.removesuffix("msat")
        digits = text[1:] if text[:1] == "-" else text
        if digits.isdigit() and digits.isascii():
            return int(text)
    raise MalformedRecord(f"not an integer: {value!r:.40}")


def field_int(record: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = record.get(key)
    if value is None:
        if default is None:
            raise MalformedRecord(f"missing {key}")
        return default
    return as_int(value)


def field_bool(record: Mapping[str, Any], key: str, default: bool) -> bool:
    value = record.get(key, default)
    if not isinstance(value, bool):
        raise MalformedRecord(f"{key} is not a boolean")
    return value


def field_str(record: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = record.get(key, default)
    if not isinstance(value, str):
        raise MalformedRecord(f"{key} is not a string")
    return value


class PubkeyCheck:
    """Validates pubkeys once each: a mainnet snapshot names the same few thousand keys many times."""

    __slots__ = ("_valid",)

    def __init__(self) -> None:
        self._valid: set[str] = set()

    def __call__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if value in self._valid:
            return True
        if is_pubkey(value):
            self._valid.add(value)
            return True
        return False


def with_policy(channel: GraphChannel, announcer: str, policy: RoutingPolicy) -> GraphChannel:
    """``channel`` with ``announcer``'s direction set to ``policy`` (one record per direction)."""
    if announcer == channel.node1:
        return replace(channel, node1_policy=policy)
    return replace(channel, node2_policy=policy)
