"""Answer the hottest call, a node score already in the cache, before FastAPI's routing.

Same contract as the route (``routes.scores.node_score``): the same authorisation and rate limit,
the same cached body, the route recorded in the scope for the metrics. Anything else -- a cache
miss, a malformed key, an unusual query -- falls through to the route, which stays the reference.
FastAPI's parameter and dependency solving costs more than the cache lookup itself; this is what
keeps a cached score within reach of a constant endpoint's throughput.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from lnpilot.api.auth import Scope as AuthScope
from lnpilot.api.auth import authorize, services_of
from lnpilot.api.problems import ApiProblem, problem_response
from lnpilot.api.routes import scores
from lnpilot.api.routes.scores import node_score_key
from lnpilot.domain.ids import is_pubkey

PREFIX = "/v1/scores/nodes/"


class CachedScoreFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The metrics label requests by the matched route's template: record the same route.
        self._route: BaseRoute = next(
            r for r in scores.router.routes if getattr(r, "endpoint", None) is scores.node_score
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(PREFIX)):
            await self.app(scope, receive, send)
            return
        pubkey = scope["path"][len(PREFIX) :]
        # Blank values kept: ``?node=`` (empty) is an unusual query for the route to refuse, not
        # a missing one for the fast path to ignore.
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        if not is_pubkey(pubkey) or set(query) - {"profile"}:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        svc = services_of(request)
        body = await svc.scores.cache.get(await node_score_key(svc, query.get("profile", "balanced"), pubkey))
        if body is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = self._route
        try:
            await authorize(request, AuthScope.PUBLIC)  # the same scope as the route
        except ApiProblem as problem:
            await problem_response(
                problem.code, problem.detail, scope["path"], problem.headers, **problem.extra
            )(scope, receive, send)
            return
        await Response(body, media_type="application/json")(scope, receive, send)
