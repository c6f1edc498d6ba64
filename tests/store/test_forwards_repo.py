"""Forwarding events: deduplicated on their natural key, on both databases."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lnpilot.domain.node import ForwardingEvent
from lnpilot.store import Store
from lnpilot.store.repos import forwards as forwards_module

BIG_CHAN = (1 << 64) - 5  # above 2**63: stored through the signed mapping


def _event(i: int, chan_in: int = 111, chan_out: int = 222) -> ForwardingEvent:
    return ForwardingEvent(
        timestamp_ns=1_700_000_000_000_000_000 + i * 1_000_000_000,
        chan_id_in=chan_in,
        chan_id_out=chan_out,
        amt_in_msat=1_000_000 + i,
        amt_out_msat=999_000 + i,
        fee_msat=1_000,
    )


async def test_add_many_skips_duplicates_and_counts_new(store: Store) -> None:
    batch = [_event(i) for i in range(50)]
    async with store.unit_of_work() as uow:
        assert await uow.forwards.add_many(batch) == 50
    async with store.unit_of_work() as uow:
        # Overlapping re-sync: 25 known, 25 new, and a duplicate inside the batch itself.
        overlap = [_event(i) for i in range(25, 75)] + [_event(74)]
        assert await uow.forwards.add_many(overlap) == 25
        assert await uow.forwards.count() == 75
        assert await uow.forwards.add_many([]) == 0


async def test_reads_round_trip_and_filter(store: Store) -> None:
    events = [_event(0, BIG_CHAN, 5), _event(1, 5, BIG_CHAN), _event(2, 7, 8)]
    async with store.unit_of_work() as uow:
        await uow.forwards.add_many(events)
    async with store.unit_of_work() as uow:
        start, end = events[0].timestamp_ns, events[2].timestamp_ns + 1
        assert await uow.forwards.between(start, end) == events
        assert await uow.forwards.between(start, end, chan_id=BIG_CHAN) == events[:2]
        assert await uow.forwards.count(since_ns=events[1].timestamp_ns) == 2
        assert await uow.forwards.count(until_ns=events[1].timestamp_ns) == 1
        assert await uow.forwards.latest_timestamp_ns() == events[2].timestamp_ns


async def test_empty_table_has_no_latest(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.forwards.latest_timestamp_ns() is None


async def test_chunked_insert_counts_across_chunks(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(forwards_module, "CHUNK", 7)
    async with store.unit_of_work() as uow:
        assert await uow.forwards.add_many(_event(i) for i in range(30)) == 30
        assert await uow.forwards.add_many(_event(i) for i in range(20, 40)) == 10


async def test_rollback_on_error_keeps_nothing(store: Store) -> None:
    try:
        async with store.unit_of_work() as uow:
            await uow.forwards.add_many([_event(1)])
            raise RuntimeError("crash mid-transaction")
    except RuntimeError:
        pass
    async with store.unit_of_work() as uow:
        assert await uow.forwards.count() == 0


_events = st.builds(
    ForwardingEvent,
    timestamp_ns=st.integers(0, 10),
    chan_id_in=st.sampled_from([1, 2, BIG_CHAN]),
    chan_id_out=st.sampled_from([3, BIG_CHAN]),
    amt_in_msat=st.integers(1, 3),
    amt_out_msat=st.integers(1, 3),
    fee_msat=st.integers(0, 2),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(_events, max_size=20), second=st.lists(_events, max_size=20))
async def test_count_equals_distinct_natural_keys(store: Store, first, second) -> None:  # type: ignore[no-untyped-def]
    async with store.unit_of_work() as uow:
        before = await uow.forwards.count()
        added = await uow.forwards.add_many(first) + await uow.forwards.add_many(second)
        after = await uow.forwards.count()
        await uow.rollback()  # leave the table empty for the next example
    # Events sharing a natural key are one event, whatever their fee.
    assert added == after - before == len({e.natural_key for e in first + second})
