"""CLBOSS's channel fees (github.com/ZmnSCPxj/clboss, ``Boss/Mod/``), one peer at a time:

``fee = competitor median x balance modifier x price-theory modifier`` for base and ppm alike
(``ChannelFeeManager``: each ``FeeModderBy*`` multiplies in; ppm at least 1).

- Competitor median (``PeerCompetitorFeeMonitor``): the capacity-weighted median of what the
  peer's other channels charge towards the peer (their incoming direction).
- Balance (``FeeModderByBalance``, after darosior's feeadjuster): the channel is cut into
  round(capacity / 0.002 BTC) bins, 4..50; the multiplier is ``exp(ln 50 x (0.5 - share))``
  at the centre of our bin (x7.1 empty .. x0.14 full). A bin moves only when the balance
  leaves it, with a random rounding towards the old bin.
- Price theory (``FeeModderByPriceTheory``): a deck of the five prices ``c-2 .. c+2`` is
  shuffled; each card is played for 288 ten-minute ticks (48 h) and earns the fees forwarded
  out of the channel meanwhile; when the deck is empty the best-earning card becomes the new
  centre ``c`` and a new deck is shuffled. Price p multiplies by 1.2^p (p > 0) or 0.8^-p.
Not modelled: ``FeeModderBySize`` (our size rank among the peer's channels) and the
``zerobasefee`` option (its default, ``allow``, keeps the median base).
Runs once per cycle here (CLBOSS re-surveys each peer about hourly); the graph survey is
refreshed once a simulated day.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from lnpilot.arena.refs.base import apply_fee, competitor_median
from lnpilot.backends.base import NodeBackend
from lnpilot.domain.graph import Graph

_LOG50 = math.log(50.0)
BIN_SIZE_SAT = 200_000
CARD_LIFETIME_S = 288 * 600
MAX_STEP = 2
SURVEY_EVERY_S = 86_400


def balance_multiplier(bin_index: int, num_bins: int) -> float:
    share = (1 + 2 * bin_index) / (2 * num_bins)
    return math.exp(_LOG50 * (0.5 - share))


def num_bins(capacity_sat: int) -> int:
    return min(50, max(4, round(capacity_sat / BIN_SIZE_SAT)))


def price_multiplier(price: int) -> float:
    return 1.2**price if price > 0 else 0.8 ** (-price)


@dataclass
class BalanceBins:
    bins: int
    current: int
    to_us_sat: int

    @classmethod
    def start(cls, to_us_sat: int, capacity_sat: int) -> BalanceBins:
        n = num_bins(capacity_sat)
        return cls(n, min(n - 1, math.floor(to_us_sat / capacity_sat * n)), to_us_sat)

    def update(self, to_us_sat: int, capacity_sat: int, rng: random.Random) -> None:
        if to_us_sat == self.to_us_sat:
            return
        self.to_us_sat = to_us_sat
        actual = to_us_sat / capacity_sat * self.bins
        target = math.floor(actual)
        if target == self.current:
            return
        frac = actual - target
        if target < self.current:
            self.current = target if rng.random() < 1.0 - frac else target + 1
        else:
            self.current = target if rng.random() < frac else target - 1
        self.current = max(0, min(self.bins - 1, self.current))


@dataclass
class PriceGame:
    """One peer's deck of price cards (see the module docstring)."""

    center: int = 0
    deck: list[int] = field(default_factory=list)
    played: list[tuple[int, int]] = field(default_factory=list)  # (price, earnings msat)
    card: int | None = None
    card_since_s: int = 0
    card_earned_msat: int = 0

    def price(self, now_s: int, earned_since_msat: int, rng: random.Random) -> int:
        """The price in play at ``now_s``; ``earned_since_msat``: fees out since the last call."""
        self.card_earned_msat += earned_since_msat
        if self.card is not None and now_s - self.card_since_s < CARD_LIFETIME_S:
            return self.card
        if self.card is not None:
            self.played.append((self.card, self.card_earned_msat))
        if not self.deck:
            if self.played:
                best = max(e for _, e in self.played)
                self.center = rng.choice([p for p, e in self.played if e == best])
            self.played = []
            self.deck = [self.center + d for d in range(-MAX_STEP, MAX_STEP + 1)]
            rng.shuffle(self.deck)
        self.card = self.deck.pop()
        self.card_since_s = now_s
        self.card_earned_msat = 0
        return self.card


@dataclass
class Clboss:
    seed: int = 0
    name: str = "clboss"
    _rng: random.Random = field(init=False)
    _graph: Graph | None = None
    _us: str = ""
    _surveyed_s: int | None = None
    _bins: dict[str, BalanceBins] = field(default_factory=dict)
    _games: dict[str, PriceGame] = field(default_factory=dict)
    _last_s: int | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    async def _survey(self, backend: NodeBackend, now_s: int) -> Graph:
        if self._graph is None or self._surveyed_s is None or now_s - self._surveyed_s >= SURVEY_EVERY_S:
            from lnpilot.graph.ingest import parse_graph_bytes

            if not self._us:
                self._us = (await backend.get_info()).pub_key
            self._graph = parse_graph_bytes(await backend.describe_graph(), now_s).graph
            self._surveyed_s = now_s
        return self._graph

    async def cycle(self, backend: NodeBackend, now_s: int) -> None:
        graph = await self._survey(backend, now_s)
        earned: dict[int, int] = {}
        if self._last_s is not None:
            for f in await backend.forwarding_history(self._last_s, now_s + 1):
                earned[f.chan_id_out] = earned.get(f.chan_id_out, 0) + f.fee_msat
        self._last_s = now_s + 1
        for ch in await backend.list_channels():
            median = competitor_median(graph, ch.remote_pubkey, self._us)
            if median is None or not ch.active:
                continue
            to_us = ch.local_balance_sat
            bins = self._bins.get(ch.channel_point)
            if bins is None:
                bins = self._bins[ch.channel_point] = BalanceBins.start(to_us, ch.capacity_sat)
            else:
                bins.update(to_us, ch.capacity_sat, self._rng)
            game = self._games.setdefault(ch.channel_point, PriceGame())
            price = game.price(now_s, earned.get(ch.chan_id, 0), self._rng)
            mult = balance_multiplier(bins.current, bins.bins) * price_multiplier(price)
            base, ppm = median
            await apply_fee(
                backend,
                ch.channel_point,
                fee_rate_ppm=max(1, round(ppm * mult)),
                base_fee_msat=round(base * mult),
            )
