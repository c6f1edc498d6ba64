"""The dashboard's pages (GET): each reads through the store's repositories, renders a template."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.web import charts
from lnpilot.web.data import logs
from lnpilot.web.data.channel import channel_page
from lnpilot.web.data.channels import SORT_KEYS, channel_rows, sort_and_filter
from lnpilot.web.data.overview import overview
from lnpilot.web.deps import caches_of, current_session, known_node, login_redirect, render, svc_of

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(known_node)])
Text = Annotated[str, Query(max_length=200)]
# Messages a redirect after an action may show (by code: no text is reflected from the URL).
DONE = {
    "pin": "Channel pinned: lnpilot will not change its policy.",
    "unpin": "Pin removed.",
    "exclude": "Channel excluded from every decision.",
    "include": "Channel included in decisions again.",
    "bounds": "Fee bounds saved.",
    "rollback": "Transaction rolled back; the restored policies were read back from the node.",
    "review": "Review recorded.",
}


def parse_chan(text: str) -> int | None:
    try:
        return ShortChannelId.parse(text.strip()).chan_id
    except InvalidInputError:
        return None


def not_found(request: Request, session: object, what: str) -> HTMLResponse:
    return render(request, "error.html.j2", session, {"title": "Not found", "message": what}, 404)  # type: ignore[arg-type]


@router.get("", include_in_schema=False)
@router.get("/", response_class=HTMLResponse)
async def overview_page(request: Request, done: str | None = None) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    svc = svc_of(request)
    view = await overview(svc, caches_of(request).nodes, svc.now())
    return render(request, "overview.html.j2", session, {"o": view, "done": DONE.get(done or "")})


@router.get("/channels", response_class=HTMLResponse)
async def channels_page(
    request: Request, sort: Text = "revenue", desc: bool = True, q: Text = ""
) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    svc = svc_of(request)
    graph = await caches_of(request).graph.get(svc.store)
    rows = await channel_rows(svc, graph, svc.now(), svc.settings.profile)
    shown = sort_and_filter(rows, sort if sort in SORT_KEYS else "revenue", desc, q)
    return render(
        request,
        "channels.html.j2",
        session,
        {"rows": shown, "total": len(rows), "sort": sort, "desc": desc, "q": q},
    )


@router.get("/channels/{chan}", response_class=HTMLResponse)
async def channel_detail(request: Request, chan: str, done: str | None = None) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    svc = svc_of(request)
    chan_id = parse_chan(chan)
    if chan_id is None:
        return not_found(request, session, f"{chan!r} is not a channel id")
    async with svc.store.unit_of_work() as uow:
        tracked = await uow.channels.get(chan_id)
    if tracked is None:
        return not_found(request, session, f"no channel {chan} in the store")
    graph = await caches_of(request).graph.get(svc.store)
    page = await channel_page(svc, graph, tracked, svc.now(), svc.settings.profile)
    figures = {
        "fee": charts.line_chart(
            "Our fee rate (ppm)",
            [
                charts.Series("outbound", page.fee_points, step=True),
                charts.Series("inbound", page.inbound_points, step=True, css="s2"),
            ],
            page.since,
            page.now,
            " ppm",
        ),
        "balance": charts.line_chart(
            f"Local balance (sat, mean per {page.balance_bucket_s // 60} min)",
            [charts.Series("local", page.balance_points)],
            page.since,
            page.now,
            " sat",
            y_min=0,
        ),
        "revenue": charts.bar_chart(
            "Routing revenue per day (sat)", [(d, v / 1000) for d, v in page.daily_revenue_msat], " sat"
        ),
    }
    return render(
        request,
        "channel.html.j2",
        session,
        {
            "p": page,
            "charts": figures,
            "done": DONE.get(done or ""),
            "verdict_of": logs.verdict_of,
            "violations": logs.violations,
        },
    )


@router.get("/decisions", response_class=HTMLResponse)
async def decisions_page(
    request: Request, type: Text = "", channel: Text = "", verdict: Text = "", done: str | None = None
) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    chan_id = parse_chan(channel) if channel else None
    log = await logs.decision_log(
        svc_of(request),
        type=type if type in logs.DECISION_TYPES else None,
        chan_id=chan_id,
        verdict=verdict if verdict in logs.VERDICTS else None,
    )
    return render(
        request,
        "decisions.html.j2",
        session,
        {
            "log": log,
            "types": logs.DECISION_TYPES,
            "verdicts": logs.VERDICTS,
            "f": {"type": type, "channel": channel, "verdict": verdict},
            "bad_channel": bool(channel) and chan_id is None,
            "verdict_of": logs.verdict_of,
            "violations": logs.violations,
            "done": DONE.get(done or ""),
        },
    )


@router.get("/transactions", response_class=HTMLResponse)
async def transactions_page(request: Request, status: Text = "", done: str | None = None) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    from lnpilot.store.records import TxStatus

    statuses = [s.value for s in TxStatus]
    txs = await logs.transaction_log(svc_of(request), status if status in statuses else None)
    return render(
        request,
        "transactions.html.j2",
        session,
        {"txs": txs, "statuses": statuses, "status": status, "done": DONE.get(done or "")},
    )


@router.get("/rebalances", response_class=HTMLResponse)
async def rebalances_page(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    svc = svc_of(request)
    page = await logs.rebalance_page(svc, svc.now())
    return render(request, "rebalances.html.j2", session, {"r": page})


@router.get("/suggestions", response_class=HTMLResponse)
async def suggestions_page(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    svc = svc_of(request)
    graph = await caches_of(request).graph.get(svc.store)
    found = await logs.suggestions(svc, graph, svc.now(), svc.settings.profile, caches_of(request).peers)
    return render(request, "suggestions.html.j2", session, {"s": found})


@router.get("/graph", response_class=HTMLResponse)
async def graph_page(request: Request, q: Text = "") -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    svc = svc_of(request)
    graph = await caches_of(request).graph.get(svc.store)
    return render(request, "graph.html.j2", session, {"q": q, "hits": graph.search(q), "g": graph})


@router.get("/graph/{pub_key}", response_class=HTMLResponse)
async def node_detail(request: Request, pub_key: str) -> Response:
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    svc = svc_of(request)
    key = pub_key.strip().lower()
    if len(key) != 66 or any(c not in "0123456789abcdef" for c in key):
        return not_found(request, session, "a node is named by its 66-hex-digit public key")
    graph = await caches_of(request).graph.get(svc.store)
    page = await logs.node_page(svc, graph, key, svc.settings.profile)
    if page.score is None and page.metrics is None and key not in graph.aliases:
        return not_found(request, session, f"node {key} is not in the stored graph")
    return render(request, "node.html.j2", session, {"n": page})


@router.get("/live")
async def live(request: Request) -> Response:
    """A stamp that changes when a cycle stored something new: pages poll it and refresh."""
    session = await current_session(request)
    if session is None:
        return JSONResponse({"detail": "sign in"}, status_code=401)
    svc = svc_of(request)
    async with svc.store.unit_of_work() as uow:
        marks = {m.kind: m.synced_at for m in await uow.sync_state.all()}
        latest = await uow.decisions.search(limit=1)
        txs = await uow.transactions.search(limit=1)
    stamp = (
        f"{marks.get('channels', 0)}-{latest[0].id if latest else 0}-"
        f"{txs[0].id if txs else 0}:{txs[0].updated_at if txs else 0}"
    )
    return JSONResponse({"stamp": stamp}, headers={"Cache-Control": "no-store"})
