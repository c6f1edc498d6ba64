"""The node's pooled fee elasticity (decisions/elasticity.py) on hand-built histories."""

from __future__ import annotations

from lnpilot.decisions.elasticity import MIN_FORWARDS, pooled_elasticity
from lnpilot.domain.channel_view import ChannelView, PolicyChange
from tests.decisions.view_builders import DAY, chan_id_of, forward_out, policy, view

WINDOW = 30 * DAY
HALF_LIFE = 7 * DAY


def raised(index: int, before: int, after: int, *, old: int = 100, new: int = 200) -> ChannelView:
    """``old`` ppm from 20 to 10 days ago with ``before`` forwards, ``new`` since with ``after``."""
    cid = chan_id_of(index)
    fwds = [forward_out(cid, 10 + 10 * (i + 0.5) / before, 20_000, 20 * old) for i in range(before)]
    fwds += [forward_out(cid, 10 * (i + 0.5) / after, 20_000, 20 * new) for i in range(after)]
    change = PolicyChange(view().now - 10 * DAY, policy(old), policy(new))
    return view(index, fee_rate_ppm=new, forwards=fwds, policy_changes=[change], history_days=20)


def test_forwards_that_barely_fall_as_fees_double_mean_revenue_rises_with_the_fee() -> None:
    e = pooled_elasticity([raised(i, 30, 27) for i in range(1, 5)], WINDOW, HALF_LIFE)
    assert e is not None
    assert e.forwards == 228 and e.channels == 4
    assert e.beta < 0.5 and e.high < 1.0
    assert e.trend == 1
    assert "from 228 forwards on 4 channels" in e.describe()


def test_forwards_that_collapse_when_fees_double_mean_revenue_falls() -> None:
    e = pooled_elasticity([raised(i, 10, 1) for i in range(1, 5)], WINDOW, HALF_LIFE)
    assert e is not None
    assert e.beta > 2.5 and e.low > 1.0  # 10 -> 1 forward when the fee doubles: log2(10) = 3.3
    assert e.trend == -1


def test_a_loss_of_half_the_forwards_for_twice_the_fee_is_not_a_verdict() -> None:
    # beta = 1: revenue is the same either way, and the interval straddles 1.
    e = pooled_elasticity([raised(i, 10, 5) for i in range(1, 5)], WINDOW, HALF_LIFE)
    assert e is not None
    assert e.low < 1.0 < e.high
    assert e.trend == 0


def test_few_forwards_give_no_verdict_however_clear_they_look() -> None:
    e = pooled_elasticity([raised(1, 4, 0)], WINDOW, HALF_LIFE)
    assert e is not None
    assert e.forwards < MIN_FORWARDS
    assert e.trend == 0


def test_only_fees_near_the_current_one_count() -> None:
    # 100 -> 1,000 ppm: the old level is x10 away, outside the local band: no slope to read.
    far = [raised(i, 10, 9, old=100, new=1_000) for i in range(1, 5)]
    assert pooled_elasticity(far, WINDOW, HALF_LIFE) is None


def test_a_channel_that_never_changed_its_fee_tells_nothing() -> None:
    cid = chan_id_of(1)
    still = view(forwards=[forward_out(cid, d, 20_000, 2_000) for d in range(1, 20)], history_days=30)
    assert pooled_elasticity([still], WINDOW, HALF_LIFE) is None
