"""Failed forwards per channel (from LND's HTLC event stream) and the fees they cost."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from lnpilot.api.auth import READ, Ctx
from lnpilot.api.problems import ApiProblem, problem_responses
from lnpilot.errors import InvalidInputError

router = APIRouter(tags=["channels"])
_MAX_S = 2**40


@router.get(
    "/v1/failures",
    summary="Failed forwards per channel",
    description="Forwards that wanted to leave through each channel and failed on our side "
    "(`failed_for_liquidity`: INSUFFICIENT_BALANCE; `failed_other`: every other kind), per kind in "
    "`failed_by_kind` (`liquidity`, `fee`: FEE_INSUFFICIENT, `time_lock`: INCORRECT_CLTV_EXPIRY / "
    "EXPIRY_TOO_SOON / EXPIRY_TOO_FAR, `inactive`: UNKNOWN_NEXT_PEER / CHANNEL_DISABLED, `other`) and "
    "summed in `totals_by_kind`, and `missed_fees_msat`, the liquidity failures priced at our fee "
    "(only those feed the decisions). `known` is false (and `totals_by_kind` null) when no HTLC "
    "subscription covered the window; `gap_s` is the part of the window nobody was listening.",
    responses=problem_responses("invalid-input", "rate-limited", "invalid-api-key"),
)
async def failures(
    since: int = Query(..., ge=0, le=_MAX_S),
    until: int = Query(..., ge=1, le=_MAX_S),
    ctx: Ctx = READ,
) -> dict[str, Any]:
    from lnpilot.sync.htlc import failures_report

    try:
        return await failures_report(ctx.svc.store, since, until)
    except InvalidInputError as exc:
        raise ApiProblem("invalid-input", str(exc)) from exc
