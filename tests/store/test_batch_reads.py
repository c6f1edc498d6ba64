"""Batch reads behind list pages and endpoints: one read answers what a read per row used to."""

from __future__ import annotations

from lnpilot.domain.node import ClosedChannel, LocalChannel
from lnpilot.store import Store
from lnpilot.store.records import DecisionRecord
from tests.store.factories import pubkey, score

OPEN_A = 800_000 << 40 | 1
OPEN_B = 2**64 - 5  # above 2**63: stored as a negative BIGINT, must come back unsigned
CLOSED = 800_001 << 40 | 1
SILENT = 800_002 << 40 | 1  # open, never decided on


def _open(chan_id: int) -> LocalChannel:
    return LocalChannel(
        chan_id=chan_id,
        channel_point=f"{chan_id:064x}:0",
        remote_pubkey=pubkey(chan_id % 1000),
        capacity_sat=1_000_000,
        local_balance_sat=1,
        remote_balance_sat=1,
        active=True,
    )


def _decision(chan_id: int | None, at: int, reason: str) -> DecisionRecord:
    return DecisionRecord(at, "no_action", "balanced", "shadow", False, chan_id, {}, [reason], None)


async def test_latest_decision_per_channel(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.channels.record_open([_open(c) for c in (OPEN_A, OPEN_B, CLOSED, SILENT)], 10)
        await uow.channels.record_closed(
            [
                ClosedChannel(
                    CLOSED, f"{CLOSED:064x}:0", pubkey(1), 1_000_000, 900_000, 1, "COOPERATIVE_CLOSE"
                )
            ],
            20,
        )
        for chan_id, at, reason in [
            (OPEN_A, 100, "a-old"),
            (OPEN_A, 200, "a-tie-first"),
            (OPEN_A, 200, "a-tie-second"),  # same second: the later row wins, as in search()
            (OPEN_B, 150, "b"),
            (CLOSED, 300, "closed"),
            (None, 400, "node-level"),
        ]:
            await uow.decisions.add(_decision(chan_id, at, reason))
    async with store.unit_of_work() as uow:
        open_only = await uow.decisions.latest_per_channel()
        everything = await uow.decisions.latest_per_channel(include_closed=True)
        one_by_one = {
            c: (await uow.decisions.search(chan_id=c, limit=1))[0] for c in (OPEN_A, OPEN_B, CLOSED)
        }
    assert {c: d.reasons for c, d in open_only.items()} == {OPEN_A: ["a-tie-second"], OPEN_B: ["b"]}
    assert set(everything) == {OPEN_A, OPEN_B, CLOSED}
    assert everything == one_by_one


async def test_latest_scores_of_many_subjects(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.scores.add_many([score(pubkey(i), float(i), 100) for i in range(1, 6)])
        await uow.scores.add_many([score(pubkey(1), 99.0, 50, profile="aggressive")])
        await uow.scores.add_many([score("123", 7.0, 100)], subject_kind="channel")
    async with store.unit_of_work() as uow:
        some = await uow.scores.latest_many("node", "balanced", [pubkey(2), pubkey(4), pubkey(99), pubkey(2)])
        nodes = await uow.scores.latest_many("node", "balanced")
        aggressive = await uow.scores.latest_many("node", "aggressive")
        channels = await uow.scores.latest_many("channel", "balanced")
        assert some == {
            pubkey(2): await uow.scores.latest(pubkey(2), "node", "balanced"),
            pubkey(4): nodes[pubkey(4)],
        }
    assert sorted(nodes) == [pubkey(i) for i in range(1, 6)]
    assert aggressive[pubkey(1)].composite == 99.0 and len(aggressive) == 1
    assert list(channels) == ["123"]


async def test_a_window_of_more_transactions_than_a_statement_takes_parameters(store: Store) -> None:
    """The P&L reads every transaction of its window (``search(limit=MAX_TRANSACTIONS)``): past
    32,767 of them one ``IN`` list broke PostgreSQL's parameter limit (asyncpg: "the number of query
    arguments cannot exceed 32767"): a year of 10-minute cycles that each applied something."""
    from lnpilot.store.tables import transaction_items, transactions

    n = 33_000
    async with store.unit_of_work() as uow:
        conn = uow._require()
        await conn.execute(
            transactions.insert(),
            [
                {
                    "created_at": 1_000 + k,
                    "updated_at": 1_000 + k,
                    "mode": "live",
                    "status": "applied",
                    "note": "",
                }
                for k in range(n)
            ],
        )
        first, last = 1, n  # ids as inserted
        await conn.execute(
            transaction_items.insert(),
            [
                {"tx_id": tx, "chan_id": OPEN_A, "channel_point": "p:0", "requested_policy": {}}
                for tx in (first, last)
            ],
        )
    async with store.unit_of_work() as uow:
        found = await uow.transactions.search(since=0, limit=1_000_000)
    assert len(found) == n and found[0].created_at == 1_000 + n - 1  # newest first
    assert [len(found[0].items), len(found[-1].items), len(found[1].items)] == [1, 1, 0]
