"""Node-level routing revenue for a window, from the fee sums a backend without per-channel forwards
reports (LNbits: the node's rolling day / week / month sums, as of one sync).

A reported sum covers ``[reported_at - period, reported_at)``. It is carried into a P&L window only
when it covers that window: the window is as long as the period and ends close to the report, so
"the last 7 days" on a node whose last sync read the week's sum a few minutes ago. Anything else (a
window of 3 days, a window that ended last month) stays "not measured"; the sums are still shown
beside it, labelled with their own periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lnpilot.store.records import NodeFeeSums

DAY_S = 86_400
# LND's fee report (which LNbits passes on) sums the last 24 h, 7 days and 30 days.
PERIODS_S = {"day": DAY_S, "week": 7 * DAY_S, "month": 30 * DAY_S}
# How far the window's length and end may be off the period's: an hour (one sync is at most a few
# daemon cycles old on a running node; a day's window then overlaps the reported day by >= 95 %).
TOLERANCE_S = 3_600


@dataclass(frozen=True, slots=True)
class NodeLevelRevenue:
    """Routing revenue of the whole node over a window, from one reported rolling sum."""

    revenue_msat: int
    period: str  # "day" | "week" | "month"
    reported_at: int

    @property
    def label(self) -> str:
        at = datetime.fromtimestamp(self.reported_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"node-level: the node's routing fees of the past {self.period} as reported at {at} "
            "(not per channel, no forward count)"
        )

    def as_dict(self) -> dict[str, int | str]:
        return {
            "revenue_msat": self.revenue_msat,
            "period": self.period,
            "reported_at": self.reported_at,
            "scope": self.label,
        }


def node_level_revenue(sums: NodeFeeSums | None, since: int, until: int) -> NodeLevelRevenue | None:
    """The reported sum that covers ``[since, until)``, or None when none does (see the module)."""
    if sums is None or abs(until - sums.reported_at) > TOLERANCE_S:
        return None
    reported = {"day": sums.day_sat, "week": sums.week_sat, "month": sums.month_sat}
    for period, length_s in PERIODS_S.items():
        value = reported[period]
        if value is not None and abs((until - since) - length_s) <= TOLERANCE_S:
            return NodeLevelRevenue(value * 1000, period, sums.reported_at)
    return None
