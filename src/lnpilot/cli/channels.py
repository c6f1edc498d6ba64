"""``lnpilot channels``: our channels scored from what the sync job stored."""

from __future__ import annotations

import asyncio
from typing import Any

import typer
from rich.table import Table

from lnpilot.cli.clock import command_clock
from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.cli.render import fit
from lnpilot.domain.ids import ShortChannelId
from lnpilot.domain.scores import HEURISTICS, CompositeScore
from lnpilot.scoring.composite import score_channels
from lnpilot.scoring.profiles import resolve_profile
from lnpilot.settings import Settings
from lnpilot.views import StoredViews, stored_views

_SHORT = {
    "centrality": "cent",
    "liquidity": "liq",
    "activity": "act",
    "competitiveness": "comp",
    "reliability": "rel",
    "age_stability": "age",
    "peer_quality": "peer",
    "network_position": "pos",
}


def _flow_window_s(settings: Settings) -> int:
    """The decision profile's flow window: the estimate shown is the one ``decide`` reasons on."""
    from lnpilot.decisions.profiles import resolve_profile as decision_profile
    from lnpilot.errors import ConfigError

    try:
        return int(decision_profile(settings.profile, settings.profiles).flow_window_days * 86_400)
    except ConfigError:
        return 7 * 86_400


def _flows(stored: StoredViews, now: int, window_s: int) -> dict[str, dict[str, Any]]:
    """Per channel: where its flow comes from; without per-channel forwards, the labelled estimate."""
    out: dict[str, dict[str, Any]] = {}
    for view in stored.views:
        flow = view.balance_flow
        out[str(view.channel.chan_id)] = (
            {"flow_source": view.flow_source} if flow is None else flow.window(now - window_s, now).as_dict()
        )
    return out


async def _collect(settings: Settings, now: int, block_height: int | None) -> StoredViews:
    from lnpilot.store import Store

    store = await Store.open(settings)
    try:
        return await stored_views(store, now, block_height=block_height)
    finally:
        await store.close()


def _as_dict(score: CompositeScore, peer: str) -> dict[str, Any]:
    chan_id = int(score.subject)
    return {
        "chan_id": score.subject,
        "scid": str(ShortChannelId.from_chan_id(chan_id)),
        "peer": peer,
        "composite": score.composite,
        "coverage": score.coverage,
        "profile": score.profile,
        "heuristics": {
            name: {"score": h.score, "reason": h.reason, "components": dict(h.components)}
            for name, h in score.heuristics.items()
        },
    }


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def channels(
    as_json: bool = typer.Option(False, "--json", help="Print JSON (every component and reason)."),
    profile: str | None = typer.Option(None, "--profile", help="Scoring profile (default: settings)."),
    block_height: int | None = typer.Option(
        None, "--block-height", min=0, help="Current chain height (default: bound from the graph snapshot)."
    ),
    at: int | None = typer.Option(
        None, "--at", min=0, max=9_000_000_000, help="Take 'now' as this Unix time (default: the node's now)."
    ),
    wide: bool = typer.Option(False, "--wide", help="Every heuristic and the peer (wider than 80 columns)."),
) -> None:
    """Score our channels from the store: eight heuristics and the composite, best first."""
    settings = settings_from_env()
    chosen = resolve_profile(profile or settings.profile, settings.profiles)
    clock = asyncio.run(command_clock(settings, at, store_fallback=True))
    now = clock.now
    stored = asyncio.run(_collect(settings, now, block_height))
    scores = score_channels(stored.views, chosen, stored.context)
    peers = {str(v.channel.chan_id): v.channel.remote_pubkey for v in stored.views}
    flows = _flows(stored, now, _flow_window_s(settings))
    if as_json:
        print_json(
            {
                "profile": chosen.name,
                "computed_at": now,
                "clock": clock.to_dict(),
                "graph_snapshot_at": stored.graph_snapshot_at,
                "block_height": stored.block_height,
                "block_height_source": stored.block_height_source,
                "flow_source": stored.flow_source,
                "channels": [
                    {
                        **_as_dict(s, peers[s.subject]),
                        "alias": stored.aliases.get(peers[s.subject]),
                        "flow": flows[s.subject],
                    }
                    for s in scores
                ],
                "skipped": {str(k): v for k, v in stored.skipped.items()},
            }
        )
        return
    if not scores and not stored.skipped:
        console.print("no channels in the store (run lnpilot sync first)")
        return
    if not wide:  # 80 columns: the channel, its composite, and its strongest and weakest heuristic
        table = Table(
            "channel", "alias", "score", "cover", "strongest", "weakest", title=f"channels ({chosen.name})"
        )
        for score in scores:
            known = [(v, h) for h in HEURISTICS if (v := score.score_of(h)) is not None]
            best = f"{max(known)[1]} {max(known)[0]:.0f}" if known else "-"
            worst = f"{min(known)[1]} {min(known)[0]:.0f}" if known else "-"
            scid = str(ShortChannelId.from_chan_id(int(score.subject)))
            alias = fit(stored.aliases.get(peers[score.subject], "-"), 12)
            table.add_row(scid, alias, _cell(score.composite), f"{score.coverage:.2f}", best, worst)
    else:
        table = Table(
            "channel",
            "alias",
            "peer",
            "score",
            "cover",
            *(_SHORT[h] for h in HEURISTICS),
            title=f"channels ({chosen.name})",
        )
        for score in scores:
            row = [
                str(ShortChannelId.from_chan_id(int(score.subject))),
                stored.aliases.get(peers[score.subject], "-"),
                peers[score.subject],
                _cell(score.composite),
                f"{score.coverage:.2f}",
            ]
            table.add_row(*row, *(_cell(score.score_of(h)) for h in HEURISTICS))
    console.print(table)
    for chan_id, why in stored.skipped.items():
        console.print(f"skipped {ShortChannelId.from_chan_id(chan_id)}: {why}")
    console.print(clock.line, markup=False)
    if stored.flow_source != "forwards":
        console.print("flow: ESTIMATED from balance snapshots (no per-channel forwards); see --json")
    if stored.graph_snapshot_at is None:
        console.print("no graph snapshot stored: centrality, peer quality and position are unavailable")
