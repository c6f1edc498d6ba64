"""What every dashboard route shares: the web state on the app, the signed-in user, rendering."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from lnpilot.api.services import ApiServices
from lnpilot.logs import get_logger, redact_text
from lnpilot.settings import Settings
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


def make_templates() -> Jinja2Templates:
    """The Jinja environment, built once per app with every template compiled up front.

    The templates ship in the package and never change under a running server, so there is no
    per-render check of the files (``auto_reload`` off) and no compile on a first render.
    """
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters.update(ts=_ts, sat=_sat, num=_num)
    env.globals.update(ago=_ago)
    env.trim_blocks = env.lstrip_blocks = True
    env.auto_reload = False
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)
    return templates


@dataclass
class WebState:
    signer: SessionSigner
    templates: Jinja2Templates
    graph: GraphInfoCache
    nodes: NodeInfoCache
    session_s: int
    peers: Refreshing[PeerRanking] = field(default_factory=lambda: Refreshing("peers"))
    warming: asyncio.Task[None] | None = None  # the warm-up started with the server

    @classmethod
    def from_settings(cls, settings: Settings) -> WebState:
        configured = settings.web.session_secret
        secret = configured.get_secret_value().encode() if configured else secrets.token_bytes(32)
        return cls(
            SessionSigner(secret),
            make_templates(),
            GraphInfoCache(),
            NodeInfoCache(),
            int(settings.web.session_hours * 3600),
        )

    async def warm_up(self, svc: ApiServices) -> None:
        """What a first page would otherwise derive, derived when the server starts: the graph
        snapshot's aliases and policies, and the peer ranking (both kept per snapshot)."""
        try:
            graph = await self.graph.get(svc.store)
            await suggestions(svc, graph, svc.now(), svc.settings.profile, self.peers)
        except Exception as exc:  # a page derives it again (and shows the error) if it must
            log.warning("web_warm_up_failed", error=type(exc).__name__, detail=redact_text(str(exc))[:200])

    async def aclose(self) -> None:
        await self.graph.aclose()
        await self.peers.aclose()


def services_of(request: Request) -> ApiServices:
    """The top-level node's services, whatever the query says: the dashboard's caches (graph,
    peer ranking) and its sessions belong to one node (a fleet's ``?node=`` is the JSON API's)."""
    svc: ApiServices = request.app.state.services
    return svc


def web_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def wall_now() -> int:
    """Sessions live in wall-clock time (the node's data may run on simnet's clock)."""
    return int(time.time())


async def current_session(request: Request) -> Session | None:
    web, svc = web_of(request), services_of(request)
    session = web.signer.load(request.cookies.get(COOKIE), wall_now())
    if session is None or session.key_id is None:
        return session
    async with svc.store.unit_of_work() as uow:
        keys = {k.id: k for k in await uow.api_keys.all()}
    key = keys.get(session.key_id)
    return session if key is not None and key.active and key.scope == session.scope else None


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import quote

    return RedirectResponse(f"/ui/login?next={quote(target, safe='')}", status_code=303)


def render(
    request: Request,
    template: str,
    session: Session | None,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    web, svc = web_of(request), services_of(request)
    response = web.templates.TemplateResponse(
        request,
        template,
        {
            "session": session,
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


def secure_headers(response: Any) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def svc_of(request: Request) -> ApiServices:
    return services_of(request)
