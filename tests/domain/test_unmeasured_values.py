"""Values a backend does not report stay absent end to end, never a 0 standing in for them."""

from __future__ import annotations

from prometheus_client import generate_latest

from lnpilot.backends.lnbits_wire import fee_sum as _fee_sum
from lnpilot.domain.node import ChannelFee, FeeReport
from lnpilot.metrics.registry import Metrics


def test_lnbits_fee_sums_absent_when_not_reported() -> None:
    assert _fee_sum({}, "daily_msat", 1000) is None
    assert _fee_sum({"daily_msat": None}, "daily_msat", 1000) is None
    assert _fee_sum({"daily_msat": 5_500}, "daily_msat", 1000) == 5
    assert _fee_sum({"daily_msat": "7"}, "daily_msat", 1) == 7


def test_unreported_fee_sums_are_not_exported() -> None:
    metrics = Metrics()
    metrics.set_fee_report(FeeReport((ChannelFee(1, "a" * 64 + ":0", 1000, 100),), None, 21, None))
    text = generate_latest(metrics.registry).decode()
    windows = [line for line in text.splitlines() if line.startswith("lnpilot_routing_revenue_sat{")]
    assert windows == ['lnpilot_routing_revenue_sat{window="week"} 21.0']


def test_a_field_not_read_back_is_never_verified() -> None:
    from lnpilot.domain.graph import RoutingPolicy
    from lnpilot.domain.node import PolicyUpdateResult

    policy = RoutingPolicy(1000, 100, 40, 1000, 10**9)
    assert PolicyUpdateResult("cp", policy, policy, {}).verified
    partial = PolicyUpdateResult("cp", policy, policy, {}, unverified_fields=("time_lock_delta",))
    assert not partial.verified
