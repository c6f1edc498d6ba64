"""Decisions, reviews, transactions, validation history, API keys, audit log, sync marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.errors import InvalidInputError, NotFoundError
from lnpilot.store import Store
from lnpilot.store.records import (
    AuditEntry,
    DecisionRecord,
    ExpertReview,
    InvalidTransition,
    TransactionItem,
    TransactionRecord,
    TxStatus,
)
from lnpilot.store.repos.api_keys import hash_key
from tests.store.factories import pubkey

BIG_CHAN = (1 << 64) - 1


def _decision(at: int, kind: str = "set_fee", chan_id: int | None = 42) -> DecisionRecord:
    return DecisionRecord(
        created_at=at,
        type=kind,
        chan_id=chan_id,
        params={"fee_rate_ppm": 120},
        reasons=[{"code": "cooldown", "text": "changed 10 min ago"}],
        confidence=0.8,
        profile="balanced",
        mode="shadow",
        would_execute=False,
    )


async def test_decisions_by_time_type_and_channel(store: Store) -> None:
    async with store.unit_of_work() as uow:
        ids = [
            await uow.decisions.add(_decision(100)),
            await uow.decisions.add(_decision(200, "rebalance", BIG_CHAN)),
            await uow.decisions.add(_decision(300, "no_action", None)),
        ]
    async with store.unit_of_work() as uow:
        stored = await uow.decisions.get(ids[0])
        assert stored.reasons == [{"code": "cooldown", "text": "changed 10 min ago"}]
        assert stored.params == {"fee_rate_ppm": 120} and stored.id == ids[0]
        assert [d.created_at for d in await uow.decisions.search()] == [300, 200, 100]
        assert [d.type for d in await uow.decisions.search(type="rebalance")] == ["rebalance"]
        assert [d.id for d in await uow.decisions.search(chan_id=BIG_CHAN)] == [ids[1]]
        assert [d.created_at for d in await uow.decisions.search(since=150, until=300)] == [200]
        assert await uow.decisions.count() == 3
        with pytest.raises(NotFoundError):
            await uow.decisions.get(9999)


async def test_expert_reviews(store: Store) -> None:
    async with store.unit_of_work() as uow:
        decision_id = await uow.decisions.add(_decision(100))
        await uow.decisions.add_review(
            ExpertReview(decision_id, agree=True, notes="sensible", reviewed_at=150)
        )
        await uow.decisions.add_review(
            ExpertReview(decision_id, agree=False, notes="too fast", reviewed_at=160)
        )
        with pytest.raises(NotFoundError):
            await uow.decisions.add_review(ExpertReview(12345, agree=True, notes="", reviewed_at=1))
    async with store.unit_of_work() as uow:
        reviews = await uow.decisions.reviews(decision_id)
        assert [(r.agree, r.notes) for r in reviews] == [(True, "sensible"), (False, "too fast")]
        other = await uow.decisions.add(_decision(200, "rebalance"))
        await uow.decisions.add_review(ExpertReview(other, agree=True, notes="", reviewed_at=210))
        assert await uow.decisions.agreement() == [("rebalance", 1, 1), ("set_fee", 2, 1)]


def _tx(now: int = 100) -> TransactionRecord:
    item = TransactionItem(
        chan_id=BIG_CHAN,
        channel_point=f"{'ab' * 32}:0",
        requested_policy={"fee_rate_ppm": 200},
        backup_policy={"fee_rate_ppm": 100},
    )
    return TransactionRecord(
        created_at=now, updated_at=now, mode="live", status=TxStatus.PENDING, items=(item,)
    )


async def test_transaction_state_machine(store: Store) -> None:
    async with store.unit_of_work() as uow:
        tx_id = await uow.transactions.create(_tx())
        assert [t.id for t in await uow.transactions.open()] == [tx_id]
        await uow.transactions.transition(tx_id, TxStatus.IN_FLIGHT, now=110)
        item = (await uow.transactions.get(tx_id)).items[0]
        await uow.transactions.set_item_result(item.id or 0, {"verified": True})
        await uow.transactions.transition(tx_id, TxStatus.APPLIED, now=120, note="verified")
        with pytest.raises(InvalidTransition, match="applied -> in_flight"):
            await uow.transactions.transition(tx_id, TxStatus.IN_FLIGHT, now=130)
        await uow.transactions.transition(tx_id, TxStatus.ROLLED_BACK, now=140)
        with pytest.raises(NotFoundError):
            await uow.transactions.set_item_result(987654, {})
        with pytest.raises(NotFoundError):
            await uow.transactions.get(987654)
    async with store.unit_of_work() as uow:
        tx = await uow.transactions.get(tx_id)
        assert tx.status is TxStatus.ROLLED_BACK and tx.updated_at == 140 and tx.note == "verified"
        assert tx.items[0].chan_id == BIG_CHAN
        assert tx.items[0].backup_policy == {"fee_rate_ppm": 100}
        assert tx.items[0].result == {"verified": True}
        assert await uow.transactions.open() == []
        other = await uow.transactions.create(_tx(200))
        assert [t.id for t in await uow.transactions.search()] == [other, tx_id]
        assert [t.id for t in await uow.transactions.search(status=TxStatus.ROLLED_BACK)] == [tx_id]
        assert [t.id for t in await uow.transactions.search(since=150)] == [other]
        assert await uow.transactions.count() == 2


async def test_validation_history_for_cooldowns_and_daily_counts(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.validation.last_change_at(1) is None
        for at in (100, 200, 300):
            await uow.validation.record(1, at, peer_pubkey=pubkey(1))
        await uow.validation.record(2, 250, peer_pubkey=pubkey(1))
        await uow.validation.record(2, 260, kind="rebalance")
    async with store.unit_of_work() as uow:
        assert await uow.validation.last_change_at(1) == 300
        assert await uow.validation.last_change_at(2) == 250
        assert await uow.validation.last_change_at(2, kind="rebalance") == 260
        assert await uow.validation.count_for_channel(1, since=150) == 2
        assert await uow.validation.count_for_peer(pubkey(1), since=150) == 3
        assert await uow.validation.count_total(since=0) == 4
        assert await uow.validation.count_total(since=0, kind="rebalance") == 1


def test_no_table_is_written_and_read_by_nothing() -> None:
    """Issue 17 item 22: ``blacklist`` was written by nothing and read by nothing (the blacklist lives
    in settings): the table is gone (migration 0005_hardening) and docs/store.md no longer claims
    decisions use it. ``channel_overrides`` is wired (web UI writes, the pipeline reads)."""
    import lnpilot.execution.overrides as folded
    from lnpilot.store.tables import metadata

    assert "blacklist" not in metadata.tables and "channel_overrides" in metadata.tables
    assert "uow.overrides.channels()" in Path(folded.__file__).read_text()  # the reader
    doc = (Path(__file__).resolve().parents[2] / "docs" / "store.md").read_text()
    table_rows = [line for line in doc.splitlines() if line.startswith("| `")]
    assert not [r for r in table_rows if "`blacklist`" in r]


async def test_api_keys_are_hashed_and_revocable(store: Store) -> None:
    async with store.unit_of_work() as uow:
        record, key = await uow.api_keys.create("dashboard", "read", now=100)
        admin, admin_key = await uow.api_keys.create(" ops ", "admin", now=100)
        with pytest.raises(InvalidInputError):
            await uow.api_keys.create("x", "root", now=1)
        with pytest.raises(InvalidInputError):
            await uow.api_keys.create("  ", "read", now=1)
    assert key not in repr(record) and record.prefix == key[:10] and admin.name == "ops"
    async with store.unit_of_work() as uow:
        found = await uow.api_keys.authenticate(key, now=150)
        assert found is not None and found.id == record.id and found.last_used_at == 150
        assert await uow.api_keys.authenticate(key + "x", now=150) is None
        assert await uow.api_keys.revoke(admin.id, now=160)
        assert not await uow.api_keys.revoke(admin.id, now=170)
        assert await uow.api_keys.authenticate(admin_key, now=180) is None
        listed = await uow.api_keys.all()
        assert [(k.name, k.active) for k in listed] == [("dashboard", True), ("ops", False)]
        # The plaintext is nowhere in the table, only its hash.
        assert hash_key(key) != key


async def test_audit_log(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.audit.add(AuditEntry(100, "cli", "api_key.create", "key 1", {"scope": "read"}))
        await uow.audit.add(AuditEntry(200, "daemon", "policy.update", "chan 7"))
    async with store.unit_of_work() as uow:
        assert [e.action for e in await uow.audit.recent()] == ["policy.update", "api_key.create"]
        assert [e.at for e in await uow.audit.recent(action="api_key.create")] == [100]
        assert [e.at for e in await uow.audit.recent(since=150)] == [200]
        assert (await uow.audit.recent(limit=1))[0].details == {}


async def test_sync_marks(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.sync_state.get("forwards") is None
        await uow.sync_state.set("forwards", 100, 5)
        await uow.sync_state.set("forwards", 200, 9)
        await uow.sync_state.set("channels", 150)
    async with store.unit_of_work() as uow:
        mark = await uow.sync_state.get("forwards")
        assert mark is not None and (mark.synced_at, mark.high_water) == (200, 9)
        assert [m.kind for m in await uow.sync_state.all()] == ["channels", "forwards"]


async def test_channel_overrides(store: Store) -> None:
    from lnpilot.errors import InvalidInputError
    from lnpilot.store.records import ChannelOverrideRecord

    async with store.unit_of_work() as uow:
        await uow.overrides.set_channel(ChannelOverrideRecord(BIG_CHAN, pin=True, updated_at=5))
        await uow.overrides.set_channel(ChannelOverrideRecord(7, fee_rate_min_ppm=10, fee_rate_max_ppm=500))
        with pytest.raises(InvalidInputError, match="exceeds"):
            await uow.overrides.set_channel(
                ChannelOverrideRecord(8, fee_rate_min_ppm=600, fee_rate_max_ppm=5)
            )
    async with store.unit_of_work() as uow:
        pinned = await uow.overrides.channel(BIG_CHAN)
        assert pinned is not None and pinned.pin and not pinned.exclude
        assert [o.chan_id for o in await uow.overrides.channels()] == [7, BIG_CHAN]
        assert await uow.overrides.remove_channel(7)
        assert await uow.overrides.channel(7) is None
        assert not await uow.overrides.remove_channel(7)
