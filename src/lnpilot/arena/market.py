"""The one place the arena turns ``--market`` / ``[market]`` into simnet's market model.

A run carries its market as TOML text (``RunSpec.market``), so a spec shipped to a job worker on
another machine needs no file there, and every strategy of a comparison sees the same market.
``--market`` takes a preset name (``default``, ``mainnet-2025``, ``fee-sensitive``, ``sink-heavy``)
or a TOML file with a ``[market]`` table; the arena file's ``[market]`` table is either
``file = "market.toml"`` or the market's parameters inline.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from lnpilot.domain.graph import Graph
from lnpilot.errors import InvalidInputError
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.market.config import PRESETS, MarketConfig, market_from_table


def table_to_toml(table: dict[str, Any]) -> str:
    """A ``[market]`` table (nested tables allowed) back to TOML text."""
    import tomli_w

    try:
        return tomli_w.dumps({"market": table})
    except TypeError as exc:
        raise InvalidInputError(f"[market]: {exc}") from None


def market_source(path_or_preset: str | None) -> str | None:
    """``--market``: a preset name or a market TOML file, as the TOML text a run carries."""
    if path_or_preset is None:
        return None
    if path_or_preset in PRESETS and not Path(path_or_preset).exists():
        return f'[market]\npreset = "{path_or_preset}"\n'
    path = Path(path_or_preset)
    if not path.is_file():
        known = ", ".join(sorted(PRESETS))
        raise InvalidInputError(f"no such market file or preset: {path_or_preset} (presets: {known})")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"market file {path}: {exc}") from None
    market_config(text)  # fail early, with one line, on a file that cannot be used
    return text


def market_config(text: str | None) -> MarketConfig:
    """The market model a run's TOML text describes (the default market when None)."""
    if text is None:
        return MarketConfig()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"market is not valid TOML: {exc}") from None
    table = doc.get("market")
    if not isinstance(table, dict):
        raise InvalidInputError("market file has no [market] table")
    return market_from_table(table)


def market_name(text: str | None) -> str:
    return market_config(text).name


def simulation_with_market(graph: Graph, config: SimConfig, market: str | None) -> Simulation:
    from dataclasses import replace

    return Simulation(graph, replace(config, market=market_config(market)))
