"""The shadow log of decisions and expert reviews of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from lnpilot.api.auth import ADMIN, READ, Ctx
from lnpilot.api.problems import ApiProblem, problem_responses
from lnpilot.api.routes.channels import decision_out
from lnpilot.api.schemas import AgreementByType, AgreementOut, DecisionOut, ReviewIn, ReviewOut
from lnpilot.errors import NotFoundError
from lnpilot.store.records import AuditEntry, ExpertReview

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])

DecisionType = Annotated[
    str | None, Query(pattern="^(no_action|increase_fees|decrease_fees|rebalance|close_channel)$")
]


@router.get(
    "",
    response_model=list[DecisionOut],
    summary="Decisions, newest first",
    responses=problem_responses("invalid-request", "unauthenticated", "rate-limited", "invalid-api-key"),
)
async def list_decisions(
    since: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="Unix seconds")] = None,
    type: DecisionType = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ctx: Ctx = READ,
) -> list[DecisionOut]:
    svc = ctx.svc
    async with svc.store.unit_of_work() as uow:
        return [decision_out(r) for r in await uow.decisions.search(since=since, type=type, limit=limit)]


@router.get(
    "/agreement",
    response_model=AgreementOut,
    summary="How often experts agreed with the shadow decisions",
    responses=problem_responses("unauthenticated", "rate-limited", "invalid-api-key"),
)
async def agreement(ctx: Ctx = READ) -> AgreementOut:
    svc = ctx.svc
    async with svc.store.unit_of_work() as uow:
        rows = await uow.decisions.agreement()
    by_type = [AgreementByType(type=t, reviews=n, agreed=a, rate=a / n if n else None) for t, n, a in rows]
    total = sum(r.reviews for r in by_type)
    agreed = sum(r.agreed for r in by_type)
    return AgreementOut(reviews=total, agreed=agreed, rate=agreed / total if total else None, by_type=by_type)


@router.post(
    "/{decision_id}/review",
    response_model=ReviewOut,
    status_code=201,
    summary="Record an expert's review of a decision",
    responses=problem_responses(
        "invalid-request",
        "not-found",
        "conflict",
        "unauthenticated",
        "forbidden",
        "rate-limited",
        "invalid-api-key",
    ),
)
async def review(
    decision_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: ReviewIn,
    ctx: Ctx = ADMIN,
) -> ReviewOut:
    """One review per reviewer (API key) per decision: a second one is 409, so the agreement rate
    counts people, not clicks."""
    svc = ctx.svc
    now = svc.now()
    reviewer = ctx.caller.key_name or "api"
    target = f"decision:{decision_id}"
    async with svc.review_lock, svc.store.unit_of_work() as uow:
        if await uow.audit.exists(actor=reviewer, action="review", target=target):
            raise ApiProblem("conflict", f"{reviewer!r} already reviewed decision {decision_id}")
        try:
            review_id = await uow.decisions.add_review(ExpertReview(decision_id, body.agree, body.notes, now))
        except NotFoundError as exc:
            raise ApiProblem("not-found", str(exc)) from exc
        await uow.audit.add(AuditEntry(now, reviewer, "review", target))
    return ReviewOut(
        id=review_id, decision_id=decision_id, agree=body.agree, notes=body.notes, reviewed_at=now
    )
