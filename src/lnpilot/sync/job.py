"""The sync job: our node's state from a ``NodeBackend`` into the store.

Idempotent (a second run without new activity adds no forwarding events, policy changes or closed
channels; it does add one channel snapshot, which is an observation by design) and resumable:
forwarding events are committed page by page together with the high-water mark, so a crash loses
at most the page in flight, and the next run re-reads from the mark minus an overlap that the
natural-key deduplication makes harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from lnpilot.backends.base import BackendError, BackendNotFound, Capability, CapabilityMissing, NodeBackend
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import ChannelFee
from lnpilot.logs import get_logger
from lnpilot.settings import SyncSettings
from lnpilot.store import Store
from lnpilot.store.records import NodeFeeSums
from lnpilot.store.repos.sync_state import unavailable_mark
from lnpilot.sync.progress import NullProgress, SyncProgress

log = get_logger(__name__)
_NS = 1_000_000_000
_DAY_S = 86_400
# Our clock and the node's may disagree; ask for events up to a day past our "now".
_END_MARGIN_S = _DAY_S

KINDS = ("channels", "fee_report", "forwards", "closed_channels", "chain", "payments", "graph")
PAYMENTS_PAGE_SIZE = 1_000


@dataclass(frozen=True, slots=True)
class SyncReport:
    started_at: int
    channels: int = 0
    policy_changes: int = 0
    forwards_fetched: int = 0
    forwards_added: int = 0
    forwards_high_water_ns: int | None = None
    closed_channels_new: int = 0
    chain_transactions: int = 0
    payments_read: int = 0
    invoices_settled: int = 0
    graph_snapshot_id: int | None = None
    graph_nodes: int | None = None
    pruned: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # kind -> why it was not synced

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fee_fields(fee: ChannelFee) -> tuple[int, int, int, int]:
    return (fee.base_fee_msat, fee.fee_rate_ppm, fee.inbound_base_fee_msat, fee.inbound_fee_rate_ppm)


def _policy_fee_fields(policy: RoutingPolicy) -> tuple[int, int, int, int]:
    return (
        policy.base_fee_msat,
        policy.fee_rate_ppm,
        policy.inbound_base_fee_msat,
        policy.inbound_fee_rate_ppm,
    )


class SyncJob:
    def __init__(
        self,
        backend: NodeBackend,
        store: Store,
        settings: SyncSettings | None = None,
        graph_max_age_s: float = 3600.0,
        progress: SyncProgress | None = None,
        after_page: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.backend = backend
        self.store = store
        self.settings = settings or SyncSettings()
        self.graph_max_age_s = graph_max_age_s
        self.progress = progress or NullProgress()
        # Called with the number of forward pages committed so far (a test hook for crash tests).
        self._after_page = after_page
        self._own: str | None = None

    async def run(self, now: int, kinds: tuple[str, ...] = KINDS, force_graph: bool = False) -> SyncReport:
        values: dict[str, Any] = {"started_at": now, "skipped": {}}
        caps = self.backend.capabilities
        steps: list[tuple[str, Capability, Callable[[int], Awaitable[dict[str, Any]]]]] = [
            ("channels", Capability.LIST_CHANNELS, self._channels),
            ("fee_report", Capability.FEE_REPORT, self._fee_report),
            ("forwards", Capability.FORWARDING_HISTORY, self._forwards),
            ("closed_channels", Capability.CLOSED_CHANNELS, self._closed),
            ("chain", Capability.CHAIN_TRANSACTIONS, self._chain),
            ("payments", Capability.PAYMENT_HISTORY, self._payments),
            ("graph", Capability.DESCRIBE_GRAPH, lambda at: self._graph(at, force_graph)),
        ]
        for kind, capability, step in steps:
            if kind not in kinds:
                continue
            if capability not in caps:
                values["skipped"][kind] = f"backend lacks {capability.value}"
                # Remembered so the views estimate flow from the balance snapshots (forwards) and
                # the P&L says "not measured" rather than "no sync has run" (chain, payments).
                if kind in ("forwards", "chain", "payments"):
                    await self._mark(unavailable_mark(kind), now)
                continue
            self.progress.start(kind)
            result = await step(now)
            self.progress.finish(kind, result.pop("_summary", ""))
            if "_skipped" in result:
                values["skipped"][kind] = result.pop("_skipped")
            values.update(result)
            if kind == "graph" and result.get("graph_snapshot_id") is None:
                values["skipped"][kind] = "graph snapshot is recent enough"
        pruned = await self.store.prune(now)
        values["pruned"] = {k: v for k, v in asdict(pruned).items() if v}
        return SyncReport(**values)

    async def _own_pubkey(self) -> str:
        """Our node's pubkey, read once per job (the channels step reads it with the height)."""
        if self._own is None:
            self._own = (await self.backend.get_info()).pub_key
        return self._own

    async def _mark(self, kind: str, now: int, high_water: int | None = None) -> None:
        async with self.store.unit_of_work() as uow:
            await uow.sync_state.set(kind, now, high_water)

    async def _channels(self, now: int) -> dict[str, Any]:
        height = None
        if Capability.GET_INFO in self.backend.capabilities:
            info = await self.backend.get_info()
            height, self._own = info.block_height, info.pub_key
        channels = await self.backend.list_channels()
        async with self.store.unit_of_work() as uow:
            await uow.channels.record_open(channels, now)
            # With the chain height, stored views know it as live views do.
            await uow.channels.add_snapshots(channels, now, block_height=height)
            await uow.sync_state.set("channels", now)
        return {"channels": len(channels), "_summary": f"{len(channels)} open"}

    async def _fee_report(self, now: int) -> dict[str, Any]:
        report = await self.backend.fee_report()
        changes = 0
        async with self.store.unit_of_work() as uow:
            stored_policies = await uow.policies.current_all()  # one read, not one per channel
        own: str | None = None
        unknown: list[str] = []
        for fee in report.channels:
            stored = stored_policies.get(fee.chan_id)
            if stored is not None and _policy_fee_fields(stored) == _fee_fields(fee):
                continue
            # The fee report lacks time lock and HTLC limits; a change is recorded with the complete
            # policy read from the node, and only the fee fields are compared between runs.
            if own is None and Capability.GET_INFO in self.backend.capabilities:
                own = await self._own_pubkey()
            try:
                live = await self._complete_policy(fee, own)
            except BackendNotFound as exc:  # e.g. a channel too young to be in the node's graph
                log.warning("sync_policy_unavailable", chan_id=fee.chan_id, reason=str(exc))
                continue
            except CapabilityMissing as exc:  # LNbits without a graph snapshot listing the channel
                log.warning("sync_policy_unknown", chan_id=fee.chan_id, reason=str(exc))
                unknown.append(str(exc))
                continue
            change = PolicyChange(
                changed_at=now, old=stored, new=live, source="initial" if stored is None else "external"
            )
            async with self.store.unit_of_work() as uow:
                await uow.policies.add(fee.chan_id, change)
            changes += 1
        async with self.store.unit_of_work() as uow:
            if Capability.FORWARDING_HISTORY not in self.backend.capabilities:
                # Without per-channel forwards (LNbits) the node-wide sums are the only revenue
                # figure there is: kept (labelled) for pnl, ledger and report.
                sums = (report.day_fee_sum_sat, report.week_fee_sum_sat, report.month_fee_sum_sat)
                await uow.sync_state.set_node_fee_sums(NodeFeeSums(now, *sums))
            await uow.sync_state.set("fee_report", now)
        result: dict[str, Any] = {"policy_changes": changes, "_summary": f"{changes} policy changes"}
        if unknown:
            result["_skipped"] = f"policy of {len(unknown)} channel(s) not known: {unknown[0]}"
        return result

    async def _complete_policy(self, fee: ChannelFee, own: str | None) -> RoutingPolicy:
        """Our side of the channel's edge by its chan_id: one read, where ``get_policy`` first
        lists every channel to find the id of a channel point."""
        if own is not None:
            try:
                edge = await self.backend.get_edge(fee.chan_id)
            except BackendNotFound:
                raise
            except BackendError:
                return await self.backend.get_policy(fee.channel_point)  # no edge lookup here
            policy = edge.policy_of(own) if own in (edge.node1, edge.node2) else None
            if policy is None:
                raise BackendNotFound(f"channel {fee.chan_id} has no policy of ours in the graph yet")
            return policy
        return await self.backend.get_policy(fee.channel_point)

    async def _forwards(self, now: int) -> dict[str, Any]:
        async with self.store.unit_of_work() as uow:
            mark = await uow.sync_state.get("forwards")
        if mark is not None and mark.high_water is not None:
            start_s = max(0, mark.high_water // _NS - self.settings.forwards_overlap_s)
        elif self.settings.initial_lookback_days is not None:
            start_s = max(0, now - int(self.settings.initial_lookback_days * _DAY_S))
        else:
            start_s = 0
        end_s = max(now, start_s) + _END_MARGIN_S
        events = sorted(await self.backend.forwarding_history(start_s, end_s), key=lambda e: e.timestamp_ns)
        high_water = None if mark is None else mark.high_water
        added = 0
        page_size = self.settings.forwards_page_size
        pages = [events[i : i + page_size] for i in range(0, len(events), page_size)]
        self.progress.total("forwards", len(events))
        for number, page in enumerate(pages, start=1):
            page_high = page[-1].timestamp_ns
            high_water = page_high if high_water is None else max(high_water, page_high)
            # Events and mark in one transaction: the mark never runs ahead of what is stored.
            async with self.store.unit_of_work() as uow:
                added += await uow.forwards.add_many(page)
                await uow.sync_state.set("forwards", now, high_water)
            self.progress.advance("forwards", len(page))
            if self._after_page is not None:
                await self._after_page(number)
        if not pages:
            await self._mark("forwards", now, high_water)
        log.info("sync_forwards", fetched=len(events), added=added, start_s=start_s, end_s=end_s)
        return {
            "forwards_fetched": len(events),
            "forwards_added": added,
            "forwards_high_water_ns": high_water,
            "_summary": f"{added} new of {len(events)} read",
        }

    async def _closed(self, now: int) -> dict[str, Any]:
        closed = await self.backend.closed_channels()
        async with self.store.unit_of_work() as uow:
            new = await uow.channels.record_closed(closed, now)
            await uow.sync_state.set("closed_channels", now)
        return {"closed_channels_new": new, "_summary": f"{new} newly closed"}

    async def _chain(self, now: int) -> dict[str, Any]:
        from lnpilot.backends.chain import ChainBackend

        if not isinstance(self.backend, ChainBackend):
            return {"_summary": "backend has no chain wallet"}
        txs = await self.backend.chain_transactions()
        async with self.store.unit_of_work() as uow:
            await uow.chain.add_many(txs)
            await uow.sync_state.set("chain", now)
        return {"chain_transactions": len(txs), "_summary": f"{len(txs)} wallet transactions"}

    async def _payments(self, now: int) -> dict[str, Any]:
        """Payments sent and invoices paid, read on from marks (``sync_state`` kinds ``payments``
        and ``invoices``). A mark never passes a payment still in flight or an invoice that can
        still be paid: the next run reads them again, until they are final."""
        from lnpilot.backends.payments import PaymentHistoryBackend

        if not isinstance(self.backend, PaymentHistoryBackend):
            return {"_summary": "backend has no payment history"}
        own = await self._own_pubkey()
        async with self.store.unit_of_work() as uow:
            pay_mark = await uow.sync_state.get("payments")
            inv_mark = await uow.sync_state.get("invoices")
        backend = self.backend

        offset = (pay_mark.high_water or 0) if pay_mark else 0
        hold: int | None = None
        read = 0
        while True:
            page = await backend.payments_page(offset, PAYMENTS_PAGE_SIZE, own)
            if not page.payments:
                break
            for p in page.payments:
                if p.pending and hold is None:
                    hold = p.payment_index
            async with self.store.unit_of_work() as uow:
                await uow.payments.add_payments(page.payments)
            read += len(page.payments)
            last = max(page.last_index_offset, max(p.payment_index for p in page.payments))
            if last <= offset or len(page.payments) < PAYMENTS_PAGE_SIZE:
                offset = max(offset, last)
                break
            offset = last
        pay_high = offset if hold is None else hold - 1

        inv_offset = (inv_mark.high_water or 0) if inv_mark else 0
        inv_hold: int | None = None
        settled = 0
        while True:
            inv_page = await backend.invoices_page(inv_offset, PAYMENTS_PAGE_SIZE)
            if not inv_page.invoices:
                break
            for i in inv_page.invoices:
                if i.pending_at(now) and inv_hold is None:
                    inv_hold = i.add_index
            done = [i for i in inv_page.invoices if i.settled]
            async with self.store.unit_of_work() as uow:
                settled += await uow.payments.add_invoices(done)
            last = max(inv_page.last_index_offset, max(i.add_index for i in inv_page.invoices))
            if last <= inv_offset or len(inv_page.invoices) < PAYMENTS_PAGE_SIZE:
                inv_offset = max(inv_offset, last)
                break
            inv_offset = last
        inv_high = inv_offset if inv_hold is None else inv_hold - 1
        async with self.store.unit_of_work() as uow:
            await uow.sync_state.set("invoices", now, inv_high)
            await uow.sync_state.set("payments", now, pay_high)
        return {
            "payments_read": read,
            "invoices_settled": settled,
            "_summary": f"{read} payments, {settled} settled invoices read",
        }

    async def _graph(self, now: int, force: bool) -> dict[str, Any]:
        async with self.store.unit_of_work() as uow:
            latest = await uow.graph.latest_snapshot()
        if not force and latest is not None and now - latest.taken_at < self.graph_max_age_s:
            return {"_summary": f"kept snapshot of {latest.taken_at}"}
        from lnpilot.graph.ingest import parse_graph_bytes
        from lnpilot.graph.metrics import compute_metrics

        raw = await self.backend.describe_graph()
        # Parsing and centrality are CPU-bound; a thread keeps the event loop (progress) responsive.
        loaded = await asyncio.to_thread(parse_graph_bytes, raw, now)
        graph = loaded.graph
        metrics = await asyncio.to_thread(compute_metrics, graph)
        async with self.store.unit_of_work() as uow:
            snapshot_id = await uow.graph.add_snapshot(
                now, "backend", len(graph.nodes), len(graph.channels), graph.total_capacity_sat, raw=raw
            )
            await uow.graph.add_metrics(snapshot_id, now, metrics.values())
            await uow.sync_state.set("graph", now, snapshot_id)
        return {
            "graph_snapshot_id": snapshot_id,
            "graph_nodes": len(graph.nodes),
            "_summary": f"{len(graph.nodes)} nodes, {len(graph.channels)} channels",
        }
