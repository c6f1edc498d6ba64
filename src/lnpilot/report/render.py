"""Markdown (charts as PNG files beside it) and HTML (charts embedded as base64) from ReportData."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.report.charts import charts
from lnpilot.report.data import ReportData

FORMATS = ("md", "html")
_TEMPLATES = Path(__file__).with_name("templates")
_TITLES = {"revenue": "Routing fees per day", "fees": "Fee history", "balances": "Balance history"}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        # HTML templates escape every value (reasons and details are data); Markdown is plain text.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ts"] = lambda t: datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%d %H:%M")
    env.filters["scid"] = lambda c: "-" if c is None else str(ShortChannelId.from_chan_id(int(c)))
    env.filters["sat"] = lambda msat: f"{int(msat) / 1000:,.3f}"
    env.filters["opt_sat"] = lambda sat: "not reported" if sat is None else f"{int(sat):,} sat"
    env.filters["pct"] = lambda x: "not measured (no reviews)" if x is None else f"{100 * x:.1f} %"
    env.filters["cell"] = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    return env


def _context(data: ReportData) -> dict[str, object]:
    changes = [d for d in data.decisions if d.type != "no_action"]
    no_action: dict[str, int] = {}
    for d in data.decisions:
        if d.type == "no_action":
            why = d.reasons[0] if d.reasons else "no reason given"
            no_action[why] = no_action.get(why, 0) + 1
    return {
        "d": data,
        "summary": data.summary(),
        "changes": changes[-200:],
        "changes_omitted": max(0, len(changes) - 200),
        "no_action": sorted(no_action.items(), key=lambda kv: -kv[1])[:10],
        "executions": [e for e in data.executions if e.item_status != "shadow"],
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render_markdown(data: ReportData, path: Path) -> list[Path]:
    """Write ``path`` and its charts beside it (``<stem>-<chart>.png``); returns every file written."""
    images = {}
    written = []
    for name, png in charts(data).items():
        image = path.with_name(f"{path.stem}-{name}.png")
        image.write_bytes(png)
        images[name] = (_TITLES[name], image.name)
        written.append(image)
    text = _env().get_template("report.md.j2").render(images=images, **_context(data))
    path.write_text(text, encoding="utf-8")
    return [path, *written]


def render_html(data: ReportData, path: Path) -> list[Path]:
    images = {
        name: (_TITLES[name], "data:image/png;base64," + base64.b64encode(png).decode())
        for name, png in charts(data).items()
    }
    path.write_text(_env().get_template("report.html.j2").render(images=images, **_context(data)), "utf-8")
    return [path]


def render_text(data: ReportData) -> str:
    """The summary for a terminal: the window, forwards, fees, costs, net and decisions (<= 80 columns)."""
    return _env().get_template("report.txt.j2").render(images={}, **_context(data)).rstrip("\n")


def write_report(data: ReportData, path: Path, fmt: str) -> list[Path]:
    if fmt not in FORMATS:
        raise InvalidInputError(f"report format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return render_markdown(data, path) if fmt == "md" else render_html(data, path)
    except OSError as exc:
        raise InvalidInputError(f"cannot write the report to {path}: {exc.strerror or exc}") from None
