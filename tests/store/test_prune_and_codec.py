"""Retention pruning, and the column codecs (uint64 channel ids, scores, policies)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lnpilot.domain.node import LocalChannel
from lnpilot.settings import StoreSettings
from lnpilot.store import Store
from lnpilot.store.codec import chan_from_db, chan_to_db, policy_from_json, policy_to_json
from tests.store.factories import policy, pubkey, score

DAY = 86_400
NOW = 1_800_000_000


def _channel() -> LocalChannel:
    return LocalChannel(1, f"{'ab' * 32}:0", pubkey(1), 1_000_000, 500_000, 500_000, True)


async def test_prune_applies_each_retention(store: Store) -> None:
    store.retention = StoreSettings(
        channel_snapshot_retention_days=10, graph_snapshot_retention_days=5, score_history_retention_days=0
    )
    async with store.unit_of_work() as uow:
        for age_days, value in ((20, 1.0), (8, 0.9), (1, 0.8)):
            await uow.channels.add_snapshots([_channel()], taken_at=NOW - age_days * DAY)
            await uow.graph.add_snapshot(NOW - age_days * DAY, "test", 0, 0, 0)
            await uow.scores.add(score(pubkey(1), value, NOW - age_days * DAY))
    report = await store.prune(NOW)
    assert (report.channel_snapshots, report.graph_snapshots, report.score_history) == (1, 2, 0)
    async with store.unit_of_work() as uow:
        assert len(await uow.channels.snapshots(1)) == 2
        assert len(await uow.scores.history(pubkey(1))) == 3  # 0 days: keep everything
    store.retention = StoreSettings(
        channel_snapshot_retention_days=0, graph_snapshot_retention_days=0, score_history_retention_days=2
    )
    assert (await store.prune(NOW)).score_history == 2


@given(st.integers(0, (1 << 64) - 1))
def test_chan_id_round_trips_through_signed_bigint(chan_id: int) -> None:
    stored = chan_to_db(chan_id)
    assert -(1 << 63) <= stored < (1 << 63)
    assert chan_from_db(stored) == chan_id


def test_chan_id_out_of_range_rejected() -> None:
    import pytest

    from lnpilot.errors import InvalidInputError

    for bad in (-1, 1 << 64):
        with pytest.raises(InvalidInputError):
            chan_to_db(bad)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_policy_json_round_trip(fee: int, base: int) -> None:
    assert policy_from_json(policy_to_json(policy(fee, base))) == policy(fee, base)
    assert policy_from_json(None) is None and policy_to_json(None) is None


async def test_unit_of_work_outside_its_block_is_refused(store: Store) -> None:
    import pytest

    uow = store.unit_of_work()
    with pytest.raises(RuntimeError, match="outside"):
        await uow.commit()
    async with uow:
        await uow.sync_state.set("x", 1)
        await uow.commit()
        await uow.sync_state.set("y", 2)
        await uow.rollback()
    async with store.unit_of_work() as check:
        assert [m.kind for m in await check.sync_state.all()] == ["x"]


async def test_open_without_migrating_an_already_migrated_database(store: Store, database_url: str) -> None:
    again = await Store.open_url(database_url, run_migrations=False)
    try:
        async with again.unit_of_work() as uow:
            assert await uow.forwards.count() == 0
    finally:
        await again.close()


async def test_score_history_keeps_what_changed_and_downsamples_old_days(store: Store) -> None:
    """Issue 17 item 23: an unchanged score adds no history row; past the full-resolution span
    one row per subject and day remains; the latest score keeps its reasons."""
    from lnpilot.domain.scores import HEURISTICS
    from lnpilot.store.store import SCORE_HISTORY_FULL_DAYS

    first = HEURISTICS[0]

    start = NOW - 30 * DAY
    async with store.unit_of_work() as uow:
        for hour in range(30 * 24):
            value = 0.5 if hour % 24 < 12 else 0.6  # changes twice a day
            await uow.scores.add(score(pubkey(1), value, start + hour * 3600, **{first: value}))
            await uow.scores.add(score(pubkey(2), 0.7, start + hour * 3600))  # never changes
        assert len(await uow.scores.history(pubkey(2))) == 1
        assert len(await uow.scores.history(pubkey(1), limit=5000)) == 60
        latest = await uow.scores.latest(pubkey(1))
        assert latest is not None and latest.computed_at == start + (30 * 24 - 1) * 3600
        assert all(h.reason for h in latest.heuristics.values())  # reasons stay on the latest row
    store.retention = StoreSettings(score_history_retention_days=0)
    removed = (await store.prune(NOW)).score_history
    async with store.unit_of_work() as uow:
        kept = await uow.scores.history(pubkey(1), limit=5000)
    recent = [s for s in kept if s.computed_at >= NOW - SCORE_HISTORY_FULL_DAYS * DAY]
    old_days = {s.computed_at // DAY for s in kept if s.computed_at < NOW - SCORE_HISTORY_FULL_DAYS * DAY}
    assert len(kept) - len(recent) == len(old_days)  # one row per old day
    assert removed == 60 - len(kept) > 0
    assert {s.score_of(first) for s in kept} == {0.5, 0.6}  # the numbers survive compaction
