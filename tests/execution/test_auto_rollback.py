from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from lnpilot.domain.node import ForwardingEvent
from lnpilot.execution.auto_rollback import (
    Verdict,
    WindowStats,
    assess,
    binomial_cdf,
    normal_cdf,
    rate_ratio_p_value,
    revenue_p_value,
)

NS = 1_000_000_000
CHAN, CONTROL, OTHER = 101, 202, 303
T0 = 1_700_000_000
HOUR = 3600


def fwd(at_s: int, chan_out: int, fee_msat: int) -> ForwardingEvent:
    return ForwardingEvent(at_s * NS, OTHER, chan_out, 1_000_000 + fee_msat, 1_000_000, fee_msat)


def spread(
    chan: int, start_s: int, count: int, fee_msat: int, span_s: int = 24 * HOUR
) -> list[ForwardingEvent]:
    return [fwd(start_s + i * span_s // max(count, 1), chan, fee_msat) for i in range(count)]


def run(events: list[ForwardingEvent], now_s: int | None = None, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "chan_id": CHAN,
        "changed_at_s": T0,
        "now_s": T0 + 24 * HOUR if now_s is None else now_s,
        "window_s": 24 * HOUR,
        "forwards": events,
        "control_chan_ids": [CHAN, CONTROL],
        "drop_threshold": 0.5,
        "min_forwards": 10,
    }
    args.update(kw)
    return assess(**args)  # type: ignore[arg-type]


def test_binomial_cdf_hand_computed() -> None:
    # Binomial(4, 0.5): P(X<=1) = (1 + 4) / 16.
    assert math.isclose(binomial_cdf(1, 4, 0.5), 5 / 16)
    assert binomial_cdf(-1, 4, 0.5) == 0.0
    assert binomial_cdf(4, 4, 0.3) == 1.0
    assert binomial_cdf(0, 3, 0.0) == 1.0
    assert math.isclose(binomial_cdf(0, 3, 0.5), 1 / 8)


def test_rate_ratio_p_value_hand_computed() -> None:
    # 0 after, 10 before, expected ratio 1 -> p = 0.5 ** 10.
    assert math.isclose(rate_ratio_p_value(0, 10, 1.0), 0.5**10)
    assert rate_ratio_p_value(0, 0, 1.0) == 1.0


def test_revenue_p_value_collapse() -> None:
    before = WindowStats.of([100] * 16)
    after = WindowStats.of([])
    # z = -1600 / sqrt(16 * 100**2) = -4
    assert math.isclose(revenue_p_value(after, before, 1.0), normal_cdf(-4.0))
    assert revenue_p_value(WindowStats.of([]), WindowStats.of([]), 1.0) == 1.0


def test_collapse_is_rolled_back_with_reason() -> None:
    events = spread(CHAN, T0 - 24 * HOUR, 20, 500) + spread(CHAN, T0, 1, 2000)
    events += spread(CONTROL, T0 - 24 * HOUR, 30, 200) + spread(CONTROL, T0, 30, 200)
    result = run(events)
    assert result.verdict is Verdict.ROLLBACK
    assert result.should_roll_back
    assert result.channel_before == WindowStats(20, 10_000, 20 * 500**2)
    assert result.channel_after.forwards == 1
    assert result.revenue_ratio_adjusted is not None
    assert math.isclose(result.revenue_ratio_adjusted, 0.2)
    assert "threshold" in result.reason


def test_fee_increase_losing_forwards_but_earning_more_is_kept() -> None:
    events = spread(CHAN, T0 - 24 * HOUR, 20, 500) + spread(CHAN, T0, 12, 1500)
    events += spread(CONTROL, T0 - 24 * HOUR, 30, 200) + spread(CONTROL, T0, 30, 200)
    result = run(events)
    assert result.verdict is Verdict.KEEP
    assert result.forwards_ratio_adjusted is not None
    assert math.isclose(result.forwards_ratio_adjusted, 0.6)


def test_network_wide_drop_is_not_blamed_on_the_change() -> None:
    # Everyone lost 90 % of the traffic: the control explains the channel's fall.
    events = spread(CHAN, T0 - 24 * HOUR, 40, 500) + spread(CHAN, T0, 4, 500)
    events += spread(CONTROL, T0 - 24 * HOUR, 100, 200) + spread(CONTROL, T0, 10, 200)
    result = run(events)
    assert result.verdict is Verdict.KEEP
    assert result.revenue_ratio_adjusted is not None
    assert math.isclose(result.revenue_ratio_adjusted, 1.0)


def test_too_little_data_never_rolls_back() -> None:
    events = spread(CHAN, T0 - 24 * HOUR, 9, 500)
    result = run(events)
    assert result.verdict is Verdict.INSUFFICIENT_DATA
    assert "9 forwards" in result.reason


def test_window_not_elapsed_is_watching() -> None:
    result = run(spread(CHAN, T0 - 24 * HOUR, 50, 500), now_s=T0 + HOUR)
    assert result.verdict is Verdict.WATCHING


def test_drop_not_significant_is_kept() -> None:
    # 10 -> 5 forwards, revenue 9,009 -> 5 msat: beyond the threshold but carried by one big fee,
    # z = -9,004 / sqrt(5 + 9 + 9000**2) = -1.0; forwards halved, not beyond the threshold.
    before = [fwd(T0 - 10 * HOUR + i, CHAN, f) for i, f in enumerate([1, 1, 1, 1, 1, 1, 1, 1, 1, 9000])]
    after = [fwd(T0 + i, CHAN, 1) for i in range(5)]
    result = run(before + after, min_forwards=10)
    assert result.verdict is Verdict.KEEP
    assert "not significantly" in result.reason


def test_no_control_falls_back_to_ratio_one_and_says_so() -> None:
    events = spread(CHAN, T0 - 24 * HOUR, 20, 500)
    result = run(events)
    assert result.verdict is Verdict.ROLLBACK
    assert "no control" in result.reason


def test_channel_that_earned_nothing_is_insufficient() -> None:
    events = spread(CHAN, T0 - 24 * HOUR, 20, 0)
    result = run(events)
    assert result.verdict is Verdict.INSUFFICIENT_DATA


fees = st.lists(st.integers(min_value=1, max_value=10_000), min_size=0, max_size=60)


@given(before=fees, after=fees, control_before=fees, control_after=fees)
def test_never_rolls_back_below_min_forwards_or_on_a_rise(
    before: list[int], after: list[int], control_before: list[int], control_after: list[int]
) -> None:
    events = [fwd(T0 - 20 * HOUR + i, CHAN, f) for i, f in enumerate(before)]
    events += [fwd(T0 + i, CHAN, f) for i, f in enumerate(after)]
    events += [fwd(T0 - 20 * HOUR + i, CONTROL, f) for i, f in enumerate(control_before)]
    events += [fwd(T0 + i, CONTROL, f) for i, f in enumerate(control_after)]
    result = run(events)
    if len(before) < 10:
        assert result.verdict is Verdict.INSUFFICIENT_DATA
    if result.should_roll_back:
        assert len(before) >= 10
        assert result.revenue_ratio_adjusted is not None and result.revenue_p_value is not None
        revenue_fell = result.revenue_ratio_adjusted < 0.5 and result.revenue_p_value < 0.05
        forwards_fell = (len(after) < 10 or 1 - result.revenue_p_value >= 0.05) and (
            result.forwards_ratio_adjusted is not None
            and result.forwards_ratio_adjusted < 0.5
            and result.forwards_p_value is not None
            and result.forwards_p_value < 0.05
        )
        assert revenue_fell or forwards_fell


@given(k=st.integers(0, 50), n=st.integers(0, 50), p=st.floats(0.01, 0.99))
def test_binomial_cdf_is_a_probability_and_monotone(k: int, n: int, p: float) -> None:
    value = binomial_cdf(k, n, p)
    assert 0.0 <= value <= 1.0
    assert binomial_cdf(k + 1, n, p) >= value - 1e-12


def test_volume_traded_for_demonstrated_revenue_is_kept() -> None:
    # 40 -> 12 forwards (0.3), revenue 20,000 -> 48,000 msat:
    # z = 28,000 / sqrt(12 * 4000**2 + 40 * 500**2) = 1.97, so the rise is significant at 5 %.
    events = spread(CHAN, T0 - 24 * HOUR, 40, 500) + spread(CHAN, T0, 12, 4000)
    events += spread(CONTROL, T0 - 24 * HOUR, 30, 200) + spread(CONTROL, T0, 30, 200)
    result = run(events)
    assert result.verdict is Verdict.KEEP and "significantly more revenue" in result.reason
    assert result.revenue_p_value is not None and 1 - result.revenue_p_value < 0.05


def test_collapsed_forwards_with_a_few_outlandish_fees_is_rolled_back() -> None:
    # 60 -> 2 forwards; the two pay 20x the old revenue between them, which proves nothing.
    events = spread(CHAN, T0 - 24 * HOUR, 60, 500) + spread(CHAN, T0, 2, 300_000)
    events += spread(CONTROL, T0 - 24 * HOUR, 30, 200) + spread(CONTROL, T0, 30, 200)
    result = run(events)
    assert result.revenue_ratio_adjusted is not None and result.revenue_ratio_adjusted > 1
    assert result.verdict is Verdict.ROLLBACK and "forwards fell" in result.reason
