"""``LndRestBackend``: our node through LND's REST interface (and simnet, which speaks it).

TLS is pinned to the node's certificate file; the macaroon travels hex-encoded in
``Grpc-Metadata-macaroon`` and is held in a ``Secret`` so no repr, log or error shows it.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from lnpilot.backends import lnd_chain, lnd_payments
from lnpilot.backends import lnd_wire as wire
from lnpilot.backends.base import (
    BackendError,
    BackendNotFound,
    BackendUnavailable,
    Capability,
    PolicyUpdateFailed,
)
from lnpilot.backends.chain import CloseStarted, PendingClose
from lnpilot.backends.http import (
    DEFAULT_TIMEOUT,
    RetryPolicy,
    Secret,
    TlsVerificationFailed,
    check_transport,
    classify,
    is_tls_failure,
    pinned_tls_context,
    send_with_retries,
)
from lnpilot.backends.payments import InvoicesPage, PaymentsPage
from lnpilot.domain.graph import GraphChannel, GraphNode, RoutingPolicy
from lnpilot.domain.htlc import HtlcEvent
from lnpilot.domain.ids import is_pubkey, parse_channel_point
from lnpilot.domain.node import (
    ChainTransaction,
    ClosedChannel,
    FeeReport,
    ForwardingEvent,
    Invoice,
    LocalChannel,
    NodeInfo,
    PaymentResult,
    PaymentStatus,
    PolicyUpdateResult,
)
from lnpilot.errors import InvalidInputError
from lnpilot.logs import get_logger, register_secret

log = get_logger("lnpilot.backends.lnd")

LND_CAPABILITIES = frozenset(Capability)
SWITCH_PAGE_SIZE = 1000


class LndRestBackend:
    """A ``NodeBackend`` over LND REST. Construct with the macaroon as hex (see ``credentials``)."""

    def __init__(
        self,
        base_url: str,
        macaroon_hex: str,
        tls_cert_path: Path | None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        check_transport(base_url, "LND_REST_URL", allow_insecure_http=allow_insecure_http)
        register_secret(macaroon_hex)
        self._macaroon = Secret(macaroon_hex)
        self._base_url = base_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._own_pubkey: str | None = None
        self._client = httpx.AsyncClient(
            base_url=self._base_url,
            verify=pinned_tls_context(tls_cert_path),
            timeout=timeout,
            headers={"Grpc-Metadata-macaroon": macaroon_hex},
        )

    def __repr__(self) -> str:
        return f"LndRestBackend({self._base_url!r})"

    @property
    def capabilities(self) -> frozenset[Capability]:
        return LND_CAPABILITIES

    async def __aenter__(self) -> LndRestBackend:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(
        self, method: str, path: str, *, idempotent: bool, body: Any = None, params: Any = None
    ) -> httpx.Response:
        what = f"{method} {path.split('?')[0]}"
        return await send_with_retries(
            lambda: self._client.request(method, path, json=body, params=params),
            what,
            idempotent=idempotent,
            retry=self._retry,
            rng=self._rng,
        )

    async def _get_json(self, path: str, params: Any = None) -> wire.Json:
        response = await self._request("GET", path, idempotent=True, params=params)
        return wire.load_json(response.content)

    async def get_info(self) -> NodeInfo:
        info = wire.parse_info(await self._get_json("/v1/getinfo"))
        self._own_pubkey = info.pub_key
        return info

    async def list_channels(self) -> list[LocalChannel]:
        return wire.parse_channels(await self._get_json("/v1/channels"))

    async def closed_channels(self) -> list[ClosedChannel]:
        return wire.parse_closed_channels(await self._get_json("/v1/channels/closed"))

    async def chain_transactions(self) -> list[ChainTransaction]:
        return lnd_chain.parse_transactions(await self._get_json("/v1/transactions"))

    async def payments_page(self, index_offset: int, max_payments: int, own_pubkey: str) -> PaymentsPage:
        params = {
            "include_incomplete": "true",
            "index_offset": str(index_offset),
            "max_payments": str(max_payments),
        }
        return lnd_payments.parse_payments_page(await self._get_json("/v1/payments", params), own_pubkey)

    async def invoices_page(self, index_offset: int, max_invoices: int) -> InvoicesPage:
        params = {"index_offset": str(index_offset), "num_max_invoices": str(max_invoices)}
        return lnd_payments.parse_invoices_page(await self._get_json("/v1/invoices", params))

    async def pending_closes(self) -> list[PendingClose]:
        return lnd_chain.parse_pending_closes(await self._get_json("/v1/channels/pending"))

    async def close_channel(
        self, channel_point: str, *, sat_per_vbyte: int | None, force: bool
    ) -> CloseStarted:
        """Ask LND to close; returns at the first ``close_pending`` update. Never retried: the
        caller reads pending closes back to learn what happened after a broken stream."""
        txid, index = parse_channel_point(channel_point)
        if not force and not sat_per_vbyte:
            raise InvalidInputError("a cooperative close needs a fee rate (sat/vB)")
        params: dict[str, str] = {"force": "true" if force else "false"}
        if sat_per_vbyte and not force:
            params["sat_per_vbyte"] = str(sat_per_vbyte)
        path = f"/v1/channels/{txid}/{index}"
        log.info("close_channel_send", channel_point=channel_point, force=force, sat_per_vbyte=sat_per_vbyte)
        try:
            async with self._client.stream("DELETE", path, params=params) as response:
                if not response.is_success:
                    await response.aread()
                    raise classify(response, "DELETE /v1/channels")
                async for line in response.aiter_lines():
                    started = lnd_chain.parse_close_update(line, channel_point)
                    if started is not None:
                        return started
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise BackendUnavailable(
                f"DELETE /v1/channels: outcome unknown ({exc.__class__.__name__}); read pending closes"
            ) from None
        raise BackendError(f"LND ended the close stream of {channel_point} without a pending close")

    async def fee_report(self) -> FeeReport:
        return wire.parse_fee_report(await self._get_json("/v1/fees"))

    async def forwarding_history(self, start_s: int, end_s: int) -> list[ForwardingEvent]:
        if end_s < start_s:
            raise InvalidInputError(f"forwarding_history: end {end_s} is before start {start_s}")
        events: list[ForwardingEvent] = []
        offset = 0
        while True:
            body = {
                "start_time": str(start_s),
                "end_time": str(end_s),
                "index_offset": offset,
                "num_max_events": SWITCH_PAGE_SIZE,
            }
            # ForwardingHistory only reads, so retrying a page is safe.
            response = await self._request("POST", "/v1/switch", idempotent=True, body=body)
            page, last_offset = wire.parse_forwarding_page(wire.load_json(response.content))
            events.extend(page)
            if len(page) < SWITCH_PAGE_SIZE or last_offset <= offset:
                return events
            offset = last_offset

    async def describe_graph(self) -> bytes:
        response = await self._request(
            "GET", "/v1/graph", idempotent=True, params={"include_unannounced": "false"}
        )
        return response.content

    async def get_node(self, pub_key: str) -> GraphNode:
        if not is_pubkey(pub_key):
            raise InvalidInputError(f"not a node public key: {pub_key!r}")
        return wire.parse_node_info(await self._get_json(f"/v1/graph/node/{pub_key}"))

    async def get_edge(self, chan_id: int) -> GraphChannel:
        if not 0 < chan_id < (1 << 64):
            raise InvalidInputError(f"chan_id out of range: {chan_id}")
        return wire.parse_edge(await self._get_json(f"/v1/graph/edge/{chan_id}"))

    async def _own_key(self) -> str:
        if self._own_pubkey is None:
            await self.get_info()
        assert self._own_pubkey is not None
        return self._own_pubkey

    async def _chan_id_of(self, channel_point: str) -> int:
        parse_channel_point(channel_point)
        for channel in await self.list_channels():
            if channel.channel_point == channel_point:
                return channel.chan_id
        raise BackendNotFound(f"no open channel with channel point {channel_point}")

    async def get_policy(self, channel_point: str) -> RoutingPolicy:
        """Our side of the channel's graph edge: the only read that carries every policy field."""
        chan_id = await self._chan_id_of(channel_point)
        edge = await self.get_edge(chan_id)
        own = await self._own_key()
        policy = edge.policy_of(own) if own in (edge.node1, edge.node2) else None
        if policy is None:
            raise BackendNotFound(f"channel {channel_point} has no policy of ours in the graph yet")
        return policy

    async def update_channel_policy(self, channel_point: str, policy: RoutingPolicy) -> PolicyUpdateResult:
        current = await self.get_policy(channel_point)
        # LND reads max_htlc_msat 0 as "unchanged"; sending the live value makes the intent explicit
        # and lets the read-back compare every field.
        sent = policy if policy.max_htlc_msat else _replace_max_htlc(policy, current.max_htlc_msat)
        body = wire.policy_update_body(channel_point, sent)
        log.info(
            "policy_update_send",
            channel_point=channel_point,
            base_fee_msat=sent.base_fee_msat,
            fee_rate_ppm=sent.fee_rate_ppm,
            time_lock_delta=sent.time_lock_delta,
        )
        try:
            # The complete policy is idempotent: sending it twice leaves the same state.
            response = await self._request("POST", "/v1/chanpolicy", idempotent=True, body=body)
        except BackendNotFound as exc:
            raise PolicyUpdateFailed(str(exc), reason="UPDATE_FAILURE_NOT_FOUND") from None
        failures = wire.failed_updates(wire.load_json(response.content))
        if failures:
            reason, detail = failures[0]
            raise PolicyUpdateFailed(
                f"LND refused the policy update on {channel_point}: {reason} {detail}".strip(), reason=reason
            )
        read_back = await self.get_policy(channel_point)
        return PolicyUpdateResult(
            channel_point=channel_point,
            sent=sent,
            read_back=read_back,
            mismatches=wire.policy_mismatches(sent, read_back),
        )

    def subscribe_htlc_events(self) -> AsyncIterator[HtlcEvent]:
        """One subscription to ``GET /v2/router/htlcevents`` (see ``lnd_htlc.HtlcSubscriber``)."""
        from lnpilot.backends.lnd_htlc import stream_htlc_events

        return stream_htlc_events(self._client)

    async def add_invoice(self, value_msat: int, memo: str, expiry_s: int = 3600) -> Invoice:
        if value_msat <= 0:
            raise InvalidInputError(f"invoice amount must be positive, got {value_msat} msat")
        body = {"value_msat": str(value_msat), "memo": memo, "expiry": str(expiry_s)}
        response = await self._request("POST", "/v1/invoices", idempotent=False, body=body)
        return wire.parse_add_invoice(wire.load_json(response.content), value_msat, memo)

    async def pay_self(
        self,
        payment_request: str,
        outgoing_chan_id: int,
        last_hop_pubkey: str,
        fee_limit_msat: int,
        timeout_s: int,
    ) -> PaymentResult:
        """One circular payment attempt; never retried (a retry could pay twice).

        If the stream breaks before a final state, the outcome is unknown and reported as
        ``IN_FLIGHT`` with the reason, so the caller checks before trying again.
        """
        if not is_pubkey(last_hop_pubkey):
            raise InvalidInputError(f"last hop is not a node public key: {last_hop_pubkey!r}")
        if fee_limit_msat < 0 or timeout_s <= 0:
            raise InvalidInputError("fee limit must be >= 0 and timeout > 0")
        body = {
            "payment_request": payment_request,
            "allow_self_payment": True,
            "outgoing_chan_ids": [str(outgoing_chan_id)],
            "last_hop_pubkey": wire.hex_to_b64(last_hop_pubkey),
            "fee_limit_msat": str(fee_limit_msat),
            "timeout_seconds": timeout_s,
            "no_inflight_updates": True,
        }
        timeout = httpx.Timeout(DEFAULT_TIMEOUT.connect, read=timeout_s + 30.0, write=10.0, pool=5.0)
        log.info("pay_self_send", outgoing_chan_id=outgoing_chan_id, fee_limit_msat=fee_limit_msat)
        last: PaymentResult | None = None
        try:
            async with self._client.stream("POST", "/v2/router/send", json=body, timeout=timeout) as response:
                if not response.is_success:
                    await response.aread()
                    raise classify(response, "POST /v2/router/send")
                async for line in response.aiter_lines():
                    last = _stream_line(line) or last
                    if last is not None and last.status != PaymentStatus.IN_FLIGHT:
                        break
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # The request never reached the node: nothing was paid, so this is a plain failure.
            if is_tls_failure(exc):
                raise TlsVerificationFailed(
                    "POST /v2/router/send: the server's TLS certificate is not the pinned one"
                ) from None
            raise BackendUnavailable(f"POST /v2/router/send: not sent ({exc.__class__.__name__})") from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            return PaymentResult(
                payment_hash=last.payment_hash if last else "",
                status=PaymentStatus.IN_FLIGHT,
                value_msat=last.value_msat if last else 0,
                fee_msat=last.fee_msat if last else 0,
                failure_reason=f"outcome unknown: stream broke ({exc.__class__.__name__})",
            )
        if last is None:
            return PaymentResult(
                payment_hash="",
                status=PaymentStatus.IN_FLIGHT,
                value_msat=0,
                fee_msat=0,
                failure_reason="outcome unknown: the node sent no payment state",
            )
        return last


def _stream_line(line: str) -> PaymentResult | None:
    """One NDJSON line of ``/v2/router/send``: ``{"result": Payment}`` or ``{"error": {...}}``."""
    line = line.strip()
    if not line:
        return None
    data = wire.load_json(line)
    error = wire.as_obj(data, "error")
    if error is not None:
        return PaymentResult(
            payment_hash="",
            status=PaymentStatus.FAILED,
            value_msat=0,
            fee_msat=0,
            failure_reason=wire.as_str(error, "message") or json.dumps(dict(error))[:200],
        )
    result = wire.as_obj(data, "result")
    return wire.parse_payment(result if result is not None else data)


def _replace_max_htlc(policy: RoutingPolicy, max_htlc_msat: int) -> RoutingPolicy:
    return replace(policy, max_htlc_msat=max_htlc_msat)
