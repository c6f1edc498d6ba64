"""The dashboard in a real headless Chromium (Debian's), driven by Playwright, on a daemon's data.

Every request the browser makes is recorded: none may leave the server. Screenshots of each page
at 1280 px and 360 px are written under test-output/web/ (gitignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from lnpilot.store import Store
from tests.web.conftest import CHROMIUM, OUTPUT, Dashboard

playwright_sync = pytest.importorskip("playwright.sync_api")

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    "overview": "/ui/",
    "channels": "/ui/channels",
    "decisions": "/ui/decisions",
    "transactions": "/ui/transactions",
    "rebalances": "/ui/rebalances",
    "suggestions": "/ui/suggestions",
    "graph": "/ui/graph?q=0",
    "docs": "/docs",
}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    with playwright_sync.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any, dashboard: Dashboard) -> Iterator[Any]:
    """A tab that records every request; the test fails if one leaves the dashboard's server."""
    outside: list[str] = []

    def record(request: Any) -> None:
        if not (request.url.startswith(dashboard.url + "/") or request.url.startswith(("data:", "about:"))):
            outside.append(request.url)

    browser.on("request", record)
    tab = browser.new_page()
    try:
        yield tab
    finally:
        tab.close()
        browser.remove_listener("request", record)
        browser.clear_cookies()
    assert outside == [], f"requests outside the server: {outside}"


