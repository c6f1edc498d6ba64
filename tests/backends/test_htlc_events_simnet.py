"""Issue 20: simnet streams LND's HTLC events; the LND client subscribes, reconnects, stores failures.

Done-when checked here: the store holds, per channel, exactly the liquidity failures simnet's
truth counted while the subscription was up; killing the subscriber mid-stream leaves a recorded
gap (not zeros); no payment identifiers reach INFO logs.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from lnpilot.backends.lnd import LndRestBackend
from lnpilot.backends.lnd_htlc import HtlcSubscriber, parse_htlc_event
from lnpilot.domain.htlc import HtlcEvent
from lnpilot.settings import load_settings
from lnpilot.simnet.htlc_events import FailureKind, HtlcEventLog, SimHtlcEvent, subscribed_wire, to_wire
from lnpilot.simnet.testing import SimnetHandle, running_simnet
from lnpilot.store import Store
from lnpilot.sync.htlc import StoreHtlcSink, channel_failures
from tests.conftest import shared_file

_NS = 1_000_000_000


@pytest.fixture(scope="module")
def simnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimnetHandle]:
    with running_simnet(tmp_path_factory.mktemp("simnet-htlc") / "lnd") as handle:
        yield handle


def truth(handle: SimnetHandle) -> dict[int, int]:
    with handle.sim.lock:
        return {c.chan_id: c.failed_for_liquidity for c in handle.sim.channels}


async def _store(tmp_path: Path) -> Store:
    return await Store.open(load_settings(data_dir=tmp_path))


async def _wait_caught_up(handle: SimnetHandle, sub: HtlcSubscriber, sink: StoreHtlcSink, seen: int) -> None:
    """Until the subscriber has seen every event simnet logged after it subscribed."""
    target = handle.sim.htlc_events.last_seq - seen
    # Each event is one store write: on a loaded machine this takes a while, so give up only when
    # the subscriber has made no progress for 30 s (a bound on a stall, not on speed).
    last, idle = -1, 0
    while idle < 600:
        if sub.events_seen >= target:
            return
        idle = 0 if sub.events_seen != last else idle + 1
        last = sub.events_seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"subscriber stalled at {sub.events_seen} of {target} events")


async def test_a_subscription_stores_exactly_simnet_s_liquidity_failures(
    simnet: SimnetHandle, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await _store(tmp_path)
    lnd = LndRestBackend(simnet.url, simnet.macaroon_hex("readonly"), simnet.tls_cert_path)
    sink = StoreHtlcSink(store, clock=lambda: simnet.sim.now_s)
    sub = HtlcSubscriber(
        lnd.subscribe_htlc_events, sink, clock=lambda: simnet.sim.now_s, backoff_initial_s=0.05
    )
    stop = asyncio.Event()
    try:
        with caplog.at_level(logging.INFO):
            task = asyncio.create_task(sub.run(stop))
            while sub.connections == 0:
                await asyncio.sleep(0.05)
            before, seq0 = truth(simnet), simnet.sim.htlc_events.last_seq
            start_s = simnet.sim.now_s
            # Three simulated days of traffic: the stream carries every HTLC that reached us.
            await asyncio.to_thread(simnet.sim.advance, 3 * 86_400)
            await _wait_caught_up(simnet, sub, sink, seq0)
            after = truth(simnet)
            stop.set()
            await asyncio.wait_for(task, 10)
        expected = {c: after[c] - before[c] for c in after if after[c] - before[c]}
        assert sum(expected.values()) > 0, "simnet produced no liquidity failures to compare"
        async with store.unit_of_work() as uow:
            stored = await uow.htlc.liquidity_counts(0, (simnet.sim.now_s + 1) * _NS)
        assert stored == expected
        per_channel = await channel_failures(store, start_s, simnet.sim.now_s)
        assert per_channel is not None
        assert {c: f.liquidity for c, f in per_channel.items() if f.liquidity} == expected
        # Identifiers and preimages never reach INFO logs.
        text = caplog.text
        for event in simnet.sim.htlc_events.since(seq0, limit=50):
            assert event.preimage.hex() not in text if event.preimage else True
        assert "preimage" not in text and "htlc_id" not in text
    finally:
        await lnd.aclose()
        await store.close()


async def test_killing_the_subscriber_mid_stream_records_a_gap_not_zeros(
    simnet: SimnetHandle, tmp_path: Path
) -> None:
    store = await _store(tmp_path)
    lnd = LndRestBackend(simnet.url, simnet.macaroon_hex("readonly"), simnet.tls_cert_path)
    sink = StoreHtlcSink(store, clock=lambda: simnet.sim.now_s)
    sub = HtlcSubscriber(lnd.subscribe_htlc_events, sink, clock=lambda: simnet.sim.now_s)
    stop = asyncio.Event()
    try:
        task = asyncio.create_task(sub.run(stop))
        while sub.connections == 0:
            await asyncio.sleep(0.05)
        window_start, seq0 = simnet.sim.now_s, simnet.sim.htlc_events.last_seq
        await asyncio.to_thread(simnet.sim.advance, 86_400)
        await _wait_caught_up(simnet, sub, sink, seq0)
        task.cancel()  # the subscriber dies mid-stream (process killed)
        with pytest.raises(asyncio.CancelledError):
            await task
        killed_at = simnet.sim.now_s
        before_gap = truth(simnet)
        await asyncio.to_thread(simnet.sim.advance, 86_400)  # failures happen while nobody listens
        during_gap = {c: n - before_gap[c] for c, n in truth(simnet).items()}
        assert sum(during_gap.values()) > 0
        end = simnet.sim.now_s
        result = await channel_failures(store, window_start, end)
        assert result is not None
        some = next(iter(result.values()))
        assert some.covered_s == killed_at - window_start and some.gap_s == end - killed_at
        # The failures of the gap are not in the store: they are unknown, reported as a gap.
        assert sum(f.liquidity for f in result.values()) < sum(truth(simnet).values())
        async with store.unit_of_work() as uow:
            (window,) = await uow.htlc.windows(window_start, end)
        assert window.ended_at_s == killed_at and window.end_reason == "stopped"
        # A window nobody covered is unknown, never zero.
        assert await channel_failures(store, end + 10, end + 20) is None
    finally:
        await lnd.aclose()
        await store.close()


def _swagger() -> dict[str, object]:
    path = shared_file("specs", "lnd", "lnd_router.swagger.json.gz")
    return json.loads(gzip.decompress(Path(path).read_bytes()))  # type: ignore[no-any-return]


def _check(value: object, schema: dict[str, object], defs: dict[str, dict[str, object]]) -> None:
    """A tiny JSON-schema check: every field is declared, with the declared type or enum."""
    if "$ref" in schema:
        schema = defs[str(schema["$ref"]).rsplit("/", 1)[-1]]
    kind = schema.get("type")
    if "enum" in schema:
        assert value in schema["enum"], (value, schema["enum"])
    elif kind == "object":
        assert isinstance(value, dict)
        props = schema.get("properties", {})
        assert isinstance(props, dict)
        for key, item in value.items():
            assert key in props, f"field {key!r} not in the swagger"
            _check(item, props[key], defs)
    elif kind == "string":
        assert isinstance(value, str)
        if schema.get("format") == "uint64":
            assert value.isdigit()
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool)
    elif kind == "boolean":
        assert isinstance(value, bool)


def test_every_event_kind_matches_lnd_s_router_swagger_and_parses_back() -> None:
    doc = _swagger()
    defs = doc["definitions"]
    assert isinstance(defs, dict)
    schema = {"$ref": "#/definitions/routerrpcHtlcEvent"}
    log = HtlcEventLog()
    log.forward(10 * _NS, 1, 2, 5, 6, 1_001_000, 1_000_000, 800_000, 80)
    for kind in FailureKind:
        log.link_fail(11 * _NS, 1, 2, 7, 2_000_000, 1_999_000, 800_000, 80, kind)
    events = log.since(0)
    kinds = {e.kind for e in events}
    assert kinds == {"forward", "settle", "final", "link_fail"}
    _check(subscribed_wire(), schema, defs)
    parsed = []
    for event in events:
        body = to_wire(event)
        _check(body, schema, defs)
        parsed.append(parse_htlc_event(json.loads(json.dumps(body))))
    details = {p.failure_detail for p in parsed if p.kind == "link_fail"}
    assert details == {"INSUFFICIENT_BALANCE", "NO_DETAIL"}
    assert sum(p.is_liquidity_failure for p in parsed) == 1 == log.failed_for_liquidity[2]
    forward = next(p for p in parsed if p.kind == "forward")
    assert (forward.incoming_amt_msat, forward.outgoing_amt_msat) == (1_001_000, 1_000_000)
    assert next(p for p in parsed if p.kind == "final").settled is True


async def test_reconnects_with_backoff_and_stops_cleanly() -> None:
    opened: list[int] = []
    closed: list[str] = []
    batches: list[list[HtlcEvent]] = []

    class Sink:
        async def opened(self, at_s: int) -> None:
            opened.append(at_s)

        async def events(self, events: list[HtlcEvent]) -> None:
            batches.append(events)

        async def closed(self, at_s: int, reason: str) -> None:
            closed.append(reason)

    calls = 0
    stop = asyncio.Event()

    async def connect() -> AsyncIterator[HtlcEvent]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx_error()
        yield parse_htlc_event(subscribed_wire())
        yield parse_htlc_event(to_wire(_one_failure()))
        if calls >= 3:
            yield parse_htlc_event(to_wire(_one_failure()))
            stop.set()
            await asyncio.sleep(3600)  # a quiet stream: stop must not wait for the next event

    sub = HtlcSubscriber(connect, Sink(), backoff_initial_s=0.01, backoff_max_s=0.02)
    assert 0.005 <= sub.delay_s(1) <= 0.01 and sub.delay_s(10) <= 0.02
    await asyncio.wait_for(sub.run(stop), 10)
    assert calls == 3 and len(opened) == 2
    assert closed == ["stream ended", "stopped"]
    assert sum(len(b) for b in batches) == 3


def httpx_error() -> Exception:
    from lnpilot.backends.base import BackendUnavailable

    return BackendUnavailable("GET /v2/router/htlcevents: connection failed (ConnectError)")


def _one_failure() -> SimHtlcEvent:
    log = HtlcEventLog()
    log.link_fail(_NS, 1, 2, 3, 1000, 999, 800_000, 80, FailureKind.LIQUIDITY)
    return log.since(0)[0]


async def test_every_kind_of_refusal_reaches_the_store_as_simnet_counted_it(
    simnet: SimnetHandle, tmp_path: Path
) -> None:
    """Stale fees and time locks (gossip delay) and offline peers fail at our node as LND reports them."""
    from dataclasses import replace

    from lnpilot.domain.htlc import FAILURE_KINDS

    def by_kind() -> dict[str, dict[int, int]]:
        with simnet.sim.lock:
            return {k.value: dict(v) for k, v in simnet.sim.htlc_events.failures.items()}

    store = await _store(tmp_path)
    lnd = LndRestBackend(simnet.url, simnet.macaroon_hex("readonly"), simnet.tls_cert_path)
    sink = StoreHtlcSink(store, clock=lambda: simnet.sim.now_s)
    sub = HtlcSubscriber(lnd.subscribe_htlc_events, sink, clock=lambda: simnet.sim.now_s)
    stop = asyncio.Event()
    try:
        task = asyncio.create_task(sub.run(stop))
        while sub.connections == 0:
            await asyncio.sleep(0.05)
        before, seq0, start_s = by_kind(), simnet.sim.htlc_events.last_seq, simnet.sim.now_s
        for round_ in range(16):
            # Our node raises a fee (even rounds) or a time-lock delta (odd rounds) on every channel:
            # for gossip's delay payers still use the old, lower value and fail at our node.
            for ch in list(simnet.sim.channels):
                pol = ch.policy
                new = (
                    replace(pol, fee_rate_ppm=pol.fee_rate_ppm + 25)
                    if round_ % 2 == 0
                    else replace(pol, time_lock_delta=pol.time_lock_delta + 2)
                )
                simnet.sim.set_policy(ch, new)
            await asyncio.to_thread(simnet.sim.advance, 3 * 3600)
        await _wait_caught_up(simnet, sub, sink, seq0)
        stop.set()
        await asyncio.wait_for(task, 10)
        after = by_kind()
        expected = {
            kind: {
                c: n - before[kind].get(c, 0) for c, n in after[kind].items() if n - before[kind].get(c, 0)
            }
            for kind in after
        }
        for kind in ("liquidity", "fee", "time_lock", "inactive"):
            assert sum(expected[kind].values()) > 0, (kind, expected)
        async with store.unit_of_work() as uow:
            stored_events = await uow.htlc.failures(0, (simnet.sim.now_s + 1) * _NS)
        stored: dict[str, dict[int, int]] = {kind: {} for kind in FAILURE_KINDS}
        for e in stored_events:
            kind = e.failure_kind
            assert kind is not None
            stored[kind][e.outgoing_chan_id] = stored[kind].get(e.outgoing_chan_id, 0) + 1
        assert {k: v for k, v in stored.items() if v} == {k: v for k, v in expected.items() if v}
        # LND's wire failure, detail and failure string of each kind, as the store kept them.
        shapes = {(e.failure_kind, e.wire_failure, e.failure_detail) for e in stored_events}
        assert shapes == {
            ("liquidity", "TEMPORARY_CHANNEL_FAILURE", "INSUFFICIENT_BALANCE"),
            ("fee", "FEE_INSUFFICIENT", "NO_DETAIL"),
            ("time_lock", "INCORRECT_CLTV_EXPIRY", "NO_DETAIL"),
            ("inactive", "UNKNOWN_NEXT_PEER", "NO_DETAIL"),
        }
        strings = {e.failure_kind: e.failure_string or "" for e in stored_events}
        assert strings["liquidity"] == "insufficient bandwidth to route htlc"
        assert strings["inactive"] == "UnknownNextPeer"
        assert strings["fee"].startswith("FeeInsufficient(htlc_amt==") and "mSAT, update=" in strings["fee"]
        assert strings["time_lock"].startswith("IncorrectCltvExpiry(expiry=")
        # Only liquidity failures count as failed_for_liquidity; the rest are shown by kind.
        per_channel = await channel_failures(store, start_s, simnet.sim.now_s)
        assert per_channel is not None
        assert {c: f.liquidity for c, f in per_channel.items() if f.liquidity} == expected["liquidity"]
        for c, f in per_channel.items():
            assert f.other == sum(expected[k].get(c, 0) for k in ("fee", "time_lock", "inactive"))
        # simnet's truth endpoint reports the same counts per kind over HTTPS.
        import ssl

        import httpx

        context = ssl.create_default_context(cafile=str(simnet.tls_cert_path))
        headers = {"Grpc-Metadata-macaroon": simnet.macaroon_hex()}
        async with httpx.AsyncClient(verify=context, headers=headers) as client:
            truth_body = (await client.get(f"{simnet.url}/simnet/truth/failures")).json()
        assert {
            kind: {int(c): n for c, n in counts.items() if n}
            for kind, counts in truth_body["by_kind"].items()
        } == {kind: {c: n for c, n in counts.items() if n} for kind, counts in after.items()}
    finally:
        await lnd.aclose()
        await store.close()


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_htlc_events_never_reach_the_logs_at_any_level(
    simnet: SimnetHandle, tmp_path: Path, level: str
) -> None:
    """Preimages and payment hashes never reach the logs, at INFO or DEBUG; HTLC ids and bodies not at INFO.

    The logs are captured where lnpilot writes them (structlog and the stdlib root, one stream,
    as ``lnpilot run`` configures them), and the subscription's own lines must be there: a capture
    that saw nothing could not fail.
    """
    import base64
    import hashlib
    import io

    from lnpilot.logs import configure_logging

    stream = io.StringIO()
    configure_logging("json", level, stream=stream)
    store = await _store(tmp_path)
    lnd = LndRestBackend(simnet.url, simnet.macaroon_hex("readonly"), simnet.tls_cert_path)
    sink = StoreHtlcSink(store, clock=lambda: simnet.sim.now_s)
    sub = HtlcSubscriber(lnd.subscribe_htlc_events, sink, clock=lambda: simnet.sim.now_s)
    stop = asyncio.Event()
    try:
        task = asyncio.create_task(sub.run(stop))
        while sub.connections == 0:
            await asyncio.sleep(0.05)
        seq0 = simnet.sim.htlc_events.last_seq
        await asyncio.to_thread(simnet.sim.advance, 86_400)
        await _wait_caught_up(simnet, sub, sink, seq0)
        stop.set()
        await asyncio.wait_for(task, 10)
    finally:
        await lnd.aclose()
        await store.close()
    text = stream.getvalue()
    events = simnet.sim.htlc_events.since(seq0, limit=10**6)
    settles = [e for e in events if e.preimage]
    assert settles and any(e.kind == "link_fail" for e in events) and sink.stored > 0
    assert "htlc_subscription_open" in text
    if level == "DEBUG":
        assert "htlc_failures_stored" in text  # counts only
    for e in settles:
        payment_hash = hashlib.sha256(e.preimage).digest()
        for secret in (e.preimage, payment_hash):
            assert secret.hex() not in text
            assert base64.b64encode(secret).decode() not in text
            assert base64.urlsafe_b64encode(secret).decode() not in text
    if level == "INFO":
        # The words too at INFO (at DEBUG the database driver's statement log names the
        # payments table's payment_hash column; the values above are checked at every level).
        for word in ("preimage", "payment_hash"):
            assert word not in text, word
        # At INFO nothing of an event: no identifiers, no bodies. (At DEBUG the database driver's
        # statement log, on only when the whole process runs at DEBUG, shows stored rows: HTLC ids,
        # amounts and failure strings, never a preimage or payment hash, which are not stored.)
        for word in ("htlc_id", "link_fail_event", "failure_string", "FeeInsufficient", "incoming_amt"):
            assert word not in text, word


async def test_stopping_lets_a_write_in_progress_finish() -> None:
    """A stop that lands while the sink is writing (the daemon's shutdown, with events still
    arriving) waits for that write: cancelling it half-way cancelled the store's own commit or
    rollback (SQLAlchemy printed "Exception during reset ... CancelledError") and lost the batch."""
    writing, release = asyncio.Event(), asyncio.Event()
    finished: list[int] = []
    closed: list[str] = []

    class SlowSink:
        async def opened(self, at_s: int) -> None:
            return None

        async def events(self, events: list[HtlcEvent]) -> None:
            writing.set()
            await release.wait()  # a database write in flight
            finished.append(len(events))

        async def closed(self, at_s: int, reason: str) -> None:
            closed.append(reason)

    async def connect() -> AsyncIterator[HtlcEvent]:
        yield parse_htlc_event(subscribed_wire())
        yield parse_htlc_event(to_wire(_one_failure()))
        await asyncio.sleep(3600)

    stop = asyncio.Event()
    run = asyncio.create_task(HtlcSubscriber(connect, SlowSink()).run(stop))
    await asyncio.wait_for(writing.wait(), 10)
    stop.set()
    await asyncio.sleep(0.05)  # the subscriber sees the stop while the write is in flight
    assert not run.done()
    release.set()
    await asyncio.wait_for(run, 10)
    assert finished == [1] and closed == ["stopped"]  # the write ended, then the window closed
