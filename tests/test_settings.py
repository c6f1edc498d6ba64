from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.errors import ConfigError
from lnpilot.settings import load_settings, redacted_dump, semantic_problems


def test_defaults_run_with_no_setup(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.backend == "simnet"
    assert settings.database_url_effective.startswith("sqlite+aiosqlite:///")
    assert settings.database_url_effective.endswith("lnpilot.db")
    assert settings.redis_url is None
    assert settings.limits.fee_rate_max_ppm == 10_000
    assert semantic_problems(settings) == []


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LNPILOT_BACKEND", "lnbits")
    monkeypatch.setenv("LNBITS_URL", "http://127.0.0.1:5000")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:pw@127.0.0.1/test")
    settings = load_settings()
    assert settings.backend == "lnbits"
    assert str(settings.lnbits_url).startswith("http://127.0.0.1:5000")
    assert settings.database_url_effective == "postgresql+asyncpg://u:pw@127.0.0.1/test"


def test_toml_sections_and_env_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "lnpilot.toml"
    config.write_text(
        'backend = "lnd"\nprofile = "mine"\n'
        "[limits]\nfee_rate_max_ppm = 300\n"
        '[profiles.mine]\nbase = "conservative"\n'
        '[channels."800000x1x0"]\npin = true\n'
        '[blacklist]\npeers = ["02' + "a" * 64 + '"]\n'
    )
    monkeypatch.setenv("LNPILOT_CONFIG", str(config))
    monkeypatch.setenv("LNPILOT_BACKEND", "simnet")
    settings = load_settings()
    assert settings.backend == "simnet"  # env beats file
    assert settings.limits.fee_rate_max_ppm == 300
    assert settings.channels["800000x1x0"].pin is True
    assert settings.profile == "mine"
    assert semantic_problems(settings) == []


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"LNPILOT_BACKEND": "cln"}, "LNPILOT_BACKEND"),
        ({"LND_REST_URL": "not a url"}, "LND_REST_URL"),
        ({"LNPILOT_LOG_FORMAT": "xml"}, "LNPILOT_LOG_FORMAT"),
    ],
)
def test_bad_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], needle: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=needle):
        load_settings()


def test_bad_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[limits]\nfee_rate_min_ppm = 500\nfee_rate_max_ppm = 100\n")
    monkeypatch.setenv("LNPILOT_CONFIG", str(config))
    with pytest.raises(ConfigError, match="fee_rate_min_ppm must not exceed"):
        load_settings()
    config.write_text("[limits\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()
    config.write_text("[limits]\nno_such_limit = 1\n")
    with pytest.raises(ConfigError, match="no_such_limit"):
        load_settings()


def test_semantic_problems_for_lnd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    monkeypatch.setenv("LND_MACAROON_PATH", str(tmp_path / "missing.macaroon"))
    problems = semantic_problems(load_settings())
    assert any(p.startswith("LND_REST_URL") for p in problems)
    assert any(p.startswith("LND_MACAROON_PATH: no such file") for p in problems)
    monkeypatch.setenv("LNPILOT_BACKEND", "lnbits")
    monkeypatch.setenv("LNPILOT_PROFILE", "reckless")
    problems = semantic_problems(load_settings())
    assert any("LNBITS_URL" in p for p in problems)
    assert any("unknown profile 'reckless'" in p for p in problems)


def test_redacted_dump_hides_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "LND_MACAROON_HEX": "0201036c6e6402f801030a10" + "ab" * 40,
        "LNBITS_API_KEY": "lnbits-key-1234567890",
        "LNBITS_PASSWORD": "hunter2hunter2",
        "MACAROON_ENCRYPTION_KEY": "enc-key-abcdefghijkl",
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://lnpilot:dbpassword99@127.0.0.1:5432/test")
    text = repr(redacted_dump(load_settings()))
    for value in [*secrets.values(), "dbpassword99"]:
        assert value not in text
    assert "127.0.0.1:5432" in text
