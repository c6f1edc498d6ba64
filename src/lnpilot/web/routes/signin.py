"""Sign in (an API key, or the dashboard password) and sign out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lnpilot.store.records import AuditEntry
from lnpilot.web.deps import current_session, home_services, render, secure_headers, wall_now, web_of
from lnpilot.web.session import COOKIE, LOGIN_COOKIE, Session, csrf_ok, verify_password

router = APIRouter(prefix="/ui", include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path of this dashboard: never an absolute URL (an open redirect)."""
    if target and target.startswith("/ui") and not target.startswith("//"):
        return target
    return "/ui/"


def _login_page(request: Request, next_url: str, error: str | None, status: int) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html.j2",
        None,
        {"next": next_url, "error": error, "csrf": web_of(request).signer.token("login", token)},
        status_code=status,
    )
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/ui", max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    if await current_session(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next), None, 200)


async def _authenticate(request: Request, secret: str) -> Session | None:
    svc, web = home_services(request), web_of(request)
    now = wall_now()
    configured = svc.settings.web.password_hash
    if configured is not None and verify_password(secret, configured.get_secret_value()):
        return web.signer.new_session("password", "admin", now, web.session_s)
    async with svc.store.unit_of_work() as uow:
        record = await uow.api_keys.authenticate(secret, svc.now())
    if record is None:
        return None
    return web.signer.new_session(record.name, record.scope, now, web.session_s, key_id=record.id)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request, secret: str = Form(""), csrf: str = Form(""), next: str = Form("/ui/")
) -> Response:
    svc, web = home_services(request), web_of(request)
    target = _safe_next(next)
    cookie = request.cookies.get(LOGIN_COOKIE)
    if not cookie or not csrf_ok(web.signer.token("login", cookie), csrf):
        return _login_page(request, target, "The form expired; please sign in again.", 400)
    client = request.client.host if request.client else "unknown"
    allowed = await svc.limiter.hit(f"web-login:{client}")
    if not allowed.allowed:
        return _login_page(request, target, "Too many attempts; wait a minute.", 429)
    session = await _authenticate(request, secret.strip())
    if session is None:
        return _login_page(request, target, "Unknown key or wrong password.", 401)
    async with svc.store.unit_of_work() as uow:
        await uow.audit.add(
            AuditEntry(svc.now(), session.subject, "web-sign-in", "ui", {"scope": session.scope})
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        web.signer.dump(session),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        max_age=web.session_s,
    )
    response.delete_cookie(LOGIN_COOKIE, path="/ui")
    secure_headers(response)
    return response


@router.post("/logout")
async def logout(request: Request, csrf: str = Form("")) -> Response:
    session = await current_session(request)
    response = RedirectResponse("/ui/login", status_code=303)
    if session is not None and csrf_ok(session.csrf, csrf):
        response.delete_cookie(COOKIE, path="/")
    return response
