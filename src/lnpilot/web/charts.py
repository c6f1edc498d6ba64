"""Inline SVG charts (pure): no chart library, no script, readable in light and dark mode.

A chart is drawn with ``currentColor`` and CSS classes, so the page's colour scheme applies;
every chart carries a ``<title>`` and a text summary for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

_W, _H = 640, 180
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 52, 10, 12, 26


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: Sequence[tuple[int, float]]  # (unix s, value), oldest first
    step: bool = False  # a value holds until the next point (fees), not a line between samples
    css: str = "s1"


def _fmt(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.2f}"


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%m-%d")


def line_chart(
    title: str, series: Sequence[Series], since: int, until: int, unit: str = "", y_min: float | None = None
) -> str:
    """An SVG line (or step) chart of ``series`` over ``[since, until]``; a note when empty."""
    points = [p for s in series for p in s.points]
    if not points:
        return f'<p class="muted">{escape(title)}: no data in this window.</p>'
    lo = min(v for _, v in points) if y_min is None else y_min
    hi = max(v for _, v in points)
    if hi <= lo:
        hi = lo + 1
    span = max(until - since, 1)

    def x(ts: int) -> float:
        return _PAD_L + (min(max(ts, since), until) - since) / span * (_W - _PAD_L - _PAD_R)

    def y(v: float) -> float:
        return _H - _PAD_B - (v - lo) / (hi - lo) * (_H - _PAD_T - _PAD_B)

    parts = [
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="none"><title>{escape(title)}</title>',
        f'<line class="axis" x1="{_PAD_L}" y1="{_H - _PAD_B}" x2="{_W - _PAD_R}" y2="{_H - _PAD_B}"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        value = lo + frac * (hi - lo)
        parts.append(
            f'<text class="tick" x="{_PAD_L - 4}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(_fmt(value))}</text>"
        )
    for ts in (since, since + span // 2, until):
        parts.append(
            f'<text class="tick" x="{x(ts):.1f}" y="{_H - 8}" text-anchor="middle">{_day(ts)}</text>'
        )
    for s in series:
        if not s.points:
            continue
        coords: list[str] = []
        previous: float | None = None
        for ts, value in s.points:
            if s.step and previous is not None:
                coords.append(f"{x(ts):.1f},{y(previous):.1f}")
            coords.append(f"{x(ts):.1f},{y(value):.1f}")
            previous = value
        if s.step and previous is not None:
            coords.append(f"{x(until):.1f},{y(previous):.1f}")
        parts.append(
            f'<polyline class="line {s.css}" points="{" ".join(coords)}"><title>{escape(s.name)}</title>'
        )
        parts.append("</polyline>")
    parts.append("</svg>")
    last = ", ".join(f"{s.name} {_fmt(s.points[-1][1])}{unit}" for s in series if s.points)
    legend = " ".join(f'<span class="key {s.css}">{escape(s.name)}</span>' for s in series)
    return (
        f'<figure class="chartbox">{"".join(parts)}<figcaption>{escape(title)}: {legend} '
        f'<span class="muted">(latest: {escape(last)})</span></figcaption></figure>'
    )


def bar_chart(title: str, bars: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Vertical bars (one per label, e.g. a day), zero-based."""
    if not bars:
        return f'<p class="muted">{escape(title)}: no data in this window.</p>'
    hi = max(max(v for _, v in bars), 1.0)
    width = (_W - _PAD_L - _PAD_R) / len(bars)
    parts = [
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="none"><title>{escape(title)}</title>',
        f'<line class="axis" x1="{_PAD_L}" y1="{_H - _PAD_B}" x2="{_W - _PAD_R}" y2="{_H - _PAD_B}"/>',
        f'<text class="tick" x="{_PAD_L - 4}" y="{_PAD_T + 4}" text-anchor="end">{escape(_fmt(hi))}</text>',
        f'<text class="tick" x="{_PAD_L - 4}" y="{_H - _PAD_B}" text-anchor="end">0</text>',
    ]
    for i, (label, value) in enumerate(bars):
        h = value / hi * (_H - _PAD_T - _PAD_B)
        parts.append(
            f'<rect class="bar" x="{_PAD_L + i * width + 1:.1f}" y="{_H - _PAD_B - h:.1f}" '
            f'width="{max(width - 2, 1):.1f}" height="{h:.1f}"><title>{escape(label)}: '
            f"{escape(_fmt(value))}{escape(unit)}</title></rect>"
        )
    for i in sorted({0, len(bars) - 1}):
        parts.append(
            f'<text class="tick" x="{_PAD_L + (i + 0.5) * width:.1f}" y="{_H - 8}" text-anchor="middle">'
            f"{escape(bars[i][0][5:])}</text>"
        )
    parts.append("</svg>")
    total = sum(v for _, v in bars)
    return (
        f'<figure class="chartbox">{"".join(parts)}<figcaption>{escape(title)} '
        f'<span class="muted">(total {escape(_fmt(total))}{escape(unit)})</span></figcaption></figure>'
    )