def sign_in(page: Any, dashboard: Dashboard, key: str) -> None:
    page.goto(dashboard.url + "/ui/")
    assert "/ui/login" in page.url  # not signed in: sent to the sign-in form
    page.fill("#secret", key)
    submit(page, "button[type=submit]")
    assert page.url == dashboard.url + "/ui/"
    cookie = next(c for c in page.context.cookies() if c["name"] == "lnpilot_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def shoot(page: Any, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        shot = OUTPUT / f"{name}-{width}.png"
        shot.unlink(missing_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 1000
        if width == 360 and name != "docs":  # Swagger UI's own layout is not ours to fix
            # nothing but tables (which scroll inside their box) may be wider than the screen
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} is {overflow} px wider than a 360 px screen"
    page.set_viewport_size({"width": 1280, "height": 900})


def submit(page: Any, target: Any) -> None:
    """Click a submit button (a selector or a locator) and wait for the page the post leads to."""
    with page.expect_navigation():
        (page.locator(target) if isinstance(target, str) else target).click()


def first_channel(page: Any, dashboard: Dashboard) -> str:
    page.goto(dashboard.url + "/ui/channels")
    href = page.locator("#channels tbody th a").first.get_attribute("href")
    assert href is not None
    return href


def test_every_page_populated_from_the_daemon_run(page: Any, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, dashboard.admin_key)
    texts: dict[str, str] = {}
    for name, path in PAGES.items():
        page.goto(dashboard.url + path)
        if name == "docs":
            page.wait_for_selector(".swagger-ui .info", timeout=90_000)  # rendered from local assets
        texts[name] = page.inner_text("body")
        shoot(page, name)
    assert re.search(r"1 day\s+[1-9]", texts["overview"]), texts["overview"]  # forwards in the last day
    node = dashboard.simnet.sim.node  # the node's identity and health, read from simnet's get_info
    assert node.pub_key in texts["overview"] and node.alias in texts["overview"]
    assert re.search(r"Backend\s+ok", texts["overview"]), texts["overview"]
    assert "Last cycle" in texts["overview"] and "never" not in texts["overview"].split("Last cycle")[1][:40]
    page.goto(dashboard.url + "/ui/channels")
    assert page.locator("#channels tbody tr").count() == 6
    assert page.locator("#channels svg.balbar").count() == 6
    assert page.locator(".decision").count() == 0  # decisions live on their own page
    assert "increase_fees" in texts["decisions"] or "decrease_fees" in texts["decisions"]
    assert "applied" in texts["transactions"]
    assert "Limits in force" in texts["rebalances"]
    assert "Peers to open a channel to" in texts["suggestions"]
    assert "No peer suggestion" not in texts["suggestions"], texts["suggestions"]  # ranked from the graph
    href = first_channel(page, dashboard)
    page.goto(dashboard.url + href)
    assert page.locator("svg.chart").count() >= 2  # fee, balance (and revenue when it earned)
    assert page.locator(".decision").count() > 0
    shoot(page, "channel")
    page.goto(dashboard.url + "/ui/graph?q=0")
    node = page.locator("ul.hits a").first
    node.click()
    page.wait_for_selector("#heuristics")
    assert page.locator("#heuristics tbody tr").count() == 8  # every heuristic, available or not
    shoot(page, "node")
    page.goto(dashboard.url + "/ui/login")  # signed in: the form sends us on
    assert page.url.endswith("/ui/")


def test_change_a_pin_and_the_daemon_honours_it(page: Any, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, dashboard.admin_key)
    href = first_channel(page, dashboard)
    chan_id = int(href.rsplit("/", 1)[1])
    page.goto(dashboard.url + href)
    submit(page, "#pin-toggle")
    assert "Pin channel" in page.inner_text("h1")  # the confirmation page
    submit(page, "button:has-text('Confirm')")
    assert "Channel pinned" in page.inner_text(".flash")
    assert page.inner_text("#pin-toggle") == "Unpin"

    async def stored() -> Any:
        store = await Store.open(dashboard.settings)
        try:
            async with store.unit_of_work() as uow:
                return await uow.overrides.channel(chan_id), await uow.channels.get(chan_id)
        finally:
            await store.close()

    record, channel = dashboard.run(stored())
    assert record is not None and record.pin
    before = dashboard.policies()[channel.channel_point]
    page.goto("about:blank")  # no live refresh racing the next navigation
    dashboard.run_cycles(2)
    page.goto(dashboard.url + f"/ui/decisions?channel={chan_id}")
    newest = page.locator(".decision").first.inner_text()
    assert "no_action" in newest and "pin" in newest.lower(), newest
    assert dashboard.policies()[channel.channel_point] == before  # the pinned channel was not touched


def test_review_a_decision_feeds_the_agreement_rate(page: Any, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, dashboard.admin_key)
    page.goto(dashboard.url + "/ui/decisions?verdict=would_execute")
    first = page.locator(".decision").first
    decision_id = first.get_attribute("id")
    first.locator("input[name=notes]").fill("sensible step")
    submit(page, first.locator("button[value=yes]"))
    assert "Review recorded" in page.inner_text(".flash")
    assert "100 %" in page.inner_text("#agreement-rate")
    assert "sensible step" in page.inner_text(f"#{decision_id}")
    page.goto(dashboard.url + "/ui/decisions")
    second = page.locator(".decision").nth(1)
    submit(page, second.locator("button[value=no]"))
    assert "Review recorded" in page.inner_text(".flash")
    assert "50 %" in page.inner_text("#agreement-rate")


def test_roll_back_a_transaction_restores_simnet_policy(page: Any, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, dashboard.admin_key)

    async def latest_applied() -> Any:
        store = await Store.open(dashboard.settings)
        try:
            async with store.unit_of_work() as uow:
                txs = await uow.transactions.search(limit=100)
        finally:
            await store.close()
        return next(
            t
            for t in txs
            if t.status.value == "applied"
            and not t.note.startswith("rollback of tx")
            and any((i.result or {}).get("changed") for i in t.items)
        )

    tx = dashboard.run(latest_applied())
    changed = [i for i in tx.items if (i.result or {}).get("changed")]
    page.goto(dashboard.url + "/ui/transactions")
    submit(page, f"#tx{tx.id} button:has-text('Roll back')")
    assert f"Roll back transaction {tx.id}?" in page.inner_text("h1")
    submit(page, "button:has-text('Confirm')")
    assert "Transaction rolled back" in page.inner_text("body"), page.inner_text("main")
    after = dashboard.policies()
    for item in changed:
        live, backup = after[item.channel_point], item.backup_policy
        for field in ("fee_rate_ppm", "base_fee_msat", "time_lock_delta", "inbound_fee_rate_ppm"):
            assert live[field] == backup[field], (item.chan_id, field, live, backup)
    assert "rolled back" in page.inner_text(f"#tx{tx.id}")


def test_a_read_only_key_sees_but_never_changes(page: Any, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, dashboard.read_key)
    href = first_channel(page, dashboard)
    page.goto(dashboard.url + href)
    assert page.locator("#pin-toggle").count() == 0
    assert "Read-only session" in page.inner_text("body")
    page.goto(dashboard.url + "/ui/decisions")
    assert page.locator("button[value=yes]").count() == 0
    # A forged post with the session's own token is still refused for a read-only key.
    csrf = page.locator("form[action='/ui/logout'] input[name=csrf]").get_attribute("value")
    answer = page.request.post(
        dashboard.url + href + "/override", form={"action": "pin", "csrf": csrf or "", "confirmed": "yes"}
    )
    assert answer.status == 403 and "read-only" in answer.text()


def test_pages_refresh_when_a_cycle_ends(page: Any, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, dashboard.admin_key)
    page.goto(dashboard.url + "/ui/transactions")
    page.wait_for_timeout(1_200)  # the first poll has read the current stamp
    with page.expect_navigation(timeout=30_000):
        dashboard.run_cycles(1)
    assert "/ui/transactions" in page.url


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two computed CSS colours."""
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_keyboard_only_sign_in_filter_and_sort(page: Any, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/ui/channels")
    assert "/ui/login" in page.url
    shoot(page, "login")
    assert page.evaluate("document.activeElement.id") == "secret"  # the key field has the focus
    page.keyboard.type(dashboard.admin_key)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == dashboard.url + "/ui/channels"  # back where the sign-in started
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0  # shown on focus
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"  # past the navigation

    def tab_to(check: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(check):
                return
        raise AssertionError(f"Tab never reached {check}")

    scids = page.locator("#channels tbody th .mono").all_inner_texts()
    assert len(scids) == 6
    tab_to("document.activeElement.id === 'q'")
    page.keyboard.type(scids[3])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#channels tbody th .mono").all_inner_texts() == [scids[3]]
    assert "1 of 6 channels" in page.inner_text("form.filters")
    page.goto(dashboard.url + "/ui/channels")
    page.locator("#main").focus()
    tab_to("document.activeElement.textContent.trim().startsWith('Capacity')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    order = page.locator("#channels thead a[aria-sort]").get_attribute("aria-sort")
    capacities = [
        int(c.replace(",", "")) for c in page.locator("#channels tbody td:nth-child(2)").all_inner_texts()
    ]
    assert len(capacities) == 6 and len(set(capacities)) > 1
    assert capacities == sorted(capacities, reverse=order == "descending"), (order, capacities)
    page.locator("#channels thead a[aria-sort]").focus()  # a new page: focus the sorted header again
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the same header again: the other direction
    again = [
        int(c.replace(",", "")) for c in page.locator("#channels tbody td:nth-child(2)").all_inner_texts()
    ]
    assert again == sorted(capacities, reverse=order != "descending")


def test_dark_mode_is_readable(page: Any, dashboard: Dashboard) -> None:
    page.emulate_media(color_scheme="dark")
    sign_in(page, dashboard, dashboard.admin_key)
    href = first_channel(page, dashboard)
    for name, path in (("overview", "/ui/"), ("channels", "/ui/channels"), ("channel", href)):
        page.goto(dashboard.url + path)
        body = page.evaluate(
            "[getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]"
        )
        assert _luminance(body[1]) < 0.05, (name, body)  # a dark page, not the light one
        assert contrast(*body) >= 7, (name, body)
        link = page.locator("main a").first.evaluate("e => getComputedStyle(e).color")
        assert contrast(link, body[1]) >= 4.5, (name, link, body)
        if page.locator(".card").count():  # the cards' surface is lighter than the page's
            card = page.locator(".card").first.evaluate("e => getComputedStyle(e).backgroundColor")
            assert contrast(link, card) >= 4.5 and contrast(body[0], card) >= 7, (name, link, card)
        shoot(page, f"{name}-dark")
