"""`lnpilot demo` ends by saying how to open the dashboard on its data, and the commands work."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from lnpilot.api.app import create_app
from lnpilot.cli.main import main
from lnpilot.settings import load_settings


def test_the_demo_line_opens_the_dashboard_on_the_demo_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "demo"
    args = ["demo", "--days", "0.5", "--nodes", "60", "--channels", "3", "--data-dir", str(data_dir)]
    assert main(args) == 0
    out = capsys.readouterr().out
    hint = next(line for line in out.splitlines() if line.startswith("dashboard:"))
    url = re.search(r"DATABASE_URL=(\S+)", hint)
    assert url is not None and "/ui/" in hint and "lnpilot serve" in hint
    monkeypatch.setenv("DATABASE_URL", url.group(1))
    monkeypatch.setenv("LNPILOT_DATA_DIR", str(tmp_path / "serve"))
    assert main(["apikey", "create", "--scope", "admin", "--name", "demo", "--json"]) == 0
    key = re.search(r'"key":\s*"([^"]+)"', capsys.readouterr().out)
    assert key is not None
    channels = asyncio.run(_channels_page(key.group(1)))
    assert channels.status_code == 200 and channels.text.count('href="/ui/channels/') == 3


async def _channels_page(key: str) -> httpx.Response:
    app = create_app(load_settings())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        form = await client.get("/ui/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        signed = await client.post("/ui/login", data={"secret": key, "csrf": csrf.group(1)})
        assert signed.status_code == 303
        return await client.get("/ui/channels")
