"""The arena's table (plain text), its JSON, and an HTML page with the charts beside it."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lnpilot.arena.stats import Interval, Summary
from lnpilot.arena.types import RunResult

COLUMNS = (
    "strategy",
    "net profit sat (95% CI)",
    "forwards",
    "policy upd.",
    "flips/ch/wk",
    "rebal/revenue",
    "vs best ref (>=1.0)",
)


def _ci(i: Interval | None, scale: float = 1.0, digits: int = 0) -> str:
    if i is None:
        return "n/a"
    mean = f"{i.mean / scale:,.{digits}f}"
    if i.low is None or i.high is None:
        return mean
    return f"{mean} [{i.low / scale:,.{digits}f}, {i.high / scale:,.{digits}f}]"


def table_rows(summaries: Sequence[Summary]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for s in summaries:
        ratio = "n/a"
        if s.ratio_to_best_ref is not None:
            ratio = f"{s.ratio_to_best_ref.mean:.2f} ({s.seeds_at_least_best}/{s.ratio_to_best_ref.n})"
        rows.append(
            (
                s.strategy,
                _ci(s.net_profit_msat, 1000),
                _ci(s.forwards),
                _ci(s.policy_updates),
                _ci(s.flips_per_channel_week, digits=2),
                "n/a" if s.rebalance_cost_ratio is None else f"{s.rebalance_cost_ratio.mean:.3f}",
                ratio,
            )
        )
    return rows


def render_table(summaries: Sequence[Summary], title: str = "") -> str:
    rows = [COLUMNS, *table_rows(summaries)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = [title] if title else []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")


def comparison_document(
    config: dict[str, Any], results: Sequence[RunResult], summaries: Sequence[Summary]
) -> dict[str, Any]:
    return {
        "kind": "arena",
        "config": config,
        "summary": [s.to_json() for s in summaries],
        "runs": [r.to_json() for r in results],
    }


def _png_data_uri(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def profit_chart(summaries: Sequence[Summary], results: Sequence[RunResult]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    names = [s.strategy for s in summaries]
    means = [s.net_profit_msat.mean / 1000 for s in summaries]
    errs = [
        (s.net_profit_msat.mean - s.net_profit_msat.low) / 1000 if s.net_profit_msat.low is not None else 0.0
        for s in summaries
    ]
    ax.bar(range(len(names)), means, yerr=errs, capsize=4, color="#f7931a", alpha=0.8)
    for i, name in enumerate(names):
        ys = [r.net_profit_msat / 1000 for r in results if r.strategy == name]
        ax.scatter([i] * len(ys), ys, color="#333333", s=12, zorder=3)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylabel("net profit (sat)")
    ax.set_title("net profit per strategy: mean, 95 % interval, one dot per seed")
    return _png_data_uri(fig)


def ratio_chart(ratios: dict[tuple[str, int], float], strategies: Sequence[str]) -> str | None:
    """Per seed, net profit / the best reference's (the paired comparison); None without ratios."""
    if not ratios:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    for i, name in enumerate(strategies):
        ys = [v for (s, _seed), v in sorted(ratios.items()) if s == name]
        ax.scatter([i] * len(ys), ys, color="#3366cc", s=18, zorder=3)
    ax.axhline(1.0, color="#999999", linestyle="--")
    ax.set_xticks(range(len(strategies)), strategies, rotation=30, ha="right")
    ax.set_ylabel("net profit / best reference")
    ax.set_title("per seed: ratio to the best reference on the same seed (>= 1.0 beats every reference)")
    return _png_data_uri(fig)


def sweep_chart(curves: dict[int, list[tuple[int, int]]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    for seed, points in sorted(curves.items()):
        ax.plot([p for p, _ in points], [v / 1000 for _, v in points], marker="o", label=f"seed {seed}")
    ax.set_xlabel("uniform fee rate (ppm)")
    ax.set_ylabel("routing revenue (sat)")
    ax.set_title("revenue against one uniform fee")
    ax.legend()
    return _png_data_uri(fig)


def write_html(path: Path, title: str, table: str, charts: Sequence[str], config: dict[str, Any]) -> None:
    images = "\n".join(f'<img alt="chart" src="{uri}">' for uri in charts)
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}} pre{{background:#f6f6f6;padding:1em}}</style></head>
<body><h1>{html.escape(title)}</h1>
<pre>{html.escape(table)}</pre>
{images}
<h2>Configuration</h2><pre>{html.escape(json.dumps(config, indent=2))}</pre>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
