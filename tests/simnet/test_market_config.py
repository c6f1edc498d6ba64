"""Market files, presets and the clock's start (issue 15, items 8 and 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.errors import InvalidInputError
from lnpilot.simnet.engine import START_TIME_S, SimConfig, Simulation, block_height_at
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.market.config import PRESETS, MarketConfig, load_market, market_from_table, preset


def test_defaults_and_presets() -> None:
    default = MarketConfig()
    assert default.fee_limits.lnd_percent == 5.0 and default.fee_limits.lnd_full_up_to_sat == 1_000
    assert default.senders.lnd_apriori_hop_probability == 0.6
    assert preset("default") == default
    assert preset("mainnet-2025").demand.payments_per_day == 200_000
    assert {"default", "mainnet-2025", "fee-sensitive", "sink-heavy"} <= set(PRESETS)
    with pytest.raises(InvalidInputError, match="unknown market preset"):
        preset("nope")


def test_load_market_reads_a_preset_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "market.toml"
    path.write_text(
        '[market]\npreset = "sink-heavy"\n[market.demand]\npayments_per_day = 5000\n'
        "[market.gossip]\ndelay_s = 120\n",
        encoding="utf-8",
    )
    market = load_market(path)
    assert market.name == "sink-heavy"
    assert market.demand.payments_per_day == 5_000.0
    assert market.demand.directional_share == PRESETS["sink-heavy"].demand.directional_share
    assert market.gossip.delay_s == 120.0
    assert load_market(Path("fee-sensitive")) == PRESETS["fee-sensitive"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[other]\nx = 1\n", "no \\[market\\] table"),
        ("[market]\nbogus = 1\n", "unknown parameter 'bogus'"),
        ("[market.demand]\npayments_per_day = 'many'\n", "must be a number"),
        ("[market.demand]\nmicro_share = 2.0\n", "within \\[0, 1\\]"),
        ("[market.competitors]\nupdate_interval_h = 1\n", "update_interval_h >= 24"),
        ("[market\n", "not valid TOML"),
    ],
)
def test_bad_market_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        load_market(path)
    with pytest.raises(InvalidInputError, match="not found"):
        load_market(tmp_path / "missing.toml")


def test_market_table_types_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="must be a table"):
        market_from_table({"demand": 3})
    with pytest.raises(InvalidInputError, match="list of numbers"):
        market_from_table({"reference_amounts_sat": "x"})
    with pytest.raises(InvalidInputError, match="true or false"):
        market_from_table({"demand": {"mpp": 1}})
    with pytest.raises(InvalidInputError, match="an integer"):
        market_from_table({"demand": {"max_parts": 1.5}})
    assert market_from_table({"name": "mine"}).name == "mine"


def test_the_start_fixes_the_clock_and_the_same_start_gives_the_same_history() -> None:
    graph = generate_graph(120, seed=4)
    start = START_TIME_S + 400 * 86_400 + 1_234
    market = MarketConfig(demand=MarketConfig().demand.__class__(payments_per_day=4_000))
    a, b = (Simulation(graph, SimConfig(seed=4, channels=4, start_time_s=start, market=market)) for _ in "ab")
    assert a.now_s == start and a.block_height == block_height_at(start) > 877_000
    for sim in (a, b):
        sim.advance(86_400)
    assert a.forwards and a.forwards == b.forwards
    assert all(f.timestamp_ns >= start * 10**9 for f in a.forwards)
    other = Simulation(graph, SimConfig(seed=4, channels=4, market=market))
    other.advance(86_400)
    assert [f.fee_msat for f in other.forwards] != [f.fee_msat for f in a.forwards]


def test_parse_start() -> None:
    from lnpilot.simnet.market.config import parse_start

    assert parse_start("1735689600") == START_TIME_S
    assert parse_start("2025-01-01T00:00:00Z") == START_TIME_S
    assert parse_start("2025-01-01") == START_TIME_S
    assert parse_start("2025-01-01T01:00:00+01:00") == START_TIME_S
    with pytest.raises(InvalidInputError, match="neither Unix seconds"):
        parse_start("yesterday")


def test_serve_starts_at_the_wall_clock_unless_start_is_given(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    import uvicorn

    from lnpilot.cli.main import main

    sims: list[object] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: sims.append(self.config))
    import lnpilot.simnet.testing as testing

    built: list[Simulation] = []
    real = testing.make_simulation
    monkeypatch.setattr(testing, "make_simulation", lambda **kw: built.append(real(**kw)) or built[-1])
    base = [
        "simnet",
        "serve",
        "--lnddir",
        str(tmp_path / "lnd"),
        "--nodes",
        "40",
        "--channels",
        "2",
        "--port",
        "0",
    ]
    before = int(time.time())
    assert main(base) == 0
    assert before <= built[-1].start_s <= int(time.time())
    assert main([*base, "--start", "2025-01-01T00:00:00Z", "--market", "sink-heavy"]) == 0
    assert built[-1].start_s == START_TIME_S and built[-1].market.name == "sink-heavy"
    assert main([*base, "--market", str(tmp_path / "missing.toml")]) != 0
