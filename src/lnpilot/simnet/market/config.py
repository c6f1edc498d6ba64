"""The market simnet simulates around our node: every parameter, its default and where it comes from.

One frozen ``MarketConfig`` holds the demand (who pays whom, how much, when), the senders'
route-choice cost functions, the competitors' liquidity and fee rules, and gossip. A TOML file
with a ``[market]`` table (``load_market``) or a named preset (``preset``) builds one; every field
has a default, so ``MarketConfig()`` is the default market. docs/simnet.md lists each parameter
with the measurement, code or paper behind its default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from lnpilot.errors import InvalidInputError

SENDER_KINDS = ("lnd_apriori", "lnd_learned", "ldk", "cln_eclair")
COMPETITOR_RULES = ("static", "proportional", "autofees", "median")


@dataclass(frozen=True, slots=True)
class DemandConfig:
    payments_per_day: float = 20_000.0  # simnet's historical default; mainnet-2025 preset: 200,000
    median_amount_sat: float = 20_000.0  # log-normal body of the size mix
    amount_sigma: float = 1.6  # heavy right tail (p90 ~ 156k sat)
    micro_share: float = 0.25  # zaps, streaming sats: a separate log-normal around micro_median_sat
    micro_median_sat: float = 100.0
    max_amount_sat: float = 5_000_000.0  # larger invoices are rare on routing nodes' logs
    daily_amplitude: float = 0.3  # rate(t) = mean x (1 + A cos(2 pi (h - peak) / 24))
    peak_hour_utc: float = 15.0  # Europe afternoon / US morning
    directional_share: float = 0.4  # payments from sources (wallets/LSPs) to sinks (merchants/exchanges)
    source_share: float = 0.1  # share of nodes acting as sources (leaves behind LSPs)
    sink_share: float = 0.03  # share of nodes acting as sinks (the biggest receivers)
    sender_sample: int = 128  # weighted draws of the sender population (Monte Carlo stand-in)
    mpp: bool = True  # split when no single path carries the amount (LND: max 16 parts)
    max_parts: int = 16  # LND routerrpc default max_parts
    min_part_sat: float = 10_000.0  # smallest shard LND-like splitting goes down to
    # What a payer is willing to pay in routing fees, per payment, below its implementation's
    # fee limit: budget_base_sat + amount x budget_ppm, budget_ppm log-normal around
    # budget_median_ppm (docs/simnet.md, "Payer budgets"). A payment no route fits is abandoned
    # (the payer's outside option: on-chain, another service, later). 0 disables the budget.
    budget_median_ppm: float = 2_500.0
    budget_sigma: float = 0.8
    budget_base_sat: float = 4.0  # Phoenix's 4 sat, CLN's 5 sat exemptfee


@dataclass(frozen=True, slots=True)
class SenderMix:
    """Shares of payers by implementation and their cost functions' parameters."""

    lnd_apriori: float = 0.55
    lnd_learned: float = 0.15
    ldk: float = 0.15
    cln_eclair: float = 0.15
    # LND routing/config.go defaults: attempt cost 100 sat + 1,000 ppm, a-priori hop probability
    # 0.6, risk factor 15 per billion per block; learned pairs reach ~0.95 after a success.
    lnd_attempt_cost_msat: float = 100_000.0
    lnd_attempt_cost_ppm: float = 1_000.0
    lnd_apriori_hop_probability: float = 0.6
    lnd_learned_hop_probability: float = 0.95
    lnd_learned_memory_s: float = 3_600.0 * 24  # how long a success keeps a pair "learned"
    lnd_risk_factor: float = 15e-9
    # LDK ProbabilisticScoringFeeParameters::default()
    ldk_base_penalty_msat: float = 500.0
    ldk_base_penalty_amount_multiplier_msat: float = 8_192.0  # per 2^30 msat
    ldk_liquidity_penalty_multiplier_msat: float = 40_000.0  # 30,000 live + 10,000 historical
    ldk_liquidity_penalty_amount_multiplier_msat: float = 256.0  # 192 + 64, per 2^20 msat
    # CLN pay: riskfactor 10 (% a year, per block over 52,596 blocks); Eclair hop-cost 500 msat + 200 ppm
    cln_risk_factor: float = 10.0 / 5_259_600.0
    cln_hop_cost_msat: float = 500.0
    cln_hop_cost_ppm: float = 200.0


