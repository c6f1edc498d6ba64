"""What every dashboard route shares: the web state on the app, the signed-in user, rendering."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from lnpilot.api.services import ApiServices
from lnpilot.logs import get_logger, redact_text
from lnpilot.settings import DEFAULT_NODE, Settings
from lnpilot.web.data.logs import PeerRanking, suggestions
from lnpilot.web.data.overview import NodeInfoCache
from lnpilot.web.graphinfo import GraphInfoCache
from lnpilot.web.refresh import Refreshing
from lnpilot.web.session import COOKIE, Session, SessionSigner

HERE = Path(__file__).parent
log = get_logger("lnpilot.web")
# Pages may load only what this server serves; inline SVG is markup, so no 'unsafe-inline' is needed.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def _ts(value: int | None) -> str:
    if value is None:
        return "never"
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _sat(msat: int | float | None) -> str:
    return "–" if msat is None else f"{msat / 1000:,.0f}"


def _num(value: int | float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ago(value: int | None, now: int) -> str:
    if value is None:
        return "never"
    delta = now - value
    sign, delta = ("in ", -delta) if delta < 0 else ("", delta)
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if delta >= size:
            return f"{sign}{delta / size:.1f} {unit}" + ("" if sign else " ago")
    return f"{sign}{delta} s" + ("" if sign else " ago")


def with_node(href: str, node: str | None) -> str:
    """``href`` for node ``node`` of a fleet: ``?node=NAME`` added (before any ``#fragment``);
    unchanged for the top-level node, so a single-node dashboard's links stay as they were."""
    if not node or node == DEFAULT_NODE:
        return href
    path, hash_, fragment = href.partition("#")
    sep = "&" if "?" in path else "?"
    return f"{path}{sep}node={quote(node, safe='')}{hash_}{fragment}"


@pass_context
def _ui(ctx: Context, href: str) -> str:
    """Template global: a dashboard link that keeps the node selected (``ui("/ui/channels")``)."""
    return with_node(href, ctx.get("node"))


@pass_context
def _node_field(ctx: Context) -> Markup:
    """Template global: the hidden ``node`` input of a GET form, so a filter keeps the node."""
    node = ctx.get("node")
    if not node or node == DEFAULT_NODE:
        return Markup("")
    return Markup('<input type="hidden" name="node" value="{}">').format(node)


def make_templates() -> Jinja2Templates:
    """The Jinja environment, built once per app with every template compiled up front.

    The templates ship in the package and never change under a running server, so there is no
    per-render check of the files (``auto_reload`` off) and no compile on a first render.
    """
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters.update(ts=_ts, sat=_sat, num=_num)
    env.globals.update(ago=_ago, ui=_ui, node_field=_node_field)
    env.trim_blocks = env.lstrip_blocks = True
    env.auto_reload = False
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)
    return templates


@dataclass
class NodeCaches:
    """What the pages keep per node: the parsed graph snapshot, the node's get_info, the peer
    ranking. A fleet's nodes each have their own store and backend, so each its own caches."""

    graph: GraphInfoCache = field(default_factory=GraphInfoCache)
    nodes: NodeInfoCache = field(default_factory=NodeInfoCache)
    peers: Refreshing[PeerRanking] = field(default_factory=lambda: Refreshing("peers"))

    async def aclose(self) -> None:
        await self.graph.aclose()
        await self.peers.aclose()


@dataclass
class WebState:
    signer: SessionSigner
    templates: Jinja2Templates
    session_s: int
    # The top-level node's caches, and each fleet node's, made on its first page.
    by_node: dict[str, NodeCaches] = field(default_factory=dict)
    warming: asyncio.Task[None] | None = None  # the warm-up started with the server

    @classmethod
    def from_settings(cls, settings: Settings) -> WebState:
        configured = settings.web.session_secret
        secret = configured.get_secret_value().encode() if configured else secrets.token_bytes(32)
        return cls(SessionSigner(secret), make_templates(), int(settings.web.session_hours * 3600))

    def caches(self, node: str = DEFAULT_NODE) -> NodeCaches:
        if node not in self.by_node:
            self.by_node[node] = NodeCaches()
        return self.by_node[node]

    @property
    def graph(self) -> GraphInfoCache:
        return self.caches().graph

    @property
    def peers(self) -> Refreshing[PeerRanking]:
        return self.caches().peers

    async def warm_up(self, svc: ApiServices) -> None:
        """What a first page would otherwise derive, derived when the server starts: the graph
        snapshot's aliases and policies, and the peer ranking (both kept per snapshot), for the
        top-level node (a fleet's other nodes derive theirs on their first page)."""
        try:
            graph = await self.graph.get(svc.store)
            await suggestions(svc, graph, svc.now(), svc.settings.profile, self.peers)
        except Exception as exc:  # a page derives it again (and shows the error) if it must
            log.warning("web_warm_up_failed", error=type(exc).__name__, detail=redact_text(str(exc))[:200])

    async def aclose(self) -> None:
        for caches in self.by_node.values():
            await caches.aclose()


