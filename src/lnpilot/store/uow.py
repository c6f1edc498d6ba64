"""The unit of work: one connection, one transaction, every repository on it.

    async with store.unit_of_work() as uow:
        await uow.forwards.add_many(events)
        await uow.sync_state.set("forwards", now, high_water)
    # committed here; an exception inside the block rolls everything back

``await uow.commit()`` commits early and opens the next transaction (the sync job commits page by
page so a crash loses at most the page in flight).
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lnpilot.store.repos.api_keys import ApiKeyRepository
from lnpilot.store.repos.audit import AuditRepository
from lnpilot.store.repos.chain import ChainRepository
from lnpilot.store.repos.channels import ChannelRepository
from lnpilot.store.repos.decisions import DecisionRepository
from lnpilot.store.repos.forwards import ForwardRepository
from lnpilot.store.repos.graph import GraphRepository
from lnpilot.store.repos.htlc import HtlcRepository
from lnpilot.store.repos.overrides import OverrideRepository
from lnpilot.store.repos.payments import PaymentsRepository
from lnpilot.store.repos.policies import PolicyRepository
from lnpilot.store.repos.scores import ScoreRepository
from lnpilot.store.repos.sync_state import SyncStateRepository
from lnpilot.store.repos.transactions import TransactionRepository
from lnpilot.store.repos.validation import ValidationRepository


class UnitOfWork:
    forwards: ForwardRepository
    scores: ScoreRepository
    graph: GraphRepository
    channels: ChannelRepository
    policies: PolicyRepository
    decisions: DecisionRepository
    transactions: TransactionRepository
    validation: ValidationRepository
    overrides: OverrideRepository
    api_keys: ApiKeyRepository
    audit: AuditRepository
    sync_state: SyncStateRepository
    chain: ChainRepository
    payments: PaymentsRepository
    htlc: HtlcRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> UnitOfWork:
        conn = await self._engine.connect()
        await conn.begin()
        self._conn = conn
        self.forwards = ForwardRepository(conn)
        self.chain = ChainRepository(conn)
        self.payments = PaymentsRepository(conn)
        self.htlc = HtlcRepository(conn)
        self.scores = ScoreRepository(conn)
        self.graph = GraphRepository(conn)
        self.channels = ChannelRepository(conn)
        self.policies = PolicyRepository(conn)
        self.decisions = DecisionRepository(conn)
        self.transactions = TransactionRepository(conn)
        self.validation = ValidationRepository(conn)
        self.overrides = OverrideRepository(conn)
        self.api_keys = ApiKeyRepository(conn)
        self.audit = AuditRepository(conn)
        self.sync_state = SyncStateRepository(conn)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn = self._require()
        try:
            if exc_type is None:
                await conn.commit()
            else:
                await conn.rollback()
        finally:
            await conn.close()
            self._conn = None

    def _require(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its `async with` block")
        return self._conn

    async def commit(self) -> None:
        """Commit what was done so far and continue in a new transaction."""
        conn = self._require()
        await conn.commit()
        await conn.begin()

    async def rollback(self) -> None:
        conn = self._require()
        await conn.rollback()
        await conn.begin()
