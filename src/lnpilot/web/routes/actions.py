"""The dashboard's changes (POST): pins, exclusions, fee bounds, reviews, rollbacks.

Every change needs a signed-in admin session and the session's CSRF token; the ones on the money
path (overrides, rollback) show a confirmation page first and act only on its ``confirmed`` post.
Each is written to the audit log under the signed-in name.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from lnpilot.errors import LnpilotError, NotFoundError
from lnpilot.store.records import AuditEntry, ChannelOverrideRecord, ExpertReview
from lnpilot.web.deps import (
    current_session,
    known_node,
    login_redirect,
    render,
    selected_node,
    svc_of,
    with_node,
)
from lnpilot.web.routes.pages import parse_chan
from lnpilot.web.session import Session, csrf_ok

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(known_node)])
OVERRIDE_ACTIONS = ("pin", "unpin", "exclude", "include", "bounds")
_MAX_PPM = 1_000_000


def _refuse(request: Request, session: Session | None, status: int, message: str) -> Response:
    return render(request, "error.html.j2", session, {"title": "Not allowed", "message": message}, status)


async def _admin(request: Request, csrf: str) -> Session | Response:
    """The admin session if the post may change things, else the page that says why not."""
    session = await current_session(request)
    if session is None:
        return login_redirect(request)
    if not csrf_ok(session.csrf, csrf):
        return _refuse(request, session, 403, "The form's security token did not match; reload the page.")
    if not session.admin:
        return _refuse(request, session, 403, "Signed in with a read-only key: it can look, not change.")
    return session


def _confirm(
    request: Request, session: Session, title: str, detail: str, fields: dict[str, Any], back: str
) -> Response:
    return render(
        request,
        "confirm.html.j2",
        session,
        # ``action`` keeps the query (``?node=``): the confirmed post acts on the same node.
        {
            "title": title,
            "detail": detail,
            "action": with_node(request.url.path, selected_node(request)),
            "fields": fields,
            "back": with_node(back, selected_node(request)),
        },
    )


def _ppm(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    value = int(text)  # ValueError -> reported by the caller
    if not 0 <= value <= _MAX_PPM:
        raise ValueError(f"{value} is outside 0..{_MAX_PPM}")
    return value


@router.post("/channels/{chan}/override")
async def channel_override(
    request: Request,
    chan: str,
    action: str = Form(...),
    csrf: str = Form(""),
    confirmed: str = Form(""),
    min_ppm: str = Form(""),
    max_ppm: str = Form(""),
) -> Response:
    session = await _admin(request, csrf)
    if not isinstance(session, Session):
        return session
    chan_id = parse_chan(chan)
    if chan_id is None or action not in OVERRIDE_ACTIONS:
        return _refuse(request, session, 400, "Unknown channel or action.")
    svc = svc_of(request)
    try:
        low, high = _ppm(min_ppm), _ppm(max_ppm)
    except ValueError as exc:
        return _refuse(request, session, 400, f"Fee bounds must be whole ppm: {exc}")
    if low is not None and high is not None and low > high:
        return _refuse(request, session, 400, "The minimum fee rate exceeds the maximum.")
    async with svc.store.unit_of_work() as uow:
        tracked = await uow.channels.get(chan_id)
        current = await uow.overrides.channel(chan_id)
    if tracked is None:
        return _refuse(request, session, 404, f"No channel {chan} in the store.")
    if confirmed != "yes":
        what = {
            "pin": "Pin this channel: lnpilot will not change its policy until unpinned.",
            "unpin": "Remove the pin: lnpilot may change this channel's policy again.",
            "exclude": "Exclude this channel from every decision (fees, rebalances, closing).",
            "include": "Include this channel in decisions again.",
            "bounds": f"Set this channel's fee bounds to {low if low is not None else 'none'} .. "
            f"{high if high is not None else 'none'} ppm.",
        }[action]
        return _confirm(
            request,
            session,
            f"{action.capitalize()} channel {chan}?",
            what,
            {"action": action, "min_ppm": min_ppm, "max_ppm": max_ppm},
            f"/ui/channels/{chan_id}",
        )
    now = svc.now()
    record = current or ChannelOverrideRecord(chan_id=chan_id)
    if action in ("pin", "unpin"):
        record = replace(record, pin=action == "pin")
    elif action in ("exclude", "include"):
        record = replace(record, exclude=action == "exclude")
    else:
        record = replace(record, fee_rate_min_ppm=low, fee_rate_max_ppm=high)
    record = replace(record, updated_at=now)
    async with svc.store.unit_of_work() as uow:
        await uow.overrides.set_channel(record)
        await uow.audit.add(
            AuditEntry(
                now,
                session.subject,
                f"web-{action}",
                f"channel:{chan_id}",
                {"min_ppm": low, "max_ppm": high} if action == "bounds" else {},
            )
        )
    return RedirectResponse(with_node(f"/ui/channels/{chan}?done={action}", selected_node(request)), 303)


@router.post("/decisions/{decision_id}/review")
async def review(
    request: Request,
    decision_id: int,
    agree: str = Form(...),
    notes: str = Form("", max_length=2000),
    csrf: str = Form(""),
    back: str = Form("/ui/decisions"),
) -> Response:
    session = await _admin(request, csrf)
    if not isinstance(session, Session):
        return session
    if agree not in ("yes", "no"):
        return _refuse(request, session, 400, "A review agrees (yes) or disagrees (no).")
    svc = svc_of(request)
    now = svc.now()
    async with svc.store.unit_of_work() as uow:
        try:
            await uow.decisions.add_review(ExpertReview(decision_id, agree == "yes", notes.strip(), now))
        except NotFoundError:
            return _refuse(request, session, 404, f"No decision {decision_id}.")
        await uow.audit.add(AuditEntry(now, session.subject, "review", f"decision:{decision_id}"))
    target = back if back.startswith("/ui/") and not back.startswith("//") else "/ui/decisions"
    sep = "&" if "?" in target else "?"
    # ``back`` carries the page's own query; the node acted on is kept even if it did not.
    if "node=" not in target:
        target = with_node(target, selected_node(request))
        sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}done=review#d{decision_id}", status_code=303)


@router.post("/transactions/{tx_id}/rollback")
async def rollback(request: Request, tx_id: int, csrf: str = Form(""), confirmed: str = Form("")) -> Response:
    session = await _admin(request, csrf)
    if not isinstance(session, Session):
        return session
    svc = svc_of(request)
    async with svc.store.unit_of_work() as uow:
        try:
            record = await uow.transactions.get(tx_id)
        except NotFoundError:
            return _refuse(request, session, 404, f"No transaction {tx_id}.")
    if confirmed != "yes":
        channels = ", ".join(str(i.chan_id) for i in record.items)
        return _confirm(
            request,
            session,
            f"Roll back transaction {tx_id}?",
            f"Restore the backed-up policies of channel(s) {channels} on the node, each read back.",
            {},
            "/ui/transactions",
        )
    if svc.backend_factory is None:
        return _refuse(request, session, 503, "No node backend is configured: nothing can be rolled back.")
    from lnpilot.execution.executor import Executor
    from lnpilot.store.repos.transaction_log import SqlTransactionLog

    async with svc.store.unit_of_work() as uow:
        await uow.audit.add(AuditEntry(svc.now(), session.subject, "rollback", f"tx:{tx_id}"))
    backend = svc.backend_factory()
    try:
        result = await Executor.from_settings(svc.settings, backend, SqlTransactionLog(svc.store)).rollback(
            tx_id
        )
    except LnpilotError as exc:
        return _refuse(request, session, 409, f"Rollback of transaction {tx_id} failed: {exc}")
    finally:
        await backend.aclose()
    if not result.complete:
        failed = "; ".join(f"{r.chan_id}: {r.detail}" for r in result.results if not r.ok)
        return _refuse(request, session, 409, f"Rollback of transaction {tx_id} was incomplete: {failed}")
    return RedirectResponse(with_node("/ui/transactions?done=rollback", selected_node(request)), 303)
