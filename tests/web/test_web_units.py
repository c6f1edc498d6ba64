"""The dashboard's pure parts: password hashes, signed sessions, SVG charts, override merging."""

from __future__ import annotations

import pytest

from lnpilot.cli.main import main
from lnpilot.execution.overrides import merge_one, merged
from lnpilot.settings import ChannelOverride
from lnpilot.store.records import ChannelOverrideRecord
from lnpilot.web.charts import Series, bar_chart, line_chart
from lnpilot.web.session import SessionSigner, csrf_ok, hash_password, verify_password


def test_password_hash_round_trip_and_malformed_hashes() -> None:
    stored = hash_password("a long passphrase")
    assert stored.startswith("scrypt$") and "a long passphrase" not in stored
    assert verify_password("a long passphrase", stored)
    assert not verify_password("a long passphrasE", stored)
    for bad in ("", "md5$1$2$3$4$5", "scrypt$x$8$1$aa$bb", "scrypt$16384$8$1$!!$??"):
        assert not verify_password("a long passphrase", bad)
    with pytest.raises(ValueError, match="empty"):
        hash_password("")


def test_sessions_are_signed_expire_and_hide_their_key() -> None:
    signer = SessionSigner(b"k" * 32)
    session = signer.new_session("ops", "admin", now=1_000, lifetime_s=60, key_id=3)
    cookie = signer.dump(session)
    assert signer.load(cookie, 1_059) == session and session.admin
    assert signer.load(cookie, 1_060) is None  # expired
    assert SessionSigner(b"x" * 32).load(cookie, 1_000) is None  # another key
    body, mac = cookie.rsplit(".", 1)
    assert signer.load(body[:-1] + ("A" if body[-1] != "A" else "B") + "." + mac, 1_000) is None
    for junk in (None, "", "nodot", "!!!.???", f"{body}."):
        assert signer.load(junk, 1_000) is None
    assert "k" * 8 not in repr(signer)
    with pytest.raises(ValueError, match="16 bytes"):
        SessionSigner(b"short")
    assert csrf_ok(session.csrf, session.csrf) and not csrf_ok(session.csrf, None)
    assert not csrf_ok(session.csrf, session.csrf + "x")
    assert signer.token("login", "a") != signer.token("login", "b")


def test_charts_draw_series_and_say_when_empty() -> None:
    empty = line_chart("Fee", [Series("out", [])], 0, 100)
    assert "no data" in empty and "<svg" not in empty
    svg = line_chart(
        "Fee <b>", [Series("out", [(0, 10.0), (50, 20.0)], step=True), Series("in", [(10, -5.0)])], 0, 100
    )
    assert svg.count("<polyline") == 2 and "Fee &lt;b&gt;" in svg and "latest: out 20, in -5" in svg
    flat = line_chart("Flat", [Series("x", [(0, 3.0), (100, 3.0)])], 0, 100, y_min=0)
    assert "<polyline" in flat
    bars = bar_chart("Revenue", [("2025-01-01", 1500.0), ("2025-01-02", 0.0)], " sat")
    assert bars.count("<rect") == 2 and "total 1500 sat" in bars
    assert "no data" in bar_chart("Revenue", [])


def test_stored_overrides_merge_with_the_settings_the_stricter_wins() -> None:
    toml = ChannelOverride(fee_rate_min_ppm=5, fee_rate_max_ppm=900)
    stored = ChannelOverrideRecord(chan_id=42, pin=True, fee_rate_min_ppm=10, fee_rate_max_ppm=2_000)
    both = merge_one(toml, stored)
    assert both == ChannelOverride(pin=True, exclude=False, fee_rate_min_ppm=10, fee_rate_max_ppm=900)
    assert merge_one(toml, None) is toml
    assert merge_one(None, ChannelOverrideRecord(chan_id=1, exclude=True)) == ChannelOverride(exclude=True)
    scid = "0x0x42"  # the settings may name the channel by short channel id
    out = merged({scid: toml, "7": ChannelOverride(pin=True)}, [stored])
    assert scid not in out and out["42"] == both and out["7"].pin


def test_hash_password_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "hash-password", "--password", "twelve chars!"]) == 0
    printed = capsys.readouterr().out.strip()
    assert verify_password("twelve chars!", printed)
    assert main(["web", "hash-password", "--password", "short"]) == 1
