from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.execution.actions import CloseOrder, PolicyChange, RebalanceOrder
from lnpilot.execution.plan import Mode, channel_matches, plan_batch

POLICY = RoutingPolicy(1000, 100, 40, 1000, 990_000_000)
A = PolicyChange(ShortChannelId(700_000, 1, 0).chan_id, "aa" * 32 + ":0", POLICY)
B = PolicyChange(ShortChannelId(700_001, 2, 1).chan_id, "bb" * 32 + ":1", POLICY)


def test_shadow_is_never_real() -> None:
    planned = plan_batch([A, B], Mode.SHADOW, pilot_channels=[str(A.chan_id)], allow_close=True)
    assert [p.real for p in planned] == [False, False]
    assert "shadow" in planned[0].why


def test_pilot_only_listed_channels_by_any_identifier() -> None:
    for selector in (str(A.chan_id), "700000x1x0", A.channel_point):
        planned = plan_batch([A, B], Mode.PILOT, pilot_channels=[selector])
        assert [p.real for p in planned] == [True, False], selector
    assert "pilot list" in plan_batch([B], Mode.PILOT, [])[0].why


def test_live_runs_everything_but_closes_need_permission_and_support() -> None:
    close = CloseOrder(A.chan_id, A.channel_point)
    rebalance = RebalanceOrder(B.chan_id, B.channel_point, A.chan_id, 100_000, 500_000)
    planned = plan_batch([A, rebalance, close], Mode.LIVE)
    assert [p.real for p in planned] == [True, True, False]
    assert "allow_close" in planned[2].why
    no_support = plan_batch([close], Mode.LIVE, allow_close=True)[0]
    assert not no_support.real and "no cooperative close" in no_support.why
    assert plan_batch([close], Mode.LIVE, allow_close=True, close_supported=True)[0].real


def test_mode_parse() -> None:
    assert Mode.parse("pilot") is Mode.PILOT
    with pytest.raises(InvalidInputError, match="unknown execution mode"):
        Mode.parse("yolo")


def test_bad_selector_matches_nothing() -> None:
    assert not channel_matches(A.chan_id, A.channel_point, "not-a-channel")


@given(
    mode=st.sampled_from(list(Mode)),
    listed=st.lists(st.booleans(), min_size=1, max_size=8),
)
def test_real_only_where_mode_and_list_allow(mode: Mode, listed: list[bool]) -> None:
    actions = [PolicyChange(i + 1, f"{i:064x}:0", POLICY) for i in range(len(listed))]
    pilot = [str(a.chan_id) for a, on in zip(actions, listed, strict=True) if on]
    for planned, on in zip(plan_batch(actions, mode, pilot), listed, strict=True):
        expected = mode is Mode.LIVE or (mode is Mode.PILOT and on)
        assert planned.real is expected