class UnknownNode(Exception):
    """A dashboard URL names a node this server does not serve (rendered as a 404 page)."""

    def __init__(self, node: str, known: list[str]) -> None:
        super().__init__(f"No node {node[:64]!r} here; configured nodes: {', '.join(known)}.")


def node_names(request: Request) -> list[str]:
    """Every node this server serves: the top-level one first, then the fleet's ``[nodes.NAME]``."""
    by_node: dict[str, ApiServices] = getattr(request.app.state, "node_services", {})
    return [DEFAULT_NODE, *sorted(by_node)]


def selected_node(request: Request) -> str:
    """The node the page is about: ``?node=NAME`` (query string, also on a form's post), else the
    top-level node. Never a silent fallback: an unknown name is refused, not shown as another node."""
    node = request.query_params.get("node") or DEFAULT_NODE
    known = node_names(request)
    if node not in known:
        raise UnknownNode(node, known)
    return node


async def known_node(request: Request) -> None:
    """Router dependency of every dashboard page and action: an unknown ``?node=`` is refused
    before anything else is read or checked (async: no thread for a dict lookup)."""
    selected_node(request)


def home_services(request: Request) -> ApiServices:
    """The top-level node's services: API keys, sign-in and sessions belong to the whole server."""
    svc: ApiServices = request.app.state.services
    return svc


def services_of(request: Request) -> ApiServices:
    """The services (store, backend, settings) of the node the page is about."""
    node = selected_node(request)
    if node == DEFAULT_NODE:
        return home_services(request)
    by_node: dict[str, ApiServices] = request.app.state.node_services
    return by_node[node]


def caches_of(request: Request) -> NodeCaches:
    return web_of(request).caches(selected_node(request))


def web_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def wall_now() -> int:
    """Sessions live in wall-clock time (the node's data may run on simnet's clock)."""
    return int(time.time())


async def current_session(request: Request) -> Session | None:
    web, svc = web_of(request), home_services(request)
    session = web.signer.load(request.cookies.get(COOKIE), wall_now())
    if session is None or session.key_id is None:
        return session
    async with svc.store.unit_of_work() as uow:
        keys = {k.id: k for k in await uow.api_keys.all()}
    key = keys.get(session.key_id)
    return session if key is not None and key.active and key.scope == session.scope else None


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?next={quote(target, safe='')}", status_code=303)


def render(
    request: Request,
    template: str,
    session: Session | None,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    web, nodes = web_of(request), node_names(request)
    try:
        node = selected_node(request)
    except UnknownNode:  # the page saying so is drawn for the top-level node
        node = DEFAULT_NODE
    svc = home_services(request) if node == DEFAULT_NODE else request.app.state.node_services[node]
    response = web.templates.TemplateResponse(
        request,
        template,
        {
            "session": session,
            # The node selector shows when the server serves more than one node.
            "node": node,
            "nodes": nodes if len(nodes) > 1 else [],
            "section": _section(request.url.path),
            "now": svc.now(),
            "mode": svc.settings.execution.mode,
            "path": request.url.path,
            "live_ms": int(svc.settings.web.live_poll_seconds * 1000),
            # A page answering a post (a confirmation, an error) must never reload: it would post again.
            "live": request.method == "GET",
            **context,
        },
        status_code=status_code,
    )
    secure_headers(response)
    return response


def _section(path: str) -> str:
    """Where the node selector leads: the same list page on the other node (a channel or a graph
    node of one node is not another's), e.g. ``/ui/channels/123`` -> ``/ui/channels``."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:2]) if len(parts) > 1 else "/ui/"


def secure_headers(response: Any) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def svc_of(request: Request) -> ApiServices:
    return services_of(request)
