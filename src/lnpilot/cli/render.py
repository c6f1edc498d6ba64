"""Text for an 80-column terminal: times as local ISO dates, words never cut, old -> new."""

from __future__ import annotations

from datetime import datetime
from typing import Any

WIDTH = 80


def local_time(unix_s: int | None) -> str:
    """A Unix time as a local ISO date and time to the minute (``--json`` keeps the raw number)."""
    if unix_s is None:
        return "-"
    return datetime.fromtimestamp(unix_s).astimezone().strftime("%Y-%m-%d %H:%M %z")


def fit(text: str, width: int) -> str:
    """``text`` within ``width`` columns, shortened at a word boundary with an ellipsis."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return (cut or text[: width - 1]) + "…"


def scid(chan_id: str) -> str:
    from lnpilot.domain.ids import ShortChannelId
    from lnpilot.errors import InvalidInputError

    try:
        return str(ShortChannelId.from_chan_id(int(chan_id)))
    except (InvalidInputError, ValueError):
        return chan_id


def changes_lines(report: dict[str, Any], width: int = WIDTH) -> list[str]:
    """One line per proposed change of an apply report: channel, peer alias, old -> new, verdict."""
    lines: list[str] = []
    aliases = report.get("aliases") or {}
    for decision in report.get("decisions", []):
        if decision.get("type") == "no_action":
            continue
        old, new = decision.get("old_policy") or {}, decision.get("new_policy") or {}
        if new:
            change = f"{old.get('fee_rate_ppm', '?')} -> {new.get('fee_rate_ppm')} ppm"
            if old.get("base_fee_msat") != new.get("base_fee_msat"):
                change += f", base {old.get('base_fee_msat', '?')} -> {new.get('base_fee_msat')} msat"
        else:
            change = str(decision.get("type"))
        verdict = decision.get("verdict", {})
        status = "approved" if verdict.get("approved") else "refused: " + ", ".join(verdict.get("codes", []))
        chan = str(decision.get("chan_id"))
        alias = fit(aliases[chan], 12) + " " if aliases.get(chan) else ""
        head = f"{scid(chan)} {alias}{decision.get('type')}: {change}; "
        lines.append(fit(head + status, width))
    if not lines:
        lines.append("no change proposed")
    return lines
