"""The dashboard of a fleet (``[nodes.NAME]``): a node selector in the header, every link, filter,
form and redirect carrying ``?node=``, each page reading that node's own store, a change landing in
that node's store only, an unknown node refused (never shown as another). A single-node dashboard
has no selector and unchanged links."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import httpx
import pytest

from lnpilot.api.app import create_app
from lnpilot.domain.node import LocalChannel
from lnpilot.settings import Settings, load_settings, select_node
from lnpilot.store import Store
from lnpilot.store.records import DecisionRecord
from lnpilot.web.deps import with_node
from lnpilot.web.session import hash_password

NOW = 1_764_000_000
CHAN_A = (800_000 << 40) | (1 << 16) | 1
CHAN_B = (800_000 << 40) | (2 << 16) | 1
PASSWORD = "correct horse battery staple"


async def _seed(settings: Settings, chan_id: int) -> None:
    store = await Store.open(settings)
    try:
        channel = LocalChannel(
            chan_id, f"{chan_id:064x}:1", "02" + "ab" * 32, 1_000_000, 500_000, 490_000, True
        )
        async with store.unit_of_work() as uow:
            await uow.channels.record_open([channel], NOW - 86_400)
            await uow.decisions.add(
                DecisionRecord(NOW - 60, "no_action", "balanced", "shadow", False, chan_id, {}, ["why"], 0.5)
            )
    finally:
        await store.close()


async def _pin(settings: Settings, chan_id: int) -> bool:
    store = await Store.open(settings)
    try:
        async with store.unit_of_work() as uow:
            record = await uow.overrides.channel(chan_id)
        return record is not None and record.pin
    finally:
        await store.close()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


async def _signed_in(client: httpx.AsyncClient) -> None:
    form = await client.get("/ui/login")
    signed = await client.post(
        "/ui/login", data={"secret": PASSWORD, "csrf": _csrf(form.text), "next": "/ui/"}
    )
    assert signed.status_code == 303, signed.text


@pytest.fixture
async def fleet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    config = tmp_path / "lnpilot.toml"
    config.write_text(
        f'[web]\npassword_hash = "{hash_password(PASSWORD)}"\nsession_secret = "{"s" * 32}"\n'
        "[nodes.alpha]\n[nodes.beta]\n"
    )
    monkeypatch.setenv("LNPILOT_CONFIG", str(config))
    settings = load_settings()
    await _seed(select_node(settings, "alpha"), CHAN_A)
    await _seed(select_node(settings, "beta"), CHAN_B)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        await _signed_in(client)
        yield client, settings


def test_with_node_keeps_the_query_and_the_fragment() -> None:
    assert with_node("/ui/transactions#tx3", "alpha") == "/ui/transactions?node=alpha#tx3"
    assert with_node("/ui/decisions?channel=5", "beta") == "/ui/decisions?channel=5&node=beta"
    assert with_node("/ui/channels", "default") == "/ui/channels" == with_node("/ui/channels", None)


async def test_each_page_shows_the_selected_node_and_every_link_keeps_it(
    fleet: tuple[httpx.AsyncClient, Settings],
) -> None:
    client, _ = fleet
    alpha = await client.get("/ui/channels?node=alpha")
    assert alpha.status_code == 200, alpha.text
    html = alpha.text
    assert f'href="/ui/channels/{CHAN_A}?node=alpha"' in html and str(CHAN_B) not in html
    # The selector: every node, the selected one marked, leading to the same list page.
    picker = re.search(
        r'<form method="get" action="([^"]+)" class="inline node-pick">(.*?)</form>', html, re.S
    )
    assert picker is not None and picker.group(1) == "/ui/channels"
    assert re.findall(r'<option value="(\w+)"', picker.group(2)) == ["default", "alpha", "beta"]
    assert '<option value="alpha" selected>' in picker.group(2)
    # Navigation, live refresh, sort links and the filter form keep the node.
    for href in ("/ui/?node=alpha", "/ui/decisions?node=alpha", "/ui/transactions?node=alpha"):
        assert f'href="{href}"' in html, href
    assert 'data-live="/ui/live?node=alpha"' in html
    assert "?sort=alias&amp;desc=true&amp;node=alpha" in html
    assert '<input type="hidden" name="node" value="alpha">' in html
    # Each node reads its own store; the top-level node has neither channel.
    beta = (await client.get("/ui/channels?node=beta")).text
    assert f"/ui/channels/{CHAN_B}?node=beta" in beta and str(CHAN_A) not in beta
    top = (await client.get("/ui/channels")).text
    assert str(CHAN_A) not in top and str(CHAN_B) not in top and 'class="inline node-pick"' in top
    # A detail page: the selector leads to the list (channel A is not beta's), links keep alpha.
    detail = await client.get(f"/ui/channels/{CHAN_A}?node=alpha")
    assert detail.status_code == 200 and 'action="/ui/channels" class="inline node-pick"' in detail.text
    assert f'href="/ui/decisions?channel={CHAN_A}&amp;node=alpha"' in detail.text
    assert f'action="/ui/channels/{CHAN_A}/override?node=alpha"' in detail.text
    assert (await client.get(f"/ui/channels/{CHAN_A}?node=beta")).status_code == 404
    decisions = (await client.get("/ui/decisions?node=beta")).text
    assert (
        f"/ui/channels/{CHAN_B}?node=beta" in decisions
        and 'action="/ui/decisions/1/review?node=beta"' in decisions
    )
    live = await client.get("/ui/live?node=alpha")
    assert live.status_code == 200 and live.json()["stamp"] != (await client.get("/ui/live")).json()["stamp"]


async def test_a_change_lands_in_the_selected_node_only(fleet: tuple[httpx.AsyncClient, Settings]) -> None:
    client, settings = fleet
    page = await client.get(f"/ui/channels/{CHAN_A}?node=alpha")
    path = f"/ui/channels/{CHAN_A}/override?node=alpha"
    confirm = await client.post(path, data={"action": "pin", "csrf": _csrf(page.text)})
    assert confirm.status_code == 200
    assert f'action="{path}"' in confirm.text and f'href="/ui/channels/{CHAN_A}?node=alpha"' in confirm.text
    done = await client.post(path, data={"action": "pin", "csrf": _csrf(page.text), "confirmed": "yes"})
    assert (
        done.status_code == 303 and done.headers["location"] == f"/ui/channels/{CHAN_A}?done=pin&node=alpha"
    )
    assert await _pin(select_node(settings, "alpha"), CHAN_A)
    assert not await _pin(settings, CHAN_A) and not await _pin(select_node(settings, "beta"), CHAN_A)
    # A review from the channel page returns to that page on the same node.
    review = await client.post(
        "/ui/decisions/1/review?node=alpha",
        data={"agree": "yes", "csrf": _csrf(page.text), "back": f"/ui/channels/{CHAN_A}"},
    )
    assert review.status_code == 303
    assert review.headers["location"] == f"/ui/channels/{CHAN_A}?node=alpha&done=review#d1"


async def test_an_unknown_node_is_refused_not_shown_as_another(
    fleet: tuple[httpx.AsyncClient, Settings],
) -> None:
    client, _ = fleet
    for path in ("/ui/channels?node=gamma", "/ui/?node=gamma", "/ui/live?node=gamma"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "No node 'gamma' here; configured nodes: default, alpha, beta." in unescape(answer.text), path
    posted = await client.post(
        f"/ui/channels/{CHAN_A}/override?node=gamma", data={"action": "pin", "csrf": "x"}
    )
    assert posted.status_code == 404 and "Unknown node" in posted.text


async def test_a_single_node_dashboard_has_no_selector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "lnpilot.toml"
    config.write_text(f'[web]\npassword_hash = "{hash_password(PASSWORD)}"\n')
    monkeypatch.setenv("LNPILOT_CONFIG", str(config))
    settings = load_settings()
    await _seed(settings, CHAN_A)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        await _signed_in(client)
        html = (await client.get("/ui/channels")).text
    assert "node-pick" not in html and "node=" not in html
    assert f'href="/ui/channels/{CHAN_A}"' in html and 'data-live="/ui/live"' in html
