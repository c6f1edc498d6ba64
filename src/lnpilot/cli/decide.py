"""``lnpilot decide``: what the engine would do on every channel, and what the validator says.

Nothing is executed: views are read from the node (or from what ``lnpilot sync`` stored), the
rate-limit history from the store, and the decisions are printed with their verdicts.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from lnpilot.cli.clock import CommandClock, command_clock
from lnpilot.cli.common import console, err_console, print_json, settings_from_env
from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.safety.review import Review
from lnpilot.settings import Settings

if TYPE_CHECKING:
    from lnpilot.store import Store
    from lnpilot.views import ViewSet

app = typer.Typer()

DAY_S = 86_400
SOURCES = ("node", "store")


async def _reviews(
    settings: Settings, profile: str | None, at: int | None, source: str
) -> tuple[list[Review], dict[int, str], CommandClock]:
    """The reviewed decisions, the peer's alias per channel where the graph names it, and the
    clock they were judged on (``at``, else the node's now: ``cli.clock``)."""
    from lnpilot.decisions.engine import DecisionEngine
    from lnpilot.execution.pipeline import REBALANCE_WINDOW_S, history_window_s
    from lnpilot.safety.history import ValidationHistory
    from lnpilot.safety.review import decide_and_validate
    from lnpilot.safety.validator import PolicyValidator
    from lnpilot.scoring.composite import score_channels
    from lnpilot.scoring.profiles import resolve_profile as scoring_profile
    from lnpilot.store import Store
    from lnpilot.store.repos.transaction_log import applied_changes_since, rebalances_since

    if source not in SOURCES:
        raise InvalidInputError(f"--from: choose one of {', '.join(SOURCES)}, not {source!r}")
    name = profile or settings.profile
    engine = DecisionEngine.from_settings(settings, name)  # bad profile: fail before any I/O
    weights = scoring_profile(name, settings.profiles)
    clock = await command_clock(settings, at, store_fallback=source == "store")
    now = clock.now
    store = await Store.open(settings)
    try:
        # The same history as apply: the window of the longest limit, rebalances included.
        history = ValidationHistory.from_events(
            await applied_changes_since(store, now - history_window_s(settings.limits)),
            await rebalances_since(store, now - REBALANCE_WINDOW_S),
        )
        if source == "store":
            from lnpilot.views import stored_views

            built = await stored_views(store, now)
        else:
            built = await _live(settings, now, store)
        views, context = built.views, built.context
    finally:
        await store.close()
    scores = {int(s.subject): s for s in score_channels(views, weights, context)}
    reviews, _ = decide_and_validate(
        views, scores, history, engine, PolicyValidator.from_settings(settings), now
    )
    aliases = {
        v.channel.chan_id: built.aliases[v.channel.remote_pubkey]
        for v in views
        if v.channel.remote_pubkey in built.aliases
    }
    return reviews, aliases, clock


async def _live(settings: Settings, now: int, store: Store) -> ViewSet:
    from lnpilot.backends.factory import make_backend
    from lnpilot.views import live_views

    backend = make_backend(settings)
    try:
        return await live_views(backend, now, history=store)
    finally:
        await backend.aclose()


def _scid(chan_id: int) -> str:
    try:
        return str(ShortChannelId.from_chan_id(chan_id))
    except InvalidInputError:
        return str(chan_id)


def _proposal(review: Review) -> str:
    d = review.decision
    if d.new_policy is not None:
        old = d.old_policy.fee_rate_ppm if d.old_policy is not None else "?"
        p = d.new_policy
        return (
            f"{old} -> {p.fee_rate_ppm} ppm, base {p.base_fee_msat} msat, "
            f"inbound {p.inbound_fee_rate_ppm} ppm, max_htlc {p.max_htlc_msat // 1000} sat"
        )
    if d.rebalance is not None:
        r = d.rebalance
        return f"{r.amount_sat} sat from {_scid(r.source_chan_id)}, fee <= {r.max_fee_msat} msat"
    if d.close is not None:
        return f"close: earned {d.close.earned_msat} msat in {d.close.window_days:g} d"
    return "-"


def _verdict(review: Review) -> str:
    if review.decision.type.value == "no_action":
        return "-"
    return "approved" if review.verdict.approved else "refused: " + ", ".join(review.verdict.codes)


@app.command("decide")
def decide(
    profile: str | None = typer.Option(None, "--profile", help="Decision profile (default: settings)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    wide: bool = typer.Option(False, "--wide", help="Every column and every reason (wider than 80 columns)."),
    source: str = typer.Option(
        "node", "--from", help="node: read the live node; store: what `lnpilot sync` stored (richer history)."
    ),
    at: int | None = typer.Option(
        None,
        "--at",
        min=0,
        max=9_000_000_000,
        help="Decide as of this unix time (default: now); for simulated nodes and replays.",
    ),
) -> None:
    """Show each channel's decision, proposed policy, confidence, reasons and verdict. Executes nothing.

    One line per channel (short channel id, peer, decision, the reason that decided it); --wide
    for the full table; `lnpilot explain CHANNEL` for every reason of one channel.
    """
    settings = settings_from_env()
    reviews, aliases, clock = asyncio.run(_reviews(settings, profile, at, source))
    if as_json:
        data: list[dict[str, Any]] = [
            {**r.to_dict(), "alias": aliases.get(r.decision.chan_id)} for r in reviews
        ]
        print_json(data)
        err_console.print(clock.line, markup=False)  # the JSON stays the list it always was
        return
    if wide:
        console.print(render(reviews, profile or settings.profile, aliases))
    else:
        print(f"lnpilot decide ({profile or settings.profile}) - nothing executed")
        for line in compact_lines(reviews, aliases):
            print(line)
    print(summary(reviews))
    print(clock.line)


def render(reviews: list[Review], profile: str, aliases: dict[int, str] | None = None) -> Table:
    """The decide table: one row per channel, every reason spelled out."""
    aliases = aliases or {}
    table = Table(
        "channel",
        "alias",
        "score",
        "decision",
        "proposal",
        "conf.",
        "verdict",
        "reasons",
        title=f"lnpilot decide ({profile}) - nothing executed",
    )
    for review in reviews:
        d = review.decision
        score = review.score.composite if review.score is not None else None
        table.add_row(
            _scid(d.chan_id),
            aliases.get(d.chan_id, "-"),
            "-" if score is None else f"{score:.0f}",
            d.type.value,
            _proposal(review),
            f"{d.confidence:.2f}",
            _verdict(review),
            "; ".join(d.reasons),
        )
    return table


from lnpilot.cli.render import WIDTH, fit  # noqa: E402


def headline(review: Review) -> str:
    """The one reason that decided it: a refusal's codes, else the engine's last (deciding) reason."""
    d = review.decision
    if d.is_change and not review.verdict.approved:
        return "refused: " + ", ".join(review.verdict.codes)
    if d.is_change:
        return _proposal(review)
    return d.reasons[-1] if d.reasons else "no reason recorded"


ALIAS_WIDTH = 12


def compact_lines(
    reviews: list[Review], aliases: dict[int, str] | None = None, width: int = WIDTH
) -> list[str]:
    """One line per channel, at most ``width`` columns: scid, the peer's alias ("-" when the
    graph does not name it), decision, headline reason."""
    aliases = aliases or {}
    lines = [f"{'channel':<15} {'alias':<{ALIAS_WIDTH}} {'decision':<14} reason"]
    for review in reviews:
        d = review.decision
        alias = fit(aliases.get(d.chan_id) or "-", ALIAS_WIDTH)
        head = f"{_scid(d.chan_id):<15} {alias:<{ALIAS_WIDTH}} {d.type.value:<14} "
        lines.append(head + fit(headline(review), width - len(head)))
    return lines


def summary(reviews: list[Review]) -> str:
    changes = [r for r in reviews if r.decision.is_change]
    approved = sum(1 for r in changes if r.verdict.approved)
    return f"{len(reviews)} channel(s): {len(changes)} proposed change(s), {approved} would pass validation"