@dataclass(frozen=True, slots=True)
class FeeLimits:
    # LND lnwallet/parameters.go: 100 % up to 1,000 sat, 5 % above (DefaultRoutingFeeLimitForAmount)
    lnd_full_up_to_sat: float = 1_000.0
    lnd_percent: float = 5.0
    # LDK RouteParameters::from_payment_params_and_value: 1 % + 50 sat
    ldk_percent: float = 1.0
    ldk_base_sat: float = 50.0
    # CLN pay: maxfeepercent 0.5, exemptfee 5 sat
    cln_percent: float = 0.5
    cln_exempt_sat: float = 5.0


@dataclass(frozen=True, slots=True)
class LiquidityConfig:
    enabled: bool = True
    # LND's bimodal estimator default scale (routing/probability_bimodal.go, 300k sat): most
    # channels sit near one end; uniform_share of channels are drawn uniformly instead.
    bimodal_scale_sat: float = 300_000.0
    uniform_share: float = 0.2
    # Owners refill depleted channels (rebalancing, opposite traffic): exponential recovery.
    recovery_half_life_h: float = 48.0
    max_attempts: int = 10  # attempts per payment (all its parts) before the sender gives up


@dataclass(frozen=True, slots=True)
class CompetitorConfig:
    reactive_share: float = 0.3  # of the nodes adjacent to our peers
    update_interval_h: float = 24.0  # at most daily (LNDg AutoFees' 24 h, charge-lnd cron habits)
    static: float = 0.4
    proportional: float = 0.2
    autofees: float = 0.2
    median: float = 0.2
    min_ppm: float = 1.0
    max_ppm: float = 2_500.0


@dataclass(frozen=True, slots=True)
class GossipConfig:
    delay_s: float = 600.0  # our channel_update reaching payers (minutes on mainnet)
    # LND's gossiper keeps at most one update per channel per minute, bursts of 10
    # (discovery: --gossip.channel-update-interval=1m, --gossip.max-channel-update-burst=10).
    min_interval_s: float = 60.0
    burst: int = 10


@dataclass(frozen=True, slots=True)
class MarketConfig:
    name: str = "default"
    demand: DemandConfig = field(default_factory=DemandConfig)
    senders: SenderMix = field(default_factory=SenderMix)
    fee_limits: FeeLimits = field(default_factory=FeeLimits)
    liquidity: LiquidityConfig = field(default_factory=LiquidityConfig)
    competitors: CompetitorConfig = field(default_factory=CompetitorConfig)
    gossip: GossipConfig = field(default_factory=GossipConfig)
    # Amounts at which candidate routes are searched (sat), ~2.2x apart; every candidate is then
    # priced exactly at the payment's own amount.
    reference_amounts_sat: tuple[float, ...] = (
        500.0,
        2_000.0,
        6_000.0,
        15_000.0,
        40_000.0,
        100_000.0,
        250_000.0,
        700_000.0,
        2_000_000.0,
        5_000_000.0,
    )

    def __post_init__(self) -> None:
        _validate(self)

    def sender_shares(self) -> tuple[float, ...]:
        s = self.senders
        return (s.lnd_apriori, s.lnd_learned, s.ldk, s.cln_eclair)

    def rule_shares(self) -> tuple[float, ...]:
        c = self.competitors
        return (c.static, c.proportional, c.autofees, c.median)


def _validate(cfg: MarketConfig) -> None:
    d = cfg.demand
    if d.payments_per_day < 0 or d.median_amount_sat <= 0 or d.amount_sigma < 0:
        raise InvalidInputError(
            "market.demand: payments_per_day >= 0, median_amount_sat > 0, amount_sigma >= 0"
        )
    for name in ("micro_share", "directional_share", "source_share", "sink_share", "daily_amplitude"):
        if not 0.0 <= getattr(d, name) <= 1.0:
            raise InvalidInputError(f"market.demand.{name} must be within [0, 1]")
    if d.budget_median_ppm < 0 or d.budget_sigma < 0 or d.budget_base_sat < 0:
        raise InvalidInputError("market.demand: budget_median_ppm, budget_sigma, budget_base_sat >= 0")
    if d.sender_sample < 1 or d.max_parts < 1:
        raise InvalidInputError("market.demand: sender_sample and max_parts must be >= 1")
    if min(cfg.sender_shares()) < 0 or sum(cfg.sender_shares()) <= 0:
        raise InvalidInputError("market.senders: shares must be >= 0 and not all zero")
    if min(cfg.rule_shares()) < 0 or sum(cfg.rule_shares()) <= 0:
        raise InvalidInputError("market.competitors: rule shares must be >= 0 and not all zero")
    for p in (cfg.senders.lnd_apriori_hop_probability, cfg.senders.lnd_learned_hop_probability):
        if not 0.0 < p <= 1.0:
            raise InvalidInputError("market.senders: hop probabilities must be within (0, 1]")
    if not 0.0 <= cfg.competitors.reactive_share <= 1.0 or cfg.competitors.update_interval_h < 24.0:
        raise InvalidInputError("market.competitors: reactive_share in [0, 1], update_interval_h >= 24")
    if cfg.gossip.delay_s < 0 or cfg.gossip.min_interval_s < 0 or cfg.gossip.burst < 1:
        raise InvalidInputError("market.gossip: delay_s and min_interval_s >= 0, burst >= 1")
    if cfg.liquidity.max_attempts < 1 or cfg.liquidity.recovery_half_life_h <= 0:
        raise InvalidInputError("market.liquidity: max_attempts >= 1, recovery_half_life_h > 0")
    refs = cfg.reference_amounts_sat
    if not refs or any(b <= a for a, b in pairwise(refs)) or refs[0] <= 0:
        raise InvalidInputError("market.reference_amounts_sat must be positive and increasing")


