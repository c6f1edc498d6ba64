"""Money-path routes: run a decide/validate/apply cycle, list transactions, roll one back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from lnpilot.api.auth import ADMIN, READ, Ctx
from lnpilot.api.problems import ApiProblem, problem_responses
from lnpilot.api.schemas import ApplyIn, TransactionItemOut, TransactionOut
from lnpilot.api.services import ApiServices, check_profile
from lnpilot.errors import InvalidInputError
from lnpilot.execution.executor import Executor
from lnpilot.execution.node_clock import node_now, simulated
from lnpilot.execution.plan import Mode
from lnpilot.store.records import AuditEntry, TransactionRecord
from lnpilot.store.repos.transaction_log import SqlTransactionLog

router = APIRouter(prefix="/v1", tags=["actions"])
DbId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A database id")]
_MUTATION_PROBLEMS = (
    "unauthenticated",
    "forbidden",
    "rate-limited",
    "invalid-api-key",
    "backend-unavailable",
)


@asynccontextmanager
async def _executor(svc: ApiServices) -> AsyncIterator[Executor]:
    if svc.backend_factory is None:
        raise ApiProblem("backend-unavailable", "no node backend is configured for this API")
    backend = svc.backend_factory()
    try:
        # One "now" per request, the CLI's and the daemon's rule (execution.node_clock): a simulated
        # node's own clock, read once; a real node's is the wall clock (the service's clock).
        clock = svc.clock
        if simulated(svc.settings):
            clock = (await node_now(svc.settings, backend)).now
        yield Executor.from_settings(svc.settings, backend, SqlTransactionLog(svc.store), clock=clock)
    finally:
        await backend.aclose()


def _tx_out(record: TransactionRecord) -> TransactionOut:
    return TransactionOut(
        id=record.id or 0,
        created_at=record.created_at,
        updated_at=record.updated_at,
        mode=record.mode,
        status=record.status.value,
        note=record.note,
        items=[
            TransactionItemOut(
                chan_id=str(i.chan_id),
                channel_point=i.channel_point,
                requested=i.requested_policy,
                backup=i.backup_policy,
                result=i.result,
            )
            for i in record.items
        ],
    )


async def _audit(svc: ApiServices, caller: object, action: str, target: str, details: dict[str, Any]) -> None:
    async with svc.store.unit_of_work() as uow:
        await uow.audit.add(
            AuditEntry(svc.now(), getattr(caller, "key_name", None) or "api", action, target, details)
        )


@router.post(
    "/actions/apply",
    summary="Decide, validate and execute (shadow unless asked)",
    description="Runs the same cycle as `lnpilot apply`: reconcile in-flight transactions, decide every "
    "(selected) channel, validate, then execute in the requested mode. `shadow` records what would be "
    "done and changes nothing.",
    responses=problem_responses(
        "invalid-request", "invalid-input", "payload-too-large", "conflict", *_MUTATION_PROBLEMS
    ),
)
async def apply(body: ApplyIn, ctx: Ctx = ADMIN) -> dict[str, Any]:
    svc = ctx.svc
    from lnpilot.execution.pipeline import decide_and_apply

    if body.profile is not None:
        check_profile(svc.settings, body.profile)
    await _audit(svc, ctx.caller, "apply", body.mode, body.model_dump())
    async with _executor(svc) as executor:
        return await decide_and_apply(
            svc.settings,
            executor,
            Mode.parse(body.mode),
            executor.now(),
            channels=body.channels,
            profile=body.profile,
            stop_on_error=body.stop_on_error,
            source=body.source,
            record_as="api",
        )


@router.get(
    "/transactions",
    response_model=list[TransactionOut],
    summary="The transaction log, newest first",
    responses=problem_responses("invalid-request", "unauthenticated", "rate-limited", "invalid-api-key"),
)
async def transactions(
    limit: Annotated[int, Query(ge=1, le=500)] = 50, ctx: Ctx = READ
) -> list[TransactionOut]:
    svc = ctx.svc
    return [_tx_out(r) for r in await SqlTransactionLog(svc.store).recent(limit=limit)]


@router.post(
    "/transactions/{tx_id}/rollback",
    summary="Restore the backed-up policies of a transaction",
    description="Restores exactly the policies of the channels the transaction really changed, each "
    "verified by reading it back from the node.",
    responses=problem_responses("not-found", "conflict", *_MUTATION_PROBLEMS),
)
async def rollback(
    tx_id: DbId,
    force: Annotated[
        bool, Query(description="Restore even over later changes of the same channels (409 without)")
    ] = False,
    ctx: Ctx = ADMIN,
) -> dict[str, Any]:
    svc = ctx.svc
    await _audit(svc, ctx.caller, "rollback", f"tx:{tx_id}", {"force": force})
    async with _executor(svc) as executor:
        try:
            result = await executor.rollback(tx_id, force=force)
        except InvalidInputError as exc:  # a valid id whose state forbids it (already rolled back, ...)
            raise ApiProblem("conflict", str(exc)) from exc
    return result.to_dict()
