"""``LnbitsBackend``: our node through LNbits (1.6.x): its wallet API and its node API.

What LNbits can and cannot do is stated in ``LNBITS_CAPABILITIES``; a call outside them raises
``CapabilityMissing`` so a decision that needs it is reported as not executable, never dropped.

- Wallet API: ``X-Api-Key`` (invoice key reads and creates invoices).
- Node API (``/node/api/v1``): a user Bearer token from ``POST /api/v1/auth``; setting fees
  needs the super user. Through LND, LNbits sends ``time_lock_delta: 80`` on every fee change
  and cannot set HTLC limits or inbound fees.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import httpx

from lnpilot.backends import lnd_wire as wire
from lnpilot.backends.base import (
    AuthenticationError,
    BackendNotFound,
    Capability,
    CapabilityMissing,
    PolicyUpdateFailed,
)
from lnpilot.backends.http import (
    DEFAULT_TIMEOUT,
    RetryPolicy,
    Secret,
    check_transport,
    pinned_tls_context,
    send_with_retries,
)
from lnpilot.domain.graph import GraphChannel, GraphNode, RoutingPolicy
from lnpilot.domain.ids import parse_channel_point
from lnpilot.domain.node import (
    ChannelFee,
    ClosedChannel,
    FeeReport,
    ForwardingEvent,
    Invoice,
    LocalChannel,
    NodeInfo,
    PaymentResult,
    PolicyUpdateResult,
)
from lnpilot.errors import ConfigError, InvalidInputError
from lnpilot.logs import get_logger, register_secret

log = get_logger("lnpilot.backends.lnbits")

LNBITS_CAPABILITIES = frozenset(
    {
        Capability.GET_INFO,
        Capability.LIST_CHANNELS,
        Capability.FEE_REPORT,
        Capability.UPDATE_FEES,
        Capability.ADD_INVOICE,
    }
)
# LNbits compares fees only: its node API reports no time lock, HTLC limits or inbound fees.
LNBITS_COMPARED_FIELDS = ("base_fee_msat", "fee_rate_ppm")
POLICY_FIELDS = tuple(f.name for f in fields(RoutingPolicy) if f.name != "last_update")


class LnbitsBackend:
    """A ``NodeBackend`` over LNbits. Node calls need username/password; invoices need the API key."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        tls_cert_path: Path | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        check_transport(base_url, "LNBITS_URL", allow_insecure_http=allow_insecure_http)
        for secret in (api_key, password):
            register_secret(secret)
        self._api_key = Secret(api_key) if api_key else None
        self._username = username
        self._password = Secret(password) if password else None
        self._token: Secret | None = None
        self._base_url = base_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        verify = pinned_tls_context(tls_cert_path) if self._base_url.startswith("https") else True
        self._client = httpx.AsyncClient(base_url=self._base_url, verify=verify, timeout=timeout)

    def __repr__(self) -> str:
        return f"LnbitsBackend({self._base_url!r})"

    @property
    def capabilities(self) -> frozenset[Capability]:
        return LNBITS_CAPABILITIES

    async def __aenter__(self) -> LnbitsBackend:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        idempotent: bool,
        body: Any = None,
    ) -> Any:
        response = await send_with_retries(
            lambda: self._client.request(method, path, json=body, headers=dict(headers)),
            f"{method} {path}",
            idempotent=idempotent,
            retry=self._retry,
            rng=self._rng,
        )
        try:
            return response.json()
        except ValueError as exc:
            raise wire.MalformedResponse(f"{method} {path}: response is not JSON") from exc

    async def login(self) -> None:
        """Exchange the user's credentials for a Bearer token (``POST /api/v1/auth``)."""
        if not self._username or self._password is None:
            raise ConfigError("LNBITS_USERNAME and LNBITS_PASSWORD are required for LNbits' node API")
        data = await self._call(
            "POST",
            "/api/v1/auth",
            headers={},
            idempotent=True,
            body={"username": self._username, "password": self._password.reveal()},
        )
        self._remember_token(data)

    async def claim_first_install(self) -> None:
        """Make the configured user the super user of a fresh LNbits (``PUT /api/v1/auth/first_install``).

        Only a never-configured instance accepts this; it also logs in.
        """
        if not self._username or self._password is None:
            raise ConfigError("LNBITS_USERNAME and LNBITS_PASSWORD are required to claim a fresh LNbits")
        secret = self._password.reveal()
        body = {"username": self._username, "password": secret, "password_repeat": secret}
        data = await self._call("PUT", "/api/v1/auth/first_install", headers={}, idempotent=False, body=body)
        self._remember_token(data)

    def _remember_token(self, data: Any) -> None:
        token = data.get("access_token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError("LNbits answered without an access token")
        register_secret(token)
        self._token = Secret(token)

    async def _node(self, method: str, path: str, *, body: Any = None, idempotent: bool = True) -> Any:
        if self._token is None:
            await self.login()
        assert self._token is not None
        headers = {"Authorization": f"Bearer {self._token.reveal()}"}
        return await self._call(
            method, f"/node/api/v1{path}", headers=headers, idempotent=idempotent, body=body
        )

    async def _wallet(self, method: str, path: str, *, body: Any = None, idempotent: bool = True) -> Any:
        if self._api_key is None:
            raise ConfigError("LNBITS_API_KEY is required for LNbits' wallet API")
        headers = {"X-Api-Key": self._api_key.reveal()}
        try:
            return await self._call(method, path, headers=headers, idempotent=idempotent, body=body)
        except BackendNotFound:
            # LNbits answers an unknown key with 404 "Wallet not found."
            raise AuthenticationError(f"{method} {path}: LNbits knows no wallet with this API key") from None

    async def wallet_balance_msat(self) -> int:
        data = await self._wallet("GET", "/api/v1/wallet")
        return wire.as_int(_obj(data, "wallet"), "balance")

    async def get_info(self) -> NodeInfo:
        data = _obj(await self._node("GET", "/info"), "node info")
        stats = wire.as_obj(data, "channel_stats") or {}
        counts = wire.as_obj(stats, "counts") or {}
        return NodeInfo(
            pub_key=wire.as_str(data, "id"),
            alias=wire.as_str(data, "alias"),
            num_active_channels=wire.as_int(counts, "active"),
            num_inactive_channels=wire.as_int(counts, "inactive"),
            num_pending_channels=wire.as_int(counts, "pending"),
            num_peers=wire.as_int(data, "num_peers"),
            block_height=wire.as_int(data, "blockheight"),
            synced_to_chain=None,  # LNbits does not report chain sync
            version=f"lnbits/{wire.as_str(data, 'backend_name')}",
            color=wire.as_str(data, "color"),
        )

    async def _raw_channels(self) -> list[Mapping[str, Any]]:
        data = await self._node("GET", "/channels")
        if not isinstance(data, list) or not all(isinstance(c, Mapping) for c in data):
            raise wire.MalformedResponse("LNbits /channels: expected a list of channels")
        return data

    async def list_channels(self) -> list[LocalChannel]:
        return [
            _local_channel(c) for c in await self._raw_channels() if c.get("state") in ("active", "inactive")
        ]

    async def closed_channels(self) -> list[ClosedChannel]:
        # LNbits lists closed channels without close height or settled balance.
        raise _missing(Capability.CLOSED_CHANNELS)

    async def _channel_fees(self, chan_id: int) -> tuple[int, int]:
        data = await self._node("GET", f"/channels/{chan_id}")
        if data is None:
            raise BackendNotFound(f"LNbits knows no channel {chan_id}")
        obj = _obj(data, "channel")
        return wire.as_int(obj, "fee_base_msat"), wire.as_int(obj, "fee_ppm")

    async def fee_report(self) -> FeeReport:
        """Per-channel fees (one node call per channel) and the node's fee sums in sat.

        For LND, LNbits copies LND's sat sums into fields named ``*_msat``; for other funding
        sources they are msat. The backend name tells which.
        """
        fees = []
        for channel in await self.list_channels():
            base, ppm = await self._channel_fees(channel.chan_id)
            fees.append(ChannelFee(channel.chan_id, channel.channel_point, base, ppm))
        info = _obj(await self._node("GET", "/info"), "node info")
        sums = wire.as_obj(info, "fees") or {}
        divisor = 1 if wire.as_str(info, "backend_name") == "LND" else 1000
        return FeeReport(
            channels=tuple(fees),
            day_fee_sum_sat=_fee_sum(sums, "daily_msat", divisor),
            week_fee_sum_sat=_fee_sum(sums, "weekly_msat", divisor),
            month_fee_sum_sat=_fee_sum(sums, "monthly_msat", divisor),
        )

    async def list_peers(self) -> list[str]:
        data = await self._node("GET", "/peers")
        if not isinstance(data, list):
            raise wire.MalformedResponse("LNbits /peers: expected a list")
        return [wire.as_str(p, "id") for p in data if isinstance(p, Mapping)]

    async def update_channel_policy(self, channel_point: str, policy: RoutingPolicy) -> PolicyUpdateResult:
        """Set base fee and fee rate; refuse what LNbits cannot send instead of dropping it."""
        if policy.inbound_base_fee_msat or policy.inbound_fee_rate_ppm:
            raise CapabilityMissing(
                f"LNbits cannot set inbound fees ({Capability.UPDATE_INBOUND_FEES.value} missing)"
            )
        chan_id = await self._chan_id_of(channel_point)
        body = {"fee_ppm": policy.fee_rate_ppm, "fee_base_msat": policy.base_fee_msat}
        try:
            await self._node("PUT", f"/channels/{chan_id}", body=body)
        except BackendNotFound as exc:
            raise PolicyUpdateFailed(str(exc), reason="UPDATE_FAILURE_NOT_FOUND") from None
        base, ppm = await self._channel_fees(chan_id)
        # LNbits reads back only the fees: the other fields are listed as unverified, so the
        # result never claims a verification it could not make.
        read_back = replace(policy, base_fee_msat=base, fee_rate_ppm=ppm)
        return PolicyUpdateResult(
            channel_point=channel_point,
            sent=policy,
            read_back=read_back,
            mismatches=wire.policy_mismatches(policy, read_back, LNBITS_COMPARED_FIELDS),
            unverified_fields=tuple(f for f in POLICY_FIELDS if f not in LNBITS_COMPARED_FIELDS),
        )

    async def _chan_id_of(self, channel_point: str) -> int:
        parse_channel_point(channel_point)
        for channel in await self.list_channels():
            if channel.channel_point == channel_point:
                return channel.chan_id
        raise BackendNotFound(f"LNbits lists no open channel with channel point {channel_point}")

    async def add_invoice(self, value_msat: int, memo: str, expiry_s: int = 3600) -> Invoice:
        if value_msat <= 0 or value_msat % 1000:
            raise InvalidInputError(f"LNbits invoices are in whole sat; got {value_msat} msat")
        body = {"out": False, "amount": value_msat // 1000, "memo": memo, "expiry": expiry_s}
        data = _obj(await self._wallet("POST", "/api/v1/payments", body=body, idempotent=False), "invoice")
        return Invoice(
            r_hash_hex=wire.as_str(data, "payment_hash"),
            payment_request=wire.as_str(data, "bolt11") or wire.as_str(data, "payment_request"),
            value_msat=value_msat,
            settled=False,
            memo=memo,
        )

    async def forwarding_history(self, start_s: int, end_s: int) -> list[ForwardingEvent]:
        raise _missing(Capability.FORWARDING_HISTORY)

    async def describe_graph(self) -> bytes:
        raise _missing(Capability.DESCRIBE_GRAPH)

    async def get_node(self, pub_key: str) -> GraphNode:
        raise _missing(Capability.DESCRIBE_GRAPH)

    async def get_edge(self, chan_id: int) -> GraphChannel:
        raise _missing(Capability.DESCRIBE_GRAPH)

    async def get_policy(self, channel_point: str) -> RoutingPolicy:
        # A complete policy needs the time lock and HTLC limits, which LNbits does not report.
        raise _missing(Capability.UPDATE_TIME_LOCK)

    async def pay_self(
        self,
        payment_request: str,
        outgoing_chan_id: int,
        last_hop_pubkey: str,
        fee_limit_msat: int,
        timeout_s: int,
    ) -> PaymentResult:
        raise _missing(Capability.PAY_SELF)


def _missing(capability: Capability) -> CapabilityMissing:
    return CapabilityMissing(f"LNbits backend lacks capability {capability.value!r}")


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise wire.MalformedResponse(f"LNbits {what}: expected a JSON object")
    return data


def _chan_id(channel: Mapping[str, Any]) -> int:
    raw = channel.get("id")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else 0


def _point(channel: Mapping[str, Any]) -> str:
    point = wire.as_obj(channel, "point")
    if point is None:
        return ""
    return f"{wire.as_str(point, 'funding_txid')}:{wire.as_int(point, 'output_index')}"


def _local_channel(channel: Mapping[str, Any]) -> LocalChannel:
    balance = wire.as_obj(channel, "balance") or {}
    return LocalChannel(
        chan_id=_chan_id(channel),
        channel_point=_point(channel),
        remote_pubkey=wire.as_str(channel, "peer_id"),
        capacity_sat=wire.as_int(balance, "total_msat") // 1000,
        local_balance_sat=wire.as_int(balance, "local_msat") // 1000,
        remote_balance_sat=wire.as_int(balance, "remote_msat") // 1000,
        active=channel.get("state") == "active",
    )


def _fee_sum(sums: Mapping[str, Any], key: str, divisor: int) -> int | None:
    """A fee sum LNbits reports, in sat; None when its funding source leaves it out."""
    if sums.get(key) is None:
        return None
    return wire.as_int(sums, key) // divisor