PRESETS: dict[str, MarketConfig] = {
    "default": MarketConfig(),
    # ~200k payments a day on a ~12k-node graph: more micro-payments, more LDK/mobile wallets.
    "mainnet-2025": MarketConfig(
        name="mainnet-2025",
        demand=DemandConfig(payments_per_day=200_000.0, micro_share=0.4, sender_sample=256),
        senders=SenderMix(lnd_apriori=0.45, lnd_learned=0.2, ldk=0.2, cln_eclair=0.15),
    ),
    # Payers that weigh fees heavily: CLN/Eclair-like and LDK senders dominate.
    "fee-sensitive": MarketConfig(
        name="fee-sensitive",
        senders=SenderMix(lnd_apriori=0.2, lnd_learned=0.1, ldk=0.3, cln_eclair=0.4),
        competitors=CompetitorConfig(reactive_share=0.6),
    ),
    # Most payments flow from wallets to a few merchants and exchanges: channels deplete fast.
    "sink-heavy": MarketConfig(
        name="sink-heavy",
        demand=DemandConfig(directional_share=0.8, sink_share=0.01),
        liquidity=LiquidityConfig(recovery_half_life_h=96.0),
    ),
}


def preset(name: str) -> MarketConfig:
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise InvalidInputError(f"unknown market preset {name!r} (known: {known})") from None


def _build(cls: type[Any], base: Any, table: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise InvalidInputError(f"{where}: unknown parameter {key!r}")
        current = getattr(base, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise InvalidInputError(f"{where}.{key} must be a table")
            changes[key] = _build(type(current), current, value, f"{where}.{key}")
        elif isinstance(current, tuple):
            if not isinstance(value, list) or not all(isinstance(v, int | float) for v in value):
                raise InvalidInputError(f"{where}.{key} must be a list of numbers")
            changes[key] = tuple(float(v) for v in value)
        elif isinstance(current, bool):
            if not isinstance(value, bool):
                raise InvalidInputError(f"{where}.{key} must be true or false")
            changes[key] = value
        elif isinstance(current, int):
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidInputError(f"{where}.{key} must be an integer")
            changes[key] = value
        elif isinstance(current, float):
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise InvalidInputError(f"{where}.{key} must be a number")
            changes[key] = float(value)
        else:
            if not isinstance(value, str):
                raise InvalidInputError(f"{where}.{key} must be a string")
            changes[key] = value
    return replace(base, **changes)


def market_from_table(table: dict[str, Any]) -> MarketConfig:
    """A ``[market]`` table: ``preset = "name"`` picks the base, every other key overrides it."""
    table = dict(table)
    base_name = table.pop("preset", "default")
    if not isinstance(base_name, str):
        raise InvalidInputError("market.preset must be a string")
    base = preset(base_name)
    table.setdefault("name", base.name if base_name == "default" or "name" in table else base_name)
    result: MarketConfig = _build(MarketConfig, base, table, "market")
    return result


def load_market(path: Path) -> MarketConfig:
    """Read the ``[market]`` table of a TOML file (a preset name is also accepted as ``path``)."""
    if not Path(path).exists() and str(path) in PRESETS:
        return PRESETS[str(path)]
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"market file {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"market file {path} is not valid TOML: {exc}") from None
    table = data.get("market")
    if not isinstance(table, dict):
        raise InvalidInputError(f"market file {path} has no [market] table")
    return market_from_table(table)


def parse_start(text: str) -> int:
    """``--start``: Unix seconds or an ISO 8601 time (UTC unless it carries an offset)."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"--start {text!r} is neither Unix seconds nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
