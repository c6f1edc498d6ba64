"""The closed fee loop (decisions/learn.py) with hand-built histories (balanced, 1M sat channels)."""

from __future__ import annotations

import dataclasses

from lnpilot.decisions import BUILTIN, DecisionEngine, DecisionType
from lnpilot.decisions.liquidity import rollback_bans
from lnpilot.decisions.timeline import evidence, segments
from lnpilot.domain.channel_view import ChannelSnapshot, ChannelView, PolicyChange, RejectedChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.safety import PolicyValidator, ValidationHistory
from lnpilot.safety.review import decide_and_validate
from lnpilot.settings import Limits
from tests.decisions.view_builders import DAY, NOW, chan_id_of, forward_out, policy, view

CID = chan_id_of(1)


def engine(profile: str = "balanced", limits: Limits | None = None) -> DecisionEngine:
    return DecisionEngine(BUILTIN[profile], limits or Limits())


def fee_of(decision_policy: RoutingPolicy | None) -> int:
    assert decision_policy is not None
    return decision_policy.fee_rate_ppm


def moved(before_fwds: int, after_fwds: int, *, old: int = 100, new: int = 125) -> ChannelView:
    """Fee ``old`` from 4 to 2 days ago, ``new`` since; 20k-sat forwards paying the fee in force."""
    change = PolicyChange(NOW - 2 * DAY, policy(old), policy(new))
    fwds = [forward_out(CID, 2 + 2 * (i + 0.5) / before_fwds, 20_000, 20 * old) for i in range(before_fwds)]
    fwds += [forward_out(CID, 2 * (i + 0.5) / after_fwds, 20_000, 20 * new) for i in range(after_fwds)]
    return view(fee_rate_ppm=new, forwards=fwds, policy_changes=[change], history_days=4)


def test_a_move_that_paid_is_continued_with_a_larger_step() -> None:
    d = engine().decide(moved(10, 40), None, NOW)
    # z = (50,000 - 10,000 msat/day) / ~8,500 >> 1; step (125/100)^2 capped at 1.5 -> 187.5, cap 62.
    assert d.type is DecisionType.INCREASE_FEES
    assert fee_of(d.new_policy) == 187
    assert any("the last move paid: continue x1.50" in r for r in d.reasons)
    assert any(r.startswith("previous fee:") and "z = +" in r for r in d.reasons)


