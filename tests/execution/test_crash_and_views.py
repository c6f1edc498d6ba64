from __future__ import annotations

import pytest

from lnpilot.backends.base import Capability
from lnpilot.execution import crash
from lnpilot.execution.verify import policy_from, same_policy
from lnpilot.execution.views import live_views
from tests.execution.memory_node import MemoryNode, policy


def test_crash_point_exits_on_the_nth_arrival(monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[int] = []
    monkeypatch.setattr(crash.os, "_exit", exits.append)
    monkeypatch.setattr(crash, "_arrivals", {})
    monkeypatch.setenv(crash.CRASH_ENV, "sent:2")
    crash.crash_point("logged")
    crash.crash_point("sent")
    assert exits == []
    crash.crash_point("sent")
    assert exits == [crash.CRASH_EXIT_CODE]
    monkeypatch.delenv(crash.CRASH_ENV)
    crash.crash_point("sent")
    assert exits == [crash.CRASH_EXIT_CODE]


def test_policy_helpers() -> None:
    assert policy_from(None) is None and policy_from({"fee_rate_ppm": 1}) is None
    assert same_policy(None, None) and not same_policy(policy(), None)


class GraphlessNode(MemoryNode):
    async def describe_graph(self) -> bytes:
        return b"not json"


async def test_live_views_without_a_graph_leave_competitors_absent() -> None:
    node = GraphlessNode({"11" * 32 + ":0": policy(100)})
    views = await live_views(node, now=node.clock_s)  # type: ignore[arg-type]
    assert views[0].policy == policy(100) and views[0].competitor_fee_ppm is None
    node.capabilities = frozenset(Capability) - {Capability.DESCRIBE_GRAPH}
    views = await live_views(node, now=node.clock_s)  # type: ignore[arg-type]
    assert views[0].competitor_fee_ppm is None and views[0].competitor_channel_count == 0


async def test_live_views_unreadable_policy_is_none() -> None:
    class NoPolicy(GraphlessNode):
        async def get_policy(self, channel_point: str):  # type: ignore[no-untyped-def]
            from lnpilot.backends.base import BackendNotFound

            raise BackendNotFound("no such channel")

    node = NoPolicy({"11" * 32 + ":0": policy(100)})
    views = await live_views(node, now=node.clock_s)  # type: ignore[arg-type]
    assert views[0].policy is None
