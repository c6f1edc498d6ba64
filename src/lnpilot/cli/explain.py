"""``lnpilot explain CHANNEL``: every reason of the decision on one channel, one per line."""

from __future__ import annotations

import asyncio

import typer

from lnpilot.cli.common import print_json, settings_from_env
from lnpilot.cli.decide import _proposal, _reviews, _scid, _verdict
from lnpilot.cli.render import WIDTH
from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError, NotFoundError


def explain(
    channel: str = typer.Argument(..., help="Short channel id (BLOCKxTXxOUT) or LND's chan_id."),
    profile: str | None = typer.Option(None, "--profile", help="Decision profile (default: settings)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    source: str = typer.Option(
        "node", "--from", help="node: the live node; store: what `lnpilot sync` stored."
    ),
    at: int | None = typer.Option(
        None, "--at", min=0, max=9_000_000_000, help="Decide as of this unix time (default: the node's now)."
    ),
) -> None:
    """Every reason of the latest decision on one channel."""
    import textwrap

    try:
        chan_id = ShortChannelId.parse(channel).chan_id
    except InvalidInputError as exc:
        raise InvalidInputError(f"CHANNEL: {exc}") from None
    settings = settings_from_env()
    reviews, aliases, clock = asyncio.run(_reviews(settings, profile, at, source))
    review = next((r for r in reviews if r.decision.chan_id == chan_id), None)
    if review is None:
        raise NotFoundError(f"no channel {channel} among the node's {len(reviews)} channel(s)")
    if as_json:
        print_json({**review.to_dict(), "clock": clock.to_dict()})
        return
    d = review.decision
    alias = f", peer {aliases[d.chan_id]}" if d.chan_id in aliases else ""
    print(f"{_scid(d.chan_id)} ({d.chan_id}{alias}): {d.type.value}, confidence {d.confidence:.2f}")
    print(f"proposal: {_proposal(review)}")
    print(f"verdict:  {_verdict(review)}")
    print("reasons:")
    for reason in d.reasons:
        print(
            textwrap.fill(
                reason, WIDTH, initial_indent="  - ", subsequent_indent="    ", break_long_words=False
            )
        )
    print(clock.line)