def test_a_move_that_lost_is_reverted() -> None:
    d = engine().decide(moved(10, 0), None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert fee_of(d.new_policy) == 100
    assert any("revert: the previous fee earned more" in r for r in d.reasons)
    assert any("(+0, " not in r and "revert)" in r for r in d.reasons)


def test_a_move_better_only_on_the_estimate_continues_with_the_same_step() -> None:
    d = engine().decide(moved(10, 10), None, NOW)  # 10,000 vs 12,500 msat/day: 0 < z < 1
    assert fee_of(d.new_policy) == 156  # 125 x 1.25
    assert any("earned more (not yet significant): continue x1.25" in r for r in d.reasons)


def test_an_inconclusive_loss_is_measured_longer() -> None:
    d = engine().decide(moved(10, 7), None, NOW)  # 10,000 vs 8,750 msat/day: -1.5 < z < 0
    assert d.type is DecisionType.NO_ACTION
    assert any(r.startswith("held 2.0 d of the 7 d probe period") for r in d.reasons)


def test_a_fresh_move_is_measured_before_it_is_judged() -> None:
    change = PolicyChange(NOW - 3 * 3600, policy(100), policy(125))
    d = engine().decide(view(fee_rate_ppm=125, policy_changes=[change]), None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any(r.startswith("measuring: ") for r in d.reasons)


def test_reverted_probe_is_followed_by_a_probe_on_the_other_side() -> None:
    changes = [
        PolicyChange(NOW - 10 * DAY, policy(100), policy(125)),
        PolicyChange(NOW - 8 * DAY, policy(125), policy(100)),
    ]
    fwds = [forward_out(CID, d / 2, 20_000, 2000) for d in range(1, 16)]
    # A cheap market (replacement 2 x 20 ppm): the draining channel's floor is below the probe.
    state = view(fee_rate_ppm=100, policy_changes=changes, forwards=fwds, network_median_fee_ppm=20.0)
    d = engine().decide(state, None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert fee_of(d.new_policy) == 80  # 100 / 1.25
    assert any("the other side was reverted" in r for r in d.reasons)


def test_sold_out_channel_explores_up_and_idle_full_channel_probes_down() -> None:
    # usable 30k < 5 % of capacity since the snapshot; prior 40 x 2.88 = 115 ppm: not far from 100.
    drained = view(local_sat=40_000, competitor_fee_ppm=40.0)
    d = engine().decide(drained, None, NOW)
    assert d.type is DecisionType.INCREASE_FEES
    # Drained all the time: demand exceeds supply, raised by the largest loop step (x1.5).
    assert fee_of(d.new_policy) == 150
    assert any("sold out 100% of the time since the last change" in r for r in d.reasons)
    idle = engine().decide(view(local_sat=700_000, competitor_fee_ppm=130.0), None, NOW)  # prior 82
    assert idle.type is DecisionType.DECREASE_FEES
    assert any("idle with liquidity to sell: probe down" in r for r in idle.reasons)


def test_a_channel_that_sold_nothing_probes_down_whatever_share_of_capacity_it_holds() -> None:
    """40 % on our side, raised to 125 ppm eight days ago, not one forward since: idle, so down.
    Until 2026-11-29 only a channel holding more than half its capacity counted as idle, and this
    one probed on *up* in the direction of its last raise (2025 sample, seed 7)."""
    change = PolicyChange(NOW - 8 * DAY, policy(100), policy(125))
    quiet = view(local_sat=400_000, fee_rate_ppm=125, policy_changes=[change], history_days=20)
    d = engine().decide(quiet, None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert fee_of(d.new_policy) == 100  # 125 / 1.25
    assert "idle with liquidity to sell: probe down" in d.reasons
    # The same channel selling at 125 ppm is not idle: its raise is judged and continued.
    fwds = [forward_out(CID, day, 20_000, 2500) for day in range(1, 8)]
    selling = dataclasses.replace(quiet, forwards=tuple(fwds))
    d2 = engine().decide(selling, None, NOW)
    assert d2.type is DecisionType.INCREASE_FEES
    assert not any("idle" in r for r in d2.reasons)


def test_one_exploratory_reversal_per_probe_period() -> None:
    """A cut a day ago that earned a little less (not significantly): exploring the unmeasured
    fee above turns the fee round. Allowed when the fee had not turned within the probe period;
    held when the cut itself was a turn (a raise nine days before it)."""
    day_before = [forward_out(CID, 1.0 + h / 24, 20_000, 2_500) for h in (3, 9, 15)]
    since_cut = [forward_out(CID, h / 24, 20_000, 2_000) for h in (3, 9, 15)]
    fwds = tuple(day_before + since_cut)

    def decide(changes: list[PolicyChange]) -> object:
        state = view(fee_rate_ppm=60, competitor_fee_ppm=70.0, policy_changes=changes, history_days=20)
        return engine().decide(dataclasses.replace(state, forwards=fwds), None, NOW)

    cut_only = decide([PolicyChange(NOW - DAY, policy(100), policy(60))])
    assert cut_only.type is DecisionType.INCREASE_FEES
    assert any("explore up" in r for r in cut_only.reasons)

    turned = decide(
        [
            PolicyChange(NOW - 10 * DAY, policy(100), policy(125)),
            PolicyChange(NOW - DAY, policy(125), policy(60)),
        ]
    )
    assert turned.type is DecisionType.NO_ACTION
    held = "the fee already turned 1.0 d ago: one exploratory reversal per 7 d"
    assert any(held in r for r in turned.reasons)


def test_draining_channel_never_sells_below_the_replacement_cost() -> None:
    # Peer charges 150 ppm toward us + one hop at the 70 ppm network median = 220 ppm floor.
    fwds = [forward_out(CID, d / 4, 20_000, 2000) for d in range(1, 20)]
    state = dataclasses.replace(
        view(local_sat=700_000, fee_rate_ppm=230, competitor_fee_ppm=50.0, forwards=fwds),
        peer_policy=policy(150),
    )
    d = engine().decide(state, None, NOW)
    assert any("never sells below 220 ppm" in r for r in d.reasons)
    assert d.new_policy is None or fee_of(d.new_policy) >= 220


def test_far_below_the_market_reaches_it_within_days_every_step_validated() -> None:
    """LND's default 1 ppm on four channels against a 500 ppm market, default limits: every step
    passes the validator, and within five days of 6-hour cycles each channel is in the prior's
    approach band (two thirds of the market or more)."""
    limits = Limits()
    validator = PolicyValidator(limits)
    history = ValidationHistory()
    fees = dict.fromkeys(range(1, 5), 1)
    changes: dict[int, list[PolicyChange]] = {i: [] for i in fees}
    now = NOW
    for _ in range(5 * 4):
        views = [
            view(i, fee_rate_ppm=fees[i], competitor_fee_ppm=500.0, policy_changes=changes[i], now=now)
            for i in fees
        ]
        reviews, history = decide_and_validate(views, None, history, engine(), validator, now)
        for review in reviews:
            index = next(i for i in fees if chan_id_of(i) == review.decision.chan_id)
            if review.verdict.approved and review.decision.new_policy is not None:
                new = review.decision.new_policy.fee_rate_ppm
                changes[index].append(PolicyChange(now, policy(fees[index]), policy(new)))
                fees[index] = new
        now += 6 * 3600
    assert all(fee >= 500 / BUILTIN["balanced"].approach_ratio for fee in fees.values()), fees


def test_rollback_bans_grow_with_harm_and_repeats() -> None:
    def ban(harm: float | None, times: int = 1) -> float:
        rejected = tuple(RejectedChange(NOW - 3600 * (i + 1), 100, 150, harm) for i in range(times))
        until = rollback_bans(dataclasses.replace(view(), rejected_changes=rejected), 2.0).up_until
        assert until is not None
        return (until - NOW) / DAY

    assert ban(0.1) < ban(0.5) < ban(0.9)
    assert abs(ban(0.5) - (2.0 * 3 - 1 / 24)) < 0.01  # 2 d x (1 + 4 x 0.5), judged an hour ago
    assert ban(None) == ban(0.5)  # an unmeasured harm counts as a revenue halved
    assert ban(0.5, 2) > 1.9 * ban(0.5)


def test_a_rolled_back_increase_is_not_proposed_again_during_its_ban() -> None:
    fwds = [forward_out(CID, d / 2, 20_000, 2000) for d in range(1, 16)]
    rejected = (RejectedChange(NOW - DAY, 100, 125, 0.6),)
    state = dataclasses.replace(view(fee_rate_ppm=100, forwards=fwds), rejected_changes=rejected)
    d = engine().decide(state, None, NOW)
    assert d.type is not DecisionType.INCREASE_FEES
    assert any(r.startswith("rollback memory: increase 100 -> 125 ppm") for r in d.reasons)
    later = dataclasses.replace(state, now=NOW + 30 * DAY)
    assert not any(
        r.startswith("rollback memory") for r in engine().decide(later, None, NOW + 30 * DAY).reasons
    )


def test_correction_into_bounds_never_waits_for_confidence() -> None:
    """Issue 17 item 7: 40,000 ppm against a 10,000 maximum, with almost no data."""
    limits = Limits(fee_rate_max_ppm=10_000)
    state = view(fee_rate_ppm=40_000, competitor_fee_ppm=None, failed_for_liquidity=None, history_days=None)
    reviews, _ = decide_and_validate(
        [state], None, ValidationHistory(), engine(limits=limits), PolicyValidator(limits), NOW
    )
    d = reviews[0].decision
    assert d.type is DecisionType.DECREASE_FEES
    assert fee_of(d.new_policy) == 10_000
    assert d.confidence == 1.0
    assert reviews[0].verdict.approved, reviews[0].verdict.codes
    assert not any(r.startswith("low confidence") for r in d.reasons)


def test_every_fee_decision_carries_its_estimate_and_uncertainty() -> None:
    d = engine().decide(moved(10, 40), None, NOW)
    assert any(r.startswith("estimate since the last change: ") and " +- " in r for r in d.reasons)


def test_evidence_is_forgotten_at_the_half_life() -> None:
    fresh = view(forwards=[forward_out(CID, 0.001, 20_000, 1000)])
    old = view(forwards=[forward_out(CID, 7.0, 20_000, 1000)])
    half_life = BUILTIN["balanced"].forget_half_life_days * DAY
    new_ev = evidence(fresh, segments(fresh, 30 * DAY), 100, half_life)
    old_ev = evidence(old, segments(old, 30 * DAY), 100, half_life)
    assert abs(old_ev.revenue_msat / new_ev.revenue_msat - 0.5) < 0.01


def test_drained_time_is_not_counted_as_exposure() -> None:
    snaps = (
        ChannelSnapshot(NOW - 4 * DAY, 500_000, 500_000, True, 1_000_000),
        ChannelSnapshot(NOW - 1 * DAY, 10_000, 990_000, True, 1_000_000),
    )
    state = dataclasses.replace(view(), snapshots=snaps)
    (seg,) = segments(state, 4 * DAY)
    assert seg.available_s == 3 * DAY and seg.drained_s == DAY


def test_rejected_changes_are_read_from_the_rollback_verdicts() -> None:
    from lnpilot.store.records import TransactionItem, TransactionRecord, TxStatus
    from lnpilot.views import rejected_changes

    verdict = {"verdict": "rollback", "judged_at": NOW - 10, "revenue_ratio_adjusted": 0.3}
    items = (
        TransactionItem(CID, "p:0", {"fee_rate_ppm": 150}, {"fee_rate_ppm": 100}, {"auto_rollback": verdict}),
        TransactionItem(chan_id_of(2), "q:0", {"fee_rate_ppm": 90}, {"fee_rate_ppm": 100}, {"changed": True}),
        TransactionItem(chan_id_of(3), "r:0", {}, {"fee_rate_ppm": 1}, {"auto_rollback": verdict}),
    )
    record = TransactionRecord(NOW - 100, NOW, "live", TxStatus.APPLIED, items)
    found = rejected_changes([record])
    assert found == {CID: [RejectedChange(NOW - 10, 100, 150, 0.7)]}


def test_a_fee_set_by_hand_is_measured_before_the_prior_overrules_it() -> None:
    # Known for 2 hours (a fresh channel or a fresh install), 300 ppm against a prior of ~100:
    # no forwards yet is no evidence of idleness, so the fee is held, not cut.
    fresh = view(fee_rate_ppm=300, history_days=2 / 24)
    d = engine().decide(fresh, None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any("not yet measured: no approach down" in r for r in d.reasons)
    # The same channel known idle for 200 days is approached down.
    idle = engine().decide(view(fee_rate_ppm=300), None, NOW)
    assert idle.type is DecisionType.DECREASE_FEES


def test_a_channel_sold_out_at_a_low_fee_climbs_every_dwell_of_wall_time() -> None:
    # 3 ppm since 13 h ago (more than the 12 h dwell), drained all along: never any available time.
    change = PolicyChange(NOW - 13 * 3600, policy(1), policy(3))
    drained = view(local_sat=40_000, fee_rate_ppm=3, competitor_fee_ppm=1.0, policy_changes=[change])
    d = engine().decide(drained, None, NOW)
    # 3 x 1.5 is under the 10 ppm minimum step (13), and nothing ever sold: the climb stops at
    # 4 x the prior (1 ppm x 2.88 for a 4 % local ratio) = 12 ppm until a forward sells higher.
    assert fee_of(d.new_policy) == 12
    assert any("sold out 100% of the time" in r and "raise x1.5" in r for r in d.reasons)
    # Not before a dwell of wall time has passed.
    young = PolicyChange(NOW - 6 * 3600, policy(1), policy(3))
    held = engine().decide(dataclasses.replace(drained, policy_changes=(young,)), None, NOW)
    assert held.type is DecisionType.NO_ACTION


def test_the_sold_out_climb_stops_at_four_times_the_highest_fee_that_sold() -> None:
    # Sold one forward at 100 ppm 20 days ago; drained at 400 ppm since 2 days: 4 x 100 reached.
    change = PolicyChange(NOW - 2 * DAY, policy(100), policy(400))
    fwds = [forward_out(CID, 20, 20_000, 2_000)]
    drained = view(
        local_sat=40_000, fee_rate_ppm=400, competitor_fee_ppm=20.0, policy_changes=[change], forwards=fwds
    )
    d = engine().decide(drained, None, NOW)
    assert d.new_policy is None or fee_of(d.new_policy) <= 400
    assert not any("sold out" in r and "raise" in r for r in d.reasons)


def _approached(sold_per_day: float, *, competitor: float) -> ChannelView:
    """Sold ``sold_per_day`` at 100 ppm from 14 to 4 days ago; then 150 (6 h) and 225 ppm since 3.75 d."""
    changes = [
        PolicyChange(NOW - 4 * DAY, policy(100), policy(150)),
        PolicyChange(NOW - int(3.75 * DAY), policy(150), policy(225)),
    ]
    n = round(sold_per_day * 10)
    fwds = [forward_out(CID, 4 + 10 * (i + 0.5) / n, 20_000, 2_000) for i in range(n)]
    return view(
        fee_rate_ppm=225,
        forwards=fwds,
        policy_changes=changes,
        history_days=14,
        competitor_fee_ppm=competitor,
    )


def test_silence_where_forwards_were_expected_steps_down_at_the_largest_ratio() -> None:
    """5 a day at 100 ppm, none in 3.75 days at 225: ~18 expected, P(0) ~ 0. Not far from the prior
    (225 ppm), so no approach: the idle rule steps down x1.5 at once instead of a probe a week later."""
    d = engine().decide(_approached(5, competitor=225.0), None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert fee_of(d.new_policy) == 150
    assert any("no forward since the change where" in r and "step down x1.5" in r for r in d.reasons)


def test_silence_where_few_forwards_were_expected_is_not_idleness() -> None:
    """One forward in ten days at 100 ppm: 0.4 expected in 3.75 days, so silence proves nothing. Far
    above the prior (30 ppm) the old rule cut to the prior at once; now the fee is held."""
    d = engine().decide(_approached(0.1, competitor=30.0), None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any("expected: no approach down" in r for r in d.reasons)
    # With the buyers of a busy channel gone, the same channel far above the prior approaches it.
    busy = engine().decide(_approached(5, competitor=30.0), None, NOW)
    assert busy.type is DecisionType.DECREASE_FEES
    assert any("approach" in r for r in busy.reasons)


def test_the_approach_up_stops_below_a_fee_measured_idle() -> None:
    """Sold 5 a day at 100 ppm, then nothing for 4 days at 300 ppm (20 expected), then 150 and now
    200 ppm, selling about as before: 300 ppm was measured idle, so a prior of 600 ppm no longer
    pulls the fee back up toward it."""
    changes = [
        PolicyChange(NOW - 7 * DAY, policy(100), policy(300)),
        PolicyChange(NOW - 3 * DAY, policy(300), policy(150)),
        PolicyChange(NOW - 2 * DAY, policy(150), policy(200)),
    ]
    fwds = [forward_out(CID, 7 + 10 * (i + 0.5) / 50, 20_000, 2_000) for i in range(50)]
    fwds += [forward_out(CID, 2 + (i + 0.5) / 3, 20_000, 3_000) for i in range(3)]
    fwds += [forward_out(CID, 2 * (i + 0.5) / 4, 20_000, 4_000) for i in range(4)]
    state = view(
        fee_rate_ppm=200, forwards=fwds, policy_changes=changes, history_days=17, competitor_fee_ppm=600.0
    )
    d = engine().decide(state, None, NOW)
    assert any("300 ppm was measured idle: no approach up" in r for r in d.reasons)
    assert d.type is DecisionType.NO_ACTION


def test_the_approach_does_not_undo_a_probe_before_it_is_measured() -> None:
    """Raised toward a 600 ppm prior ten days ago, probed down a few hours ago: the approach would
    turn the fee round a second time within the probe period, undoing the probe unmeasured (the
    weekly probe-down, approach-up saw-tooth of the 2021 graph, seed 3). Without the earlier turn
    the approach still runs."""

    def decide(changes: list[PolicyChange]) -> object:
        state = view(fee_rate_ppm=240, competitor_fee_ppm=600.0, policy_changes=changes, history_days=20)
        return engine().decide(state, None, NOW)

    probed = decide(
        [
            PolicyChange(NOW - 10 * DAY, policy(100), policy(300)),
            PolicyChange(NOW - DAY // 4, policy(300), policy(240)),
        ]
    )
    assert probed.type is DecisionType.NO_ACTION
    held = "the fee already turned within 7 d: the last move is measured first"
    assert any(held in r for r in probed.reasons)
    cut_once = decide([PolicyChange(NOW - DAY // 4, policy(300), policy(240))])
    assert cut_once.type is DecisionType.INCREASE_FEES
    assert any("far from the prior" in r for r in cut_once.reasons)


def test_a_node_whose_forwards_barely_fall_as_fees_rise_climbs() -> None:
    """Pooled elasticity below 1 across the node: a channel with its own evidence flat climbs x1.5,
    at most twice the highest fee it sold at; the reasons carry the node's estimate."""
    from lnpilot.decisions.elasticity import Elasticity
    from lnpilot.decisions.engine import NodeContext

    inelastic = NodeContext(None, (), Elasticity(0.3, 0.0, 0.8, 40, 6))
    # 100 ppm for the 10 days known, 3 forwards: nothing of its own to judge, not idle.
    fwds = [forward_out(CID, 10 * (i + 0.5) / 3, 20_000, 2_000) for i in range(3)]
    state = view(fee_rate_ppm=100, forwards=fwds, history_days=10)
    d = engine().decide(state, None, NOW, inelastic)
    assert d.type is DecisionType.INCREASE_FEES
    assert fee_of(d.new_policy) == 150
    assert any("elasticity of forwards to the fee 0.30 [0.00, 0.80] from 40 forwards" in r for r in d.reasons)
    # Without the node's verdict the same channel waits for its own evidence.
    alone = engine().decide(state, None, NOW)
    assert not any("elasticity" in r for r in alone.reasons)
    # A node whose forwards fall faster than fees rise cuts instead.
    elastic = NodeContext(None, (), Elasticity(2.5, 1.4, 4.0, 40, 6))
    down = engine().decide(state, None, NOW, elastic)
    assert down.type is DecisionType.DECREASE_FEES
    assert any("revenue falls as the fee rises" in r for r in down.reasons)


def test_the_node_verdict_outranks_the_prior_for_the_approach() -> None:
    """Far below the prior (100 vs ~400 ppm) a channel approaches up -- unless the node measured that
    revenue falls as fees rise; far above it, a quiet-enough channel is not cut toward the prior
    when the node measured that revenue rises with the fee."""
    from lnpilot.decisions.elasticity import Elasticity
    from lnpilot.decisions.engine import NodeContext

    fwds = [forward_out(CID, 10 * (i + 0.5) / 3, 20_000, 2_000) for i in range(3)]
    below = view(fee_rate_ppm=100, forwards=fwds, history_days=10, competitor_fee_ppm=400.0)
    assert engine().decide(below, None, NOW).type is DecisionType.INCREASE_FEES
    elastic = NodeContext(None, (), Elasticity(2.5, 1.4, 4.0, 40, 6))
    held = engine().decide(below, None, NOW, elastic)
    assert held.new_policy is None or fee_of(held.new_policy) < 100
    assert any("no approach up" in r and "elasticity of forwards to the fee 2.50" in r for r in held.reasons)
    # 300 ppm, never sold, silent for 10 days: idle by itself, approached down to the prior ~25 ppm...
    above = view(fee_rate_ppm=300, history_days=10, competitor_fee_ppm=25.0)
    assert engine().decide(above, None, NOW).type is DecisionType.DECREASE_FEES
    # ...but not toward it when the node measured that revenue rises with the fee.
    inelastic = NodeContext(None, (), Elasticity(0.3, 0.0, 0.8, 40, 6))
    kept = engine().decide(above, None, NOW, inelastic)
    assert any("no approach down" in r for r in kept.reasons)


def test_a_channel_that_never_sold_is_idle_after_a_whole_probe_period() -> None:
    """No rate to expect forwards from: a probe period of silence is the evidence. Near the prior
    (300 vs ~250 ppm) that is an idle step x1.5, not an approach; a few silent days are not."""
    silent = view(fee_rate_ppm=300, history_days=20, competitor_fee_ppm=250.0)  # 8.7 discounted days
    d = engine().decide(silent, None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert fee_of(d.new_policy) == 200
    assert any("none ever at <= 300 ppm: step down x1.5" in r for r in d.reasons)
    young = engine().decide(view(fee_rate_ppm=300, history_days=3, competitor_fee_ppm=250.0), None, NOW)
    assert not any("step down" in r for r in young.reasons)
