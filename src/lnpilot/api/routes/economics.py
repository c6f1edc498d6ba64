"""The operator's economics: P&L, the ledger and peer suggestions, read from the store."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from lnpilot.accounting import ledger
from lnpilot.accounting.gather import MAX_TIME_S, books
from lnpilot.api.auth import READ, Ctx
from lnpilot.api.problems import ApiProblem, problem_responses
from lnpilot.errors import InvalidInputError, NotFoundError

router = APIRouter(tags=["economics"])
_MAX_S = MAX_TIME_S


@router.get(
    "/v1/pnl",
    summary="Profit and loss over a window",
    description="Routing revenue, rebalance, on-chain and payment costs, net and annualised return on "
    "capacity, for the node, per channel and per peer. `onchain_cost_msat` is null until a chain sync "
    "has run; `payment_fee_msat`, `received_msat` (invoices paid to us) and `sent_msat` (payments to "
    "other nodes, outside net) are null until a payment sync has run. On a backend without per-channel "
    "forwards (LNbits) `revenue_msat`, `forwards`, `net_msat` and `return_on_capacity` are null "
    "(`revenue_measured` false, `revenue_note` says why) and `node_fee_sums` holds the node-wide fee "
    "sums it reported at the last sync; `node_level_revenue` carries one of them as the window's "
    "node-level revenue (with a node-level `net_msat`) when it covers the window: as long as its "
    "period (1, 7 or 30 days) and ending within an hour of the report.",
    responses=problem_responses("invalid-input", "rate-limited", "invalid-api-key"),
)
async def pnl(
    since: int = Query(..., ge=0, le=_MAX_S),
    until: int = Query(..., ge=1, le=_MAX_S),
    ctx: Ctx = READ,
) -> dict[str, Any]:
    try:
        result = await books(ctx.svc.store, since, until)
    except InvalidInputError as exc:
        raise ApiProblem("invalid-input", str(exc)) from exc
    p = result.pnl
    return {
        "since": since,
        "until": until,
        "onchain_costs_known": result.chain_synced,
        "payments_known": result.payments_synced,
        **result.revenue_status(),
        "node": result.row(p.node),
        "channels": [result.row(line) for line in p.channels],
        "peers": [result.row(line) for line in p.peers],
    }


@router.get(
    "/v1/ledger",
    summary="Every balance-changing event in a window",
    description="Forward fees, rebalance fees, on-chain fees, channel opens and closes, invoices paid to us, "
    "payments sent and their fees, each with a stable id; `totals_msat` per category and `profit`, which "
    "equals the P&L's node net. Without per-channel forwards (LNbits) `forward_fee` and `profit` are "
    "null, with `revenue_note` and the node-wide `node_fee_sums`.",
    responses=problem_responses("invalid-input", "rate-limited", "invalid-api-key"),
)
async def ledger_events(
    since: int = Query(..., ge=0, le=_MAX_S),
    until: int = Query(..., ge=1, le=_MAX_S),
    category: Literal[
        "forward_fee",
        "rebalance_fee",
        "onchain_fee",
        "channel_open",
        "channel_close",
        "invoice",
        "payment",
        "payment_fee",
    ]
    | None = None,
    ctx: Ctx = READ,
) -> dict[str, Any]:
    try:
        result = await books(ctx.svc.store, since, until)
    except InvalidInputError as exc:
        raise ApiProblem("invalid-input", str(exc)) from exc
    events = [e for e in result.events if category is None or e.category.value == category]
    return {"events": ledger.to_rows(events), "totals_msat": result.totals, **result.revenue_status()}


@router.get(
    "/v1/suggestions/peers",
    summary="Nodes worth opening a channel to",
    description="Ranked by an index of the routing a channel would win (flow through the node, what others "
    "charge to reach it, new reach, reliability), with reasons and a suggested capacity. Needs a synced "
    "graph snapshot and the node's own public key.",
    responses=problem_responses("not-found", "invalid-input", "rate-limited", "invalid-api-key"),
)
async def peers(
    us: str = Query(..., pattern="^0[23][0-9a-f]{64}$", description="our node's public key"),
    limit: int = Query(10, ge=1, le=100),
    profile: str = "balanced",
    ctx: Ctx = READ,
) -> list[dict[str, Any]]:
    from lnpilot.suggest.gather import peer_suggestions

    try:
        found = await peer_suggestions(ctx.svc.store, us=us, profile=profile, limit=limit)
    except NotFoundError as exc:
        raise ApiProblem("not-found", str(exc)) from exc
    return [s.to_dict() for s in found]
