"""Arena settings from a TOML file (``--config``) and the command line, merged into one spec.

```toml
[arena]
strategies = ["static-lnd", "clboss", "lnpilot-balanced"]
seeds = [1, 2, 3]          # or a count: seeds = 3 -> 1, 2, 3
days = 30
cycle_hours = 6
channels = 8
graph = "graphs/cln_listchannels_2021-04-16.json.gz"   # or nodes = 300 (generated)
start_fees = "lnd"         # or "market"
jobs = 2

[market]
file = "market.toml"       # a market TOML file or a preset name; or the parameters inline:
# preset = "fee-sensitive"
# demand = { payments_per_day = 50000 }
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lnpilot.arena.market import market_config, market_source, table_to_toml
from lnpilot.errors import InvalidInputError

_ARENA_KEYS = {
    "strategies", "seeds", "days", "cycle_hours", "channels", "graph", "nodes",
    "start_fees", "jobs", "payments_per_day", "sweep_fees",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ArenaFile:
    arena: dict[str, Any]
    market: str | None  # the market's TOML text (``arena.market.market_source``)


def parse_seeds(text: str | int | list[int]) -> tuple[int, ...]:
    """``3`` -> (1, 2, 3); ``"4,7"`` or ``[4, 7]`` -> (4, 7)."""
    if isinstance(text, list):
        values = text
    elif isinstance(text, int):
        values = list(range(1, text + 1)) if text > 0 else []
    else:
        parts = [p.strip() for p in str(text).split(",") if p.strip()]
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            raise InvalidInputError(
                f"seeds must be a count or a comma-separated list, got {text!r}"
            ) from None
        values = list(range(1, numbers[0] + 1)) if len(numbers) == 1 and "," not in str(text) else numbers
    if not values or any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in values):
        raise InvalidInputError(f"seeds must be non-negative integers, got {text!r}")
    return tuple(values)


def parse_list(text: str | list[str]) -> tuple[str, ...]:
    items = text if isinstance(text, list) else [p.strip() for p in text.split(",")]
    return tuple(str(i) for i in items if str(i))


def parse_fees(text: str | list[int]) -> tuple[int, ...]:
    """Fee rates for a sweep: ``"0,500,1000"`` or ``[0, 500, 1000]``, each 0..100,000 ppm."""
    items = text if isinstance(text, list) else [p.strip() for p in text.split(",") if p.strip()]
    try:
        fees = tuple(sorted({int(i) for i in items}))
    except (TypeError, ValueError):
        raise InvalidInputError(f"sweep fees must be integers (ppm), got {text!r}") from None
    if not fees or fees[0] < 0 or fees[-1] > 100_000:
        raise InvalidInputError(f"sweep fees must be 0..100000 ppm, got {text!r}")
    return fees


def load_arena_file(path: Path) -> ArenaFile:
    try:
        doc = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidInputError(f"no such arena file: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInputError(f"arena file {path}: {exc}") from None
    unknown_sections = set(doc) - {"arena", "market"}
    if unknown_sections:
        raise InvalidInputError(f"arena file {path}: unknown sections {sorted(unknown_sections)}")
    arena = doc.get("arena", {})
    unknown = set(arena) - _ARENA_KEYS
    if unknown:
        raise InvalidInputError(f"arena file {path}: unknown keys in [arena]: {sorted(unknown)}")
    market = doc.get("market", {})
    market_file = market.get("file")
    if market_file is not None:
        if len(market) != 1:
            raise InvalidInputError(
                f'arena file {path}: [market] takes either file = "market.toml" or inline parameters'
            )
        candidate = path.parent / str(market_file)
        market_file = str(candidate.resolve()) if candidate.exists() else str(market_file)
        market_text = market_source(market_file)
    elif market:
        market_text = table_to_toml(market)
        market_config(market_text)  # fail early on an unknown parameter
    else:
        market_text = None
    if "graph" in arena:
        arena["graph"] = str((path.parent / str(arena["graph"])).resolve())
    return ArenaFile(arena, market_text)
