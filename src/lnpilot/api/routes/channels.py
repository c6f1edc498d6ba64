"""Our channels with their latest score and decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from lnpilot.api.auth import READ, Ctx
from lnpilot.api.problems import ApiProblem, problem_responses
from lnpilot.api.schemas import ChannelOut, DecisionOut, ScoreOut
from lnpilot.api.services import check_profile
from lnpilot.domain.ids import ShortChannelId
from lnpilot.domain.scores import CompositeScore
from lnpilot.errors import InvalidInputError
from lnpilot.store.records import DecisionRecord, TrackedChannel

router = APIRouter(prefix="/v1/channels", tags=["channels"])
# Documented as a pattern so generated clients (and schemathesis) know what a channel id looks like.
ChanIdParam = Annotated[
    str,
    Path(
        pattern=r"^([0-9]{1,20}|[0-9]{1,7}x[0-9]{1,8}x[0-9]{1,5})$",
        description="LND's uint64 chan_id or a short channel id (BLOCKxTXxOUT)",
    ),
]


def decision_out(record: DecisionRecord) -> DecisionOut:
    return DecisionOut(
        id=record.id or 0,
        created_at=record.created_at,
        type=record.type,
        profile=record.profile,
        mode=record.mode,
        would_execute=record.would_execute,
        chan_id=None if record.chan_id is None else str(record.chan_id),
        params=record.params,
        reasons=record.reasons,
        confidence=record.confidence,
    )


def _channel_out(
    channel: TrackedChannel, score: CompositeScore | None, decision: DecisionRecord | None
) -> ChannelOut:
    return ChannelOut(
        chan_id=str(channel.chan_id),
        channel_point=channel.channel_point,
        remote_pubkey=channel.remote_pubkey,
        capacity_sat=channel.capacity_sat,
        closed=channel.closed,
        score=None if score is None else ScoreOut.of(score),
        latest_decision=None if decision is None else decision_out(decision),
    )


@router.get(
    "",
    response_model=list[ChannelOut],
    summary="Our channels",
    description="Every channel the sync job has seen (open ones unless `include_closed`), with its latest "
    "channel score and the latest decision taken on it.",
    responses=problem_responses("invalid-input", "unauthenticated", "rate-limited", "invalid-api-key"),
)
async def list_channels(
    include_closed: bool = False, profile: str = "balanced", ctx: Ctx = READ
) -> list[ChannelOut]:
    svc = ctx.svc
    check_profile(svc.settings, profile)
    # Three reads whatever the channel count (channels, their scores, their newest decisions).
    async with svc.store.unit_of_work() as uow:
        tracked = await uow.channels.all(include_closed)
        scores = await uow.scores.latest_many("channel", profile)
        decisions = await uow.decisions.latest_per_channel(include_closed)
    return [_channel_out(c, scores.get(str(c.chan_id)), decisions.get(c.chan_id)) for c in tracked]


@router.get(
    "/{chan_id}/recommendation",
    response_model=ChannelOut,
    summary="The latest recommendation for one channel",
    description="`chan_id` is LND's uint64 id or a short channel id (`BLOCKxTXxOUT`).",
    responses=problem_responses(
        "invalid-input", "channel-not-found", "unauthenticated", "rate-limited", "invalid-api-key"
    ),
)
async def recommendation(chan_id: ChanIdParam, profile: str = "balanced", ctx: Ctx = READ) -> ChannelOut:
    svc = ctx.svc
    check_profile(svc.settings, profile)
    try:
        cid = ShortChannelId.parse(chan_id).chan_id
    except InvalidInputError as exc:  # well-formed (the pattern) but out of range: no such channel
        raise ApiProblem("channel-not-found", str(exc)) from exc
    async with svc.store.unit_of_work() as uow:
        channel = await uow.channels.get(cid)
        if channel is None:
            raise ApiProblem("channel-not-found", f"no channel {chan_id} in the store")
        score = await uow.scores.latest(str(channel.chan_id), "channel", profile)
        found = await uow.decisions.search(chan_id=channel.chan_id, limit=1)
    return _channel_out(channel, score, found[0] if found else None)
