"""The dashboard at ``/ui``: server-rendered pages on the same app as the JSON API (docs/web.md).

``mount_web(app, settings)`` adds the pages, their vendored static assets and a Swagger UI at
``/docs`` that loads from this server instead of a CDN.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from lnpilot.settings import Settings
from lnpilot.web.deps import HERE, UnknownNode, WebState, current_session, render

STATIC = "/ui/static"


def mount_web(app: FastAPI, settings: Settings) -> None:
    from lnpilot.web.routes import actions, pages, signin

    app.state.web = web = WebState.from_settings(settings)

    @asynccontextmanager
    async def warm(app: FastAPI) -> AsyncIterator[None]:
        # Runs inside the app's own lifespan (its services exist). Not awaited: the server
        # answers at once, and a page asked for during the warm-up joins it instead of repeating it.
        web.warming = asyncio.create_task(web.warm_up(app.state.services), name="web-warm-up")
        try:
            yield
        finally:
            # Awaited, not just cancelled: a warm-up still unwinding a database read after the
            # lifespan ends would roll it back on a store already closed.
            web.warming.cancel()
            await asyncio.wait([web.warming])  # its own cancellation is not ours: not raised here
            await web.aclose()

    app.include_router(APIRouter(lifespan=warm))

    async def unknown_node(request: Request, exc: Exception) -> Response:
        # A bookmarked ?node= of a node no longer configured: say so, never show another node.
        session = await current_session(request)
        return render(request, "error.html.j2", session, {"title": "Unknown node", "message": str(exc)}, 404)

    app.add_exception_handler(UnknownNode, unknown_node)
    app.mount(STATIC, StaticFiles(directory=HERE / "static"), name="web-static")
    for module in (signin, pages, actions):
        app.include_router(module.router)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{STATIC}/swagger/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/swagger/favicon-32x32.png",
            # The default validator badge calls a public server; offline there is none.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)


__all__ = ["mount_web"]
