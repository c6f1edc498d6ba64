"""The live source: what the node cannot tell stays absent; one read per kind."""

from __future__ import annotations

from lnpilot.backends.base import Capability
from lnpilot.views import live_views
from tests.execution.memory_node import MemoryNode, policy


class GraphlessNode(MemoryNode):
    async def describe_graph(self) -> bytes:
        return b"not json"


async def test_live_views_without_a_graph_leave_competitors_absent() -> None:
    node = GraphlessNode({"11" * 32 + ":0": policy(100)})
    views = (await live_views(node, now=node.clock_s)).views  # type: ignore[arg-type]
    assert views[0].policy == policy(100) and views[0].competitor_fee_ppm is None
    node.capabilities = frozenset(Capability) - {Capability.DESCRIBE_GRAPH}
    views = (await live_views(node, now=node.clock_s)).views  # type: ignore[arg-type]
    assert views[0].competitor_fee_ppm is None and views[0].competitor_channel_count == 0


async def test_live_views_unreadable_policy_is_none() -> None:
    class NoPolicy(GraphlessNode):
        async def get_policy(self, channel_point: str):  # type: ignore[no-untyped-def]
            from lnpilot.backends.base import BackendNotFound

            raise BackendNotFound("no such channel")

    node = NoPolicy({"11" * 32 + ":0": policy(100)})
    views = (await live_views(node, now=node.clock_s)).views  # type: ignore[arg-type]
    assert views[0].policy is None
