"""Node scores, rankings and batch lookups: read through the score cache."""

from __future__ import annotations

import base64
import json
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from lnpilot.api.auth import PUBLIC, Ctx
from lnpilot.api.problems import ApiProblem, problem_responses
from lnpilot.api.schemas import BatchIn, BatchOut, RankingItem, RankingPage, ScoreOut, SortKey
from lnpilot.api.services import ApiServices, check_profile
from lnpilot.domain.ids import is_pubkey
from lnpilot.domain.scores import HEURISTICS

router = APIRouter(prefix="/v1", tags=["scores"])
_TTL_S = 300.0


@router.get(
    "/scores/nodes/{pubkey}",
    response_model=ScoreOut,
    summary="Score of one public node",
    description="The composite score, the eight heuristics with their reasons and coverage, the node's "
    "rank by composite and the time of the scoring run. Served from the cache (5 minutes, invalidated "
    "when scores are recomputed).",
    responses=problem_responses(
        "malformed-pubkey",
        "invalid-input",
        "node-not-found",
        "unauthenticated",
        "rate-limited",
        "invalid-api-key",
    ),
)
async def node_score(
    pubkey: Annotated[str, Path(description="66 hex characters, 02/03 prefix", examples=["02" + "ab" * 32])],
    profile: Annotated[str, Query(description="Scoring profile")] = "balanced",
    ctx: Ctx = PUBLIC,
) -> Response:
    svc = ctx.svc
    if not is_pubkey(pubkey):
        raise ApiProblem("malformed-pubkey", "a node key is 66 lowercase hex characters starting 02 or 03")
    check_profile(svc.settings, profile)
    # The whole answer is cached (rank included) so a hot key costs two cache reads.
    key = await node_score_key(svc, profile, pubkey)
    body = await svc.scores.cache.get(key)
    if body is None:
        score = await svc.scores.latest(svc.store, pubkey, "node", profile)
        if score is None:
            raise ApiProblem("node-not-found", f"no score for node {pubkey} under profile {profile!r}")
        async with svc.store.unit_of_work() as uow:
            rank = await uow.scores.rank_of(score, "node")
        body = ScoreOut.of(score, rank).model_dump_json().encode()
        await svc.scores.cache.set(key, body, _TTL_S)
    return Response(body, media_type="application/json")


async def node_score_key(svc: ApiServices, profile: str, pubkey: str) -> str:
    """Cache key of a node's whole answer; shared with the ASGI fast path (``api.fastpath``)."""
    return f"api:v{await svc.scores.version()}:node:{profile}:{pubkey}"


def _encode_cursor(offset: int, sort: str, profile: str) -> str:
    raw = json.dumps({"o": offset, "s": sort, "p": profile}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str, profile: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = int(data["o"])
        same = data["s"] == sort and data["p"] == profile
    except (ValueError, KeyError, TypeError) as exc:
        # Well-formed (the schema's pattern) but not one we issued: no such page.
        raise ApiProblem("not-found", "no page for this cursor (pass a next_cursor we returned)") from exc
    if offset < 0:
        raise ApiProblem("not-found", "no page for this cursor (pass a next_cursor we returned)")
    if not same:
        raise ApiProblem("conflict", "the cursor belongs to another sort or profile")
    return offset


@router.get(
    "/rankings",
    response_model=RankingPage,
    summary="Nodes ranked by the composite or any heuristic",
    description="Stable order (value descending, then public key); cursor pagination; `min_score` stops "
    "the listing at the first node below it.",
    responses=problem_responses(
        "invalid-request",
        "invalid-input",
        "not-found",
        "conflict",
        "unauthenticated",
        "rate-limited",
        "invalid-api-key",
    ),
)
async def rankings(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None,
        Query(max_length=200, pattern="^[A-Za-z0-9_-]+$", description="A `next_cursor` we returned"),
    ] = None,
    sort: SortKey = "composite",
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    profile: str = "balanced",
    ctx: Ctx = PUBLIC,
) -> Response:
    svc = ctx.svc
    check_profile(svc.settings, profile)
    offset = _decode_cursor(cursor, sort, profile) if cursor else 0
    # Pages are cached rendered: building 100 items through pydantic costs more than the query.
    key = f"api:v{await svc.scores.version()}:rank:{profile}:{sort}:{limit}:{offset}:{min_score}"
    cached = await svc.scores.cache.get(key)
    if cached is not None:
        return Response(cached, media_type="application/json")
    scores = await svc.scores.ranking(svc.store, sort, "node", profile, limit + 1, offset)
    items: list[RankingItem] = []
    ended = len(scores) <= limit
    for position, score in enumerate(scores[:limit]):
        value = score.composite if sort == "composite" else score.score_of(sort)
        if value is None or (min_score is not None and value < min_score):
            ended = True
            break
        items.append(
            RankingItem(
                rank=offset + position + 1,
                pubkey=score.subject,
                value=value,
                composite=score.composite,
                heuristics={name: score.score_of(name) for name in HEURISTICS},
            )
        )
    next_cursor = None if ended else _encode_cursor(offset + limit, sort, profile)
    page = RankingPage(items=items, sort=sort, profile=profile, limit=limit, next_cursor=next_cursor)
    body = page.model_dump_json().encode()
    await svc.scores.cache.set(key, body, _TTL_S)
    return Response(body, media_type="application/json")


@router.post(
    "/scores/batch",
    response_model=BatchOut,
    summary="Scores of up to 1,000 nodes at once",
    description="Found scores (without rank, to keep the call cheap) and the list of unknown keys.",
    responses=problem_responses(
        "invalid-request",
        "malformed-pubkey",
        "invalid-input",
        "payload-too-large",
        "unauthenticated",
        "rate-limited",
        "invalid-api-key",
    ),
)
async def batch(body: BatchIn, profile: str = "balanced", ctx: Ctx = PUBLIC) -> Response:
    svc = ctx.svc
    check_profile(svc.settings, profile)
    bad = [k for k in body.pubkeys if not is_pubkey(k)]
    if bad:
        raise ApiProblem("malformed-pubkey", f"{len(bad)} malformed key(s), first: {bad[0][:80]!r}")
    # Each node's rendered entry is cached, so a batch is assembled from bytes; the body is what
    # ``BatchOut`` describes (the tests validate it against the model and the OpenAPI schema).
    prefix = f"api:v{await svc.scores.version()}:batch:{profile}:"
    # One cache round trip for every key, one store read for the keys it did not have, one cache
    # round trip to keep them: never one per key (a Redis round trip each was 2,000 per batch).
    keys = list(dict.fromkeys(body.pubkeys))
    entries = dict(zip(keys, await svc.scores.cache.get_many([prefix + k for k in keys]), strict=True))
    missing = [pubkey for pubkey, entry in entries.items() if entry is None]
    if missing:
        async with svc.store.unit_of_work() as uow:
            scores = await uow.scores.latest_many("node", profile, missing)
        rendered: dict[str, bytes] = {}
        for pubkey in missing:
            score = scores.get(pubkey)
            rendered[pubkey] = b"" if score is None else ScoreOut.of(score).model_dump_json().encode()
        entries.update(rendered)
        await svc.scores.cache.set_many({prefix + k: v for k, v in rendered.items()}, _TTL_S)
    found: list[bytes] = []
    unknown: list[str] = []
    for pubkey, cached in entries.items():
        if cached:
            found.append(cached)
        else:
            unknown.append(pubkey)
    payload = (
        b'{"scores":['
        + b",".join(found)
        + b'],"unknown":'
        + json.dumps(unknown, separators=(",", ":")).encode()
        + b"}"
    )
    return Response(payload, media_type="application/json")
