from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.cli.main import main
from tests.notify.wire_servers import Scripted, WebhookReceiver

SECRET = "cli-webhook-secret-123"


def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str) -> None:
    path = tmp_path / "lnpilot.toml"
    path.write_text(body)
    monkeypatch.setenv("LNPILOT_CONFIG", str(path))


def test_channels_and_test_message_through_a_webhook(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with WebhookReceiver(SECRET) as hook:
        _config(
            monkeypatch, tmp_path, f'[notify]\nwebhook_url = "{hook.url}/x"\nwebhook_secret = "{SECRET}"\n'
        )
        assert main(["notify", "channels"]) == 0
        assert capsys.readouterr().out.split() == ["webhook"]
        assert main(["notify", "test"]) == 0
        assert "webhook: sent" in capsys.readouterr().out
        hook.script.append(Scripted(404))
        assert main(["notify", "test"]) == 1
        captured = capsys.readouterr()
    assert "webhook: failed (webhook: receiver answered HTTP 404)" in captured.out
    assert captured.err.strip().splitlines()[-1] == "error: 1 of 1 channels failed"
    assert [p["event"] for p in hook.verified] == ["test"]


def test_nothing_configured(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "channels"]) == 0
    assert "no notification channel configured" in capsys.readouterr().out
    assert main(["notify", "test"]) == 1
    assert "no notification channel configured" in capsys.readouterr().err


def test_half_configured_channel_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(monkeypatch, tmp_path, '[notify]\ntelegram_bot_token = "1:abcdefgh"\n')
    assert main(["notify", "channels"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: notify: telegram needs both telegram_bot_token and telegram_chat_id"
