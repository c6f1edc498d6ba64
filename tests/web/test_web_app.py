"""The dashboard through the app in process (ASGI): sign-in, sessions, CSRF, roles, bad input.

A small store made through the repositories; the browser tests cover the pages on a daemon's data.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from lnpilot.api.app import create_app
from lnpilot.api.ratelimit import MemoryRateLimiter
from lnpilot.api.services import ApiServices
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import ForwardingEvent, LocalChannel
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import load_settings
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache
from lnpilot.store.records import DecisionRecord, TransactionItem, TransactionRecord, TxStatus
from lnpilot.store.score_cache import ScoreCache
from lnpilot.web.session import COOKIE, hash_password

NOW = 1_764_000_000
CHAN = (800_000 << 40) | (5 << 16) | 1
PEER = "02" + "ab" * 32
PASSWORD = "correct horse battery staple"


@dataclass
class Web:
    client: httpx.AsyncClient
    services: ApiServices
    admin: str
    read: str


async def _seed(store: Store) -> tuple[str, str]:
    policy = RoutingPolicy(1000, 100, 80, 1000, 990_000_000)
    chan = LocalChannel(CHAN, "aa" * 32 + ":1", PEER, 1_000_000, 400_000, 590_000, True, False, True, 50, 60)
    async with store.unit_of_work() as uow:
        await uow.channels.record_open([chan], NOW - 86_400)
        await uow.channels.add_snapshots([chan], NOW - 3_600)
        await uow.policies.add(CHAN, PolicyChange(NOW - 7_200, None, policy, "initial"))
        await uow.forwards.add_many(
            [ForwardingEvent((NOW - 600) * 10**9, 1, CHAN, 1_001_000, 1_000_000, 1_000)]
        )
        for k, kind in enumerate(("increase_fees", "no_action", "rebalance")):
            await uow.decisions.add(
                DecisionRecord(
                    NOW - 100 + k,
                    kind,
                    "balanced",
                    "shadow",
                    kind == "increase_fees",
                    CHAN,
                    {"source": "daemon", "verdict": {"approved": kind != "rebalance", "violations": []}},
                    [f"{kind}: reason one", "refill 10 sat from elsewhere"],
                    0.8,
                )
            )
        tx = await uow.transactions.create(
            TransactionRecord(
                NOW - 50,
                NOW - 50,
                "live",
                TxStatus.PENDING,
                (TransactionItem(CHAN, chan.channel_point, {"fee_rate_ppm": 150}, {"fee_rate_ppm": 100}),),
            )
        )
        await uow.transactions.transition(tx, TxStatus.IN_FLIGHT, NOW - 50)
        await uow.transactions.transition(tx, TxStatus.APPLIED, NOW - 49)
        _, admin = await uow.api_keys.create("ops", "admin", NOW)
        _, read = await uow.api_keys.create("viewer", "read", NOW)
    return admin, read


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    settings = load_settings(
        data_dir=tmp_path,
        web={"password_hash": hash_password(PASSWORD), "session_secret": "s" * 32},
        channels={str(CHAN): {"fee_rate_max_ppm": 900}},
    )
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'web.db'}")
    services = ApiServices(
        settings=settings,
        store=store,
        scores=ScoreCache(MemoryCache()),
        limiter=MemoryRateLimiter(1_000),
        metrics=Metrics(),
        clock=lambda: float(NOW),
    )
    admin, read = await _seed(store)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, services)), base_url="http://t"
    )
    yield Web(client, services, admin, read)
    await client.aclose()
    await services.aclose()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


async def sign_in(web: Web, secret: str, next_url: str = "/ui/") -> httpx.Response:
    form = await web.client.get("/ui/login")
    return await web.client.post(
        "/ui/login", data={"secret": secret, "csrf": _csrf(form.text), "next": next_url}
    )


async def test_pages_need_a_session_and_the_cookie_is_strict(web: Web) -> None:
    first = await web.client.get("/ui/channels?sort=fee")
    assert first.status_code == 303 and first.headers["location"].startswith(
        "/ui/login?next=%2Fui%2Fchannels"
    )
    assert (await web.client.get("/ui/live")).status_code == 401
    signed = await sign_in(web, web.admin, "/ui/channels")
    assert signed.status_code == 303 and signed.headers["location"] == "/ui/channels"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = await web.client.get("/ui/channels")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert f"/ui/channels/{CHAN}" in page.text and "rebalance" in page.text  # the newest decision


async def test_bad_sign_ins_are_refused(web: Web) -> None:
    form = await web.client.get("/ui/login")
    wrong = await web.client.post("/ui/login", data={"secret": "nope", "csrf": _csrf(form.text)})
    assert wrong.status_code == 401 and "Unknown key" in wrong.text
    no_token = await web.client.post("/ui/login", data={"secret": web.admin, "csrf": "forged"})
    assert no_token.status_code == 400
    offsite = await sign_in(web, web.admin, "https://evil.example/")
    assert offsite.headers["location"] == "/ui/"  # never an open redirect


async def test_password_sign_in_is_admin_and_sign_out_ends_it(web: Web) -> None:
    assert (await sign_in(web, PASSWORD)).status_code == 303
    page = await web.client.get("/ui/")
    assert "password (admin)" in page.text
    out = await web.client.post("/ui/logout", data={"csrf": _csrf(page.text)})
    assert out.status_code == 303 and COOKIE in out.headers.get("set-cookie", "")
    web.client.cookies.delete(COOKIE)
    assert (await web.client.get("/ui/")).status_code == 303


async def test_a_tampered_cookie_or_a_revoked_key_ends_the_session(web: Web) -> None:
    await sign_in(web, web.admin)
    value = web.client.cookies[COOKIE]
    web.client.cookies.set(COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert (await web.client.get("/ui/")).status_code == 303
    web.client.cookies.set(COOKIE, value)
    assert (await web.client.get("/ui/")).status_code == 200
    async with web.services.store.unit_of_work() as uow:
        key = next(k for k in await uow.api_keys.all() if k.name == "ops")
        await uow.api_keys.revoke(key.id, NOW)
    assert (await web.client.get("/ui/")).status_code == 303


async def test_every_page_renders(web: Web) -> None:
    await sign_in(web, web.admin)
    for path in (
        "/ui/",
        "/ui/channels?q=ab&sort=alias&desc=false",
        f"/ui/channels/{CHAN}",
        "/ui/decisions?type=rebalance&verdict=rejected",
        "/ui/decisions?channel=800000x5x1",
        "/ui/transactions?status=applied",
        "/ui/rebalances",
        "/ui/suggestions",
        "/ui/graph?q=x",
        "/ui/live",
    ):
        answer = await web.client.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
    # One node served: ?node= names it or nothing (tests/web/test_web_fleet.py has the fleet).
    assert (await web.client.get("/ui/channels?node=default")).status_code == 200
    elsewhere = await web.client.get("/ui/channels?node=elsewhere")
    assert elsewhere.status_code == 404 and "configured nodes: default." in elsewhere.text
    rebalances = (await web.client.get("/ui/rebalances")).text
    assert "refill 10 sat" in rebalances and "approved" not in rebalances.split("why-h")[0]
    overview = (await web.client.get("/ui/")).text
    assert "not_configured" in overview and "unknown" in overview  # no node; no chain sync ran
    channel = (await web.client.get(f"/ui/channels/{CHAN}")).text
    assert "900 ppm" in channel and "settings file also has an override" in channel
    # the decision log's filters: by type, by the validator's verdict
    only = (await web.client.get("/ui/decisions?type=rebalance")).text
    assert "rebalance: reason one" in only and "increase_fees: reason one" not in only
    rejected = (await web.client.get("/ui/decisions?verdict=rejected")).text
    assert "rebalance: reason one" in rejected and "no_action: reason one" not in rejected
    executing = (await web.client.get("/ui/decisions?verdict=would_execute")).text
    assert "increase_fees: reason one" in executing and "rebalance: reason one" not in executing
    # the overview's alerts: a failed transaction of the last day
    assert "failed transaction" not in overview
    async with web.services.store.unit_of_work() as uow:
        item = TransactionItem(CHAN, "aa" * 32 + ":1", {"fee_rate_ppm": 150}, {"fee_rate_ppm": 100})
        await uow.transactions.create(TransactionRecord(NOW - 30, NOW - 30, "live", TxStatus.FAILED, (item,)))
    overview = (await web.client.get("/ui/")).text
    assert "1 failed transaction(s) in the last 24 h" in overview
    assert "Failed forwards" in channel and "failures are unknown (not zero)" in channel


async def test_unknown_things_are_404_pages(web: Web) -> None:
    await sign_in(web, web.admin)
    assert (await web.client.get("/ui/channels/banana")).status_code == 404
    assert (await web.client.get("/ui/channels/1x2x3")).status_code == 404
    assert (await web.client.get("/ui/graph/zz")).status_code == 404
    assert (await web.client.get("/ui/graph/02" + "00" * 32)).status_code == 404


async def test_changes_need_the_token_confirmation_and_admin(web: Web) -> None:
    await sign_in(web, web.admin)
    page = await web.client.get(f"/ui/channels/{CHAN}")
    token = _csrf(page.text)
    url = f"/ui/channels/{CHAN}/override"
    assert (await web.client.post(url, data={"action": "pin", "csrf": "x"})).status_code == 403
    confirm = await web.client.post(url, data={"action": "pin", "csrf": token})
    assert confirm.status_code == 200 and 'name="confirmed" value="yes"' in confirm.text
    async with web.services.store.unit_of_work() as uow:
        assert await uow.overrides.channel(CHAN) is None  # nothing changed before the confirmation
    done = await web.client.post(url, data={"action": "pin", "csrf": token, "confirmed": "yes"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=pin")
    bounds = {"action": "bounds", "csrf": token, "confirmed": "yes", "min_ppm": "10", "max_ppm": "500"}
    assert (await web.client.post(url, data=bounds)).status_code == 303
    async with web.services.store.unit_of_work() as uow:
        stored = await uow.overrides.channel(CHAN)
        audit = [e.action for e in await uow.audit.recent(limit=10)]
    assert (
        stored is not None and stored.pin and (stored.fee_rate_min_ppm, stored.fee_rate_max_ppm) == (10, 500)
    )
    assert "web-pin" in audit and "web-bounds" in audit
    for bad in ({"min_ppm": "x"}, {"min_ppm": "600", "max_ppm": "5"}, {"action": "explode"}):
        answer = await web.client.post(url, data={**bounds, **bad})
        assert answer.status_code == 400, bad
    assert (await web.client.post("/ui/channels/9x9x9/override", data=bounds)).status_code == 404
    review = await web.client.post("/ui/decisions/1/review", data={"agree": "yes", "csrf": token})
    assert review.status_code == 303
    assert (
        await web.client.post("/ui/decisions/999/review", data={"agree": "no", "csrf": token})
    ).status_code == 404
    assert (
        await web.client.post("/ui/decisions/1/review", data={"agree": "maybe", "csrf": token})
    ).status_code == 400
    # Without a node nothing can be rolled back, and the page says why.
    tx = await web.client.post("/ui/transactions/1/rollback", data={"csrf": token, "confirmed": "yes"})
    assert tx.status_code == 503
    assert (await web.client.post("/ui/transactions/99/rollback", data={"csrf": token})).status_code == 404
    ask = await web.client.post("/ui/transactions/1/rollback", data={"csrf": token})
    assert ask.status_code == 200 and "Roll back transaction 1?" in ask.text


async def test_a_read_only_key_cannot_change_anything(web: Web) -> None:
    await sign_in(web, web.read)
    page = await web.client.get(f"/ui/channels/{CHAN}")
    assert "Read-only session" in page.text and "pin-toggle" not in page.text
    token = _csrf(page.text)
    for url, data in (
        (f"/ui/channels/{CHAN}/override", {"action": "pin", "confirmed": "yes"}),
        ("/ui/decisions/1/review", {"agree": "yes"}),
        ("/ui/transactions/1/rollback", {"confirmed": "yes"}),
    ):
        answer = await web.client.post(url, data={**data, "csrf": token})
        assert answer.status_code == 403 and "read-only" in answer.text
    async with web.services.store.unit_of_work() as uow:
        assert await uow.overrides.channel(CHAN) is None
        assert await uow.decisions.reviews(1) == []


async def test_swagger_ui_is_served_from_the_package(web: Web) -> None:
    docs = await web.client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text and "https://" not in docs.text
    assert "validatorUrl" in docs.text  # the public validator badge is switched off
    for asset in re.findall(r"(/ui/static/swagger/[\w.-]+)", docs.text):
        assert (await web.client.get(asset)).status_code == 200, asset
    assert (await web.client.get("/redoc")).status_code == 404
    assert (await web.client.get("/")).headers["location"] == "/ui/"


async def test_failed_forwards_show_when_recorded(web: Web) -> None:
    from lnpilot.domain.htlc import HtlcEvent

    async with web.services.store.unit_of_work() as uow:
        window = await uow.htlc.open_window(NOW - 7_200)
        await uow.htlc.extend_window(window, NOW)
        failure = HtlcEvent(
            (NOW - 900) * 10**9,
            "link_fail",
            "FORWARD",
            1,
            CHAN,
            4,
            5,
            2_002_000,
            2_000_000,
            "TEMPORARY_CHANNEL_FAILURE",
            "INSUFFICIENT_BALANCE",
            "insufficient bandwidth",
        )
        assert await uow.htlc.add_failures([failure]) == 1
    await sign_in(web, web.admin)
    page = (await web.client.get(f"/ui/channels/{CHAN}")).text
    assert 'id="failures"' in page and "TEMPORARY_CHANNEL_FAILURE" in page and "INSUFFICIENT_BALANCE" in page
    assert "Recorded during 2.0 h" in page


async def test_overview_pnl_on_a_backend_without_forwards_says_not_measured(web: Web) -> None:
    from lnpilot.store.records import NodeFeeSums
    from lnpilot.store.repos.sync_state import FORWARDS_UNAVAILABLE

    await sign_in(web, web.admin)
    measured = (await web.client.get("/ui/")).text
    assert 'id="pnl-not-measured"' not in measured
    async with web.services.store.unit_of_work() as uow:  # as an LNbits sync leaves the store
        await uow.sync_state.set(FORWARDS_UNAVAILABLE, NOW - 60)
        await uow.sync_state.set_node_fee_sums(NodeFeeSums(NOW - 60, 12, None, 6_789))
    page = (await web.client.get("/ui/")).text
    assert 'id="pnl-not-measured"' in page and "no per-channel forwards" in page
    assert "past day 12 sat, past week – sat, past month 6,789 sat" in page
    # forwards are not measured in any window; revenue is, node-level, where a reported sum covers
    # the window (reported a minute ago: the day and the month; LNbits left the week out)
    table = _pnl_table(page)
    assert [table[w][0] for w in ("1 day", "7 days", "30 days")] == ["not measured"] * 3
    assert [table[w][1] for w in ("1 day", "7 days", "30 days")] == [
        "12 node-level",
        "not measured",
        "6,789 node-level",
    ]
    # net: that revenue less the costs measured, marked as before the unknown ones
    assert [table[w][-1] for w in ("1 day", "7 days", "30 days")] == [
        "12 node-level*",
        "unknown",
        "6,789 node-level*",
    ]
    assert "node-level: the node&#39;s routing fees of the past day as reported at" in page
    async with web.services.store.unit_of_work() as uow:  # a report 2 h old covers no window
        await uow.sync_state.set_node_fee_sums(NodeFeeSums(NOW - 7_200, 12, None, 6_789))
    table = _pnl_table((await web.client.get("/ui/")).text)
    assert [table[w][1] for w in ("1 day", "7 days", "30 days")] == ["not measured"] * 3


def _pnl_table(html: str) -> dict[str, list[str]]:
    """The overview's P&L table as text: header and each window's cells, by row label."""
    table = re.search(r'<table class="data" id="pnl">(.*?)</table>', html, re.S)
    assert table is not None, html
    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


async def test_overview_pnl_shows_what_the_node_paid(web: Web) -> None:
    from lnpilot.domain.node import ChainTransaction
    from lnpilot.domain.payments import NodePayment

    await sign_in(web, web.admin)
    table = _pnl_table((await web.client.get("/ui/")).text)
    header = table["Window"]
    assert header == [
        "Forwards",
        "Routing revenue",
        "Rebalance cost",
        "Payment fees",
        "On-chain fees",
        "Net",
    ]
    fee, chain = header.index("Payment fees"), header.index("On-chain fees")
    # nothing synced yet: what the node paid is unknown, never a 0, and net says it is before them
    assert table["1 day"][fee] == "unknown" and table["1 day"][chain] == "unknown"
    assert table["1 day"][-1] == "1*"
    payment = NodePayment(
        "ee" * 32, 1, "SUCCEEDED", 50_000_000, 2_000_000, NOW - 3_600, NOW - 3_600, "03" + "11" * 32, CHAN
    )
    async with web.services.store.unit_of_work() as uow:
        await uow.payments.add_payments([payment])
        await uow.sync_state.set("payments", NOW - 60)
        await uow.chain.add_many([ChainTransaction("ab" * 32, -1_000_000, 2_500, 870_000, NOW - 2 * 86_400)])
        await uow.sync_state.set("chain", NOW - 60)
    page = (await web.client.get("/ui/")).text
    table = _pnl_table(page)
    assert table["1 day"] == ["1", "1", "0", "2,000", "0", "-1,999"]  # net: 1 - 2,000 sat
    assert table["7 days"] == ["1", "1", "0", "2,000", "2,500", "-4,499"]
    assert "sent 50,000 sat in payments" in page
    # a backend that cannot give them (LNbits): not measured, and net is unknown with no revenue
    from lnpilot.store.repos.sync_state import FORWARDS_UNAVAILABLE, unavailable_mark

    async with web.services.store.unit_of_work() as uow:
        for mark in (FORWARDS_UNAVAILABLE, unavailable_mark("chain"), unavailable_mark("payments")):
            await uow.sync_state.set(mark, NOW)
    page = (await web.client.get("/ui/")).text
    table = _pnl_table(page)
    assert table["30 days"][fee] == "not measured" and table["30 days"][chain] == "not measured"
    assert "gives no payment history" in page and "gives no on-chain wallet history" in page
