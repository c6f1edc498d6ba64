"""The decide table, rendered from reviews of hand-made views (no node needed)."""

from __future__ import annotations

from rich.console import Console

from lnpilot.cli.decide import _scid, render, summary
from lnpilot.decisions import BUILTIN, DecisionEngine
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.scores import CompositeScore
from lnpilot.safety import PolicyValidator, ValidationHistory
from lnpilot.safety.review import decide_and_validate
from lnpilot.settings import Limits
from tests.decisions.view_builders import NOW, chan_id_of, forward_out, policy, view


def test_table_shows_fee_rebalance_close_and_refusals() -> None:
    target = chan_id_of(1)
    sent = [forward_out(target, day, 100_000, 100_000) for day in (1, 5, 10, 15, 20, 25)]
    cooldown = PolicyChange(NOW - 600, policy(900), policy(1000))
    lazy = [
        view(
            i, fee_rate_ppm=100, forwards=[forward_out(chan_id_of(i), d, 10_000, 4_500_000) for d in (10, 60)]
        )
        for i in (3, 4, 5, 8, 9, 10)
    ]
    views = [
        view(
            1,
            local_sat=100_000,
            fee_rate_ppm=1000,
            competitor_fee_ppm=1000.0,
            forwards=sent,
            policy_changes=[cooldown],
        ),
        view(
            2,
            local_sat=950_000,
            fee_rate_ppm=100,
            forwards=[forward_out(chan_id_of(2), d, 10_000, 4_500_000) for d in (10, 60)],
        ),
        view(6, fee_rate_ppm=100),
        *lazy,
        view(7, local_sat=50_000),
        view(11, local_sat=50_000, history_days=5),
    ]
    scores = {target: CompositeScore(str(target), 61.0, 0.9, "balanced", {})}
    limits = Limits(max_changes_per_node_per_day=0)
    reviews, _ = decide_and_validate(
        views,
        scores,
        ValidationHistory(),
        DecisionEngine(BUILTIN["balanced"], limits),
        PolicyValidator(limits),
        NOW,
    )
    console = Console(width=400, record=True)
    console.print(render(reviews, "balanced"))
    text = console.export_text()
    assert "lnpilot decide (balanced) - nothing executed" in text
    assert "400000 sat from 800000x2x0" in text  # the rebalance
    assert "close: earned 0 msat in 90 d" in text
    assert "refused: close_not_allowed" in text
    assert "refused: node_daily_limit_reached" in text
    assert "100 -> 80 ppm" in text and "approved" in text  # idle channels probe down
    assert " 61 " in text
    assert summary(reviews).startswith(f"{len(views)} channel(s): ")
    assert _scid(2**64 + 5) == str(2**64 + 5)
