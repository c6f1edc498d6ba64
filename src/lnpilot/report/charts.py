"""The report's charts as PNG bytes (matplotlib, Agg: no display needed)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from lnpilot.domain.ids import ShortChannelId
from lnpilot.report.data import ReportData


def _label(chan_id: int) -> str:
    return str(ShortChannelId.from_chan_id(chan_id))


def _dates(times: list[int]) -> np.ndarray[Any, Any]:
    return np.array(times, dtype="datetime64[s]")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def fee_chart(data: ReportData) -> bytes | None:
    if not data.fee_history:
        return None
    fig, ax = plt.subplots(figsize=(9, 4))
    for chan_id, points in sorted(data.fee_history.items()):
        # Hold the last fee to the end of the window: a fee stays until it changes.
        times = [t for t, _ in points] + [data.until]
        ys = [p for _, p in points] + [points[-1][1]]
        ax.step(_dates(times), ys, where="post", label=_label(chan_id))
    ax.set_title("Outgoing fee rate per channel")
    ax.set_ylabel("ppm")
    ax.legend(fontsize=7, ncol=2)
    fig.autofmt_xdate()
    return _png(fig)


def balance_chart(data: ReportData) -> bytes | None:
    if not data.balance_history:
        return None
    fig, ax = plt.subplots(figsize=(9, 4))
    for chan_id, points in sorted(data.balance_history.items()):
        ax.plot(_dates([t for t, _ in points]), [100 * share for _, share in points], label=_label(chan_id))
    ax.set_title("Local balance per channel")
    ax.set_ylabel("% of capacity")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=7, ncol=2)
    fig.autofmt_xdate()
    return _png(fig)


def revenue_chart(data: ReportData) -> bytes | None:
    if not data.daily_fees_msat:
        return None
    fig, ax = plt.subplots(figsize=(9, 3.5))
    days = list(data.daily_fees_msat)
    positions = list(range(len(days)))
    ax.bar(positions, [v / 1000 for v in data.daily_fees_msat.values()], color="#3b7dd8")
    ax.set_xticks(positions, days)
    ax.set_title("Routing fees earned per day")
    ax.set_ylabel("sat")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return _png(fig)


def charts(data: ReportData) -> dict[str, bytes]:
    """Name -> PNG, for every chart that has data (an empty chart is left out, not drawn blank)."""
    made = {"revenue": revenue_chart(data), "fees": fee_chart(data), "balances": balance_chart(data)}
    return {name: png for name, png in made.items() if png is not None}
