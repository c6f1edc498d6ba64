"""Limits hold across a real restart: approved changes go to the store, a new process rebuilds
the history from it, and the same proposals are refused (SQLite here; PostgreSQL when configured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.decisions import BUILTIN, DecisionEngine
from lnpilot.decisions.types import FEE_DECISIONS
from lnpilot.safety import PolicyValidator, ValidationHistory
from lnpilot.safety.review import decide_and_validate
from lnpilot.settings import Limits
from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import applied_changes_since
from tests.decisions.view_builders import NOW, view

VIEWS = [view(i, local_sat=50_000) for i in range(1, 9)]  # eight drained channels, all want a raise


async def _cycle(url: str, now: int) -> list[tuple[int, tuple[str, ...]]]:
    """One process lifetime: open the store, rebuild history, decide, record what passed, close."""
    limits = Limits(max_changes_per_node_per_day=5)  # the hard ceiling under the proportional cap
    store = await Store.open_url(url)
    try:
        history = ValidationHistory.from_events(await applied_changes_since(store, now - 86_400))
        reviews, _ = decide_and_validate(
            VIEWS, None, history, DecisionEngine(BUILTIN["balanced"], limits), PolicyValidator(limits), now
        )
        async with store.unit_of_work() as uow:
            for review in reviews:
                if review.verdict.approved and review.decision.type in FEE_DECISIONS:
                    await uow.validation.record(review.decision.chan_id, now)
    finally:
        await store.close()
    return [(r.decision.chan_id, r.verdict.codes) for r in reviews]


async def _restarts_keep_limits(url: str) -> None:
    first = await _cycle(url, NOW)
    assert sum(1 for _, codes in first if not codes) == 5  # the per-node daily limit
    # "Restart" ten minutes later: the five changed channels are in cooldown, the node is full.
    second = await _cycle(url, NOW + 600)
    assert all(codes for _, codes in second)
    changed = {chan for chan, codes in first if not codes}
    for chan, codes in second:
        assert "node_daily_limit_reached" in codes
        assert ("cooldown_active" in codes) == (chan in changed)
    # A day later the window has passed: changes are allowed again.
    third = await _cycle(url, NOW + 86_400 + 1)
    assert sum(1 for _, codes in third if not codes) == 5


async def test_limits_hold_across_restarts_sqlite(tmp_path: Path) -> None:
    await _restarts_keep_limits(f"sqlite+aiosqlite:///{tmp_path / 'history.db'}")


@pytest.mark.service
async def test_limits_hold_across_restarts_postgres(postgres_url: str) -> None:
    from tests.store.databases import fresh_postgres_async

    async with fresh_postgres_async(postgres_url) as url:  # a database of its own, dropped after
        await _restarts_keep_limits(url)
