"""``LnbitsBackend``: our node through LNbits (1.6.x): its wallet API and its node API.

What LNbits can and cannot do is stated in ``capabilities``; a call outside them raises
``CapabilityMissing`` so a decision that needs it is reported as not executable, never dropped.

- Wallet API: ``X-Api-Key`` (invoice key reads and creates invoices).
- Node API (``/node/api/v1``): a user Bearer token from ``POST /api/v1/auth`` (renewed once when
  it expired); setting fees needs the super user. Through LND, LNbits sends ``time_lock_delta: 80``
  on every fee change and cannot set HTLC limits or inbound fees.
- The public graph, and with it our channels' time locks and HTLC limits, come from a configured
  snapshot (``GraphSource``) when there is one: LNbits itself reports neither.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import httpx

from lnpilot.backends import lnbits_wire as lw
from lnpilot.backends import lnd_wire as wire
from lnpilot.backends.base import (
    AuthenticationError,
    BackendNotFound,
    Capability,
    CapabilityMissing,
    PolicyUpdateFailed,
)
from lnpilot.backends.graph_source import GraphSource
from lnpilot.backends.http import (
    DEFAULT_TIMEOUT,
    RetryPolicy,
    Secret,
    check_transport,
    pinned_tls_context,
    send_with_retries,
)
from lnpilot.backends.lnbits_errors import lnbits_state_error
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
POLICY_FIELDS = tuple(f.name for f in fields(RoutingPolicy) if f.name not in ("last_update", "disabled"))
# LNbits' LND node (lnbits/nodes/lndrest.py, set_channel_fee) sends this on every fee change.
LNBITS_TIME_LOCK_DELTA = 80
_UNSENDABLE = ("min_htlc_msat", "max_htlc_msat", "inbound_base_fee_msat", "inbound_fee_rate_ppm")


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
        graph_source: GraphSource | None = None,
        allow_time_lock_reset: bool = False,
        clock: Callable[[], float] = time.time,
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
        self.graph_source = graph_source
        self.allow_time_lock_reset = allow_time_lock_reset
        self._clock = clock
        self._pub_key: str | None = None
        # chan_id -> when lnpilot changed its fees through LNbits, which set the time lock to 80:
        # newer than any snapshot taken before, so it wins over the snapshot's time lock.
        self._time_lock_reset_at: dict[int, float] = {}

    def __repr__(self) -> str:
        return f"LnbitsBackend({self._base_url!r})"

    # The graph comes from a snapshot that may lag our own fee changes: views read our fees live.
    graph_is_live = False

    @property
    def capabilities(self) -> frozenset[Capability]:
        if self.graph_source is not None:
            return LNBITS_CAPABILITIES | {Capability.DESCRIBE_GRAPH}
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
        what = f"{method} {path}"

        async def send() -> httpx.Response:
            response = await self._client.request(method, path, json=body, headers=dict(headers))
            if not response.is_success:
                state = lnbits_state_error(response, what, self._base_url)
                if state is not None:
                    raise state
            return response

        response = await send_with_retries(
            send,
            what,
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
        fresh = self._token is None
        if fresh:
            await self.login()
        for attempt in (1, 2):
            assert self._token is not None
            headers = {"Authorization": f"Bearer {self._token.reveal()}"}
            try:
                return await self._call(
                    method, f"/node/api/v1{path}", headers=headers, idempotent=idempotent, body=body
                )
            except AuthenticationError:
                if fresh or attempt == 2:
                    raise
                # LNbits' tokens expire (LNBITS_AUTH_TOKEN_EXPIRE_MINUTES): log in again, once.
                log.info("lnbits_token_renewed", path=path)
                await self.login()
        raise AssertionError("unreachable")  # pragma: no cover

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
        return wire.as_int(lw.obj(data, "wallet"), "balance")

    async def get_info(self) -> NodeInfo:
        data = lw.obj(await self._node("GET", "/info"), "node info")
        self._pub_key = wire.as_str(data, "id")
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
            lw.local_channel(c)
            for c in await self._raw_channels()
            if c.get("state") in ("active", "inactive")
        ]

    async def closed_channels(self) -> list[ClosedChannel]:
        # LNbits lists closed channels without close height or settled balance.
        raise lw.missing(Capability.CLOSED_CHANNELS)

    async def _channel_fees(self, chan_id: int) -> tuple[int, int]:
        data = await self._node("GET", f"/channels/{chan_id}")
        if data is None:
            raise BackendNotFound(f"LNbits knows no channel {chan_id}")
        obj = lw.obj(data, "channel")
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
        info = lw.obj(await self._node("GET", "/info"), "node info")
        sums = wire.as_obj(info, "fees") or {}
        divisor = 1 if wire.as_str(info, "backend_name") == "LND" else 1000
        return FeeReport(
            channels=tuple(fees),
            day_fee_sum_sat=lw.fee_sum(sums, "daily_msat", divisor),
            week_fee_sum_sat=lw.fee_sum(sums, "weekly_msat", divisor),
            month_fee_sum_sat=lw.fee_sum(sums, "monthly_msat", divisor),
        )

    async def list_peers(self) -> list[str]:
        data = await self._node("GET", "/peers")
        if not isinstance(data, list):
            raise wire.MalformedResponse("LNbits /peers: expected a list")
        return [wire.as_str(p, "id") for p in data if isinstance(p, Mapping)]

    async def update_channel_policy(self, channel_point: str, policy: RoutingPolicy) -> PolicyUpdateResult:
        """Send base fee and fee rate only (what LNbits' node API takes), then read the fees back.

        Refused before anything is sent: a change to a field LNbits cannot send (HTLC limits,
        inbound fees), and, unless ``allow_time_lock_reset``, any change on a channel whose known
        time lock is not the 80 LNbits forces. The result compares the fees and names every other
        field as unverified; their ``read_back`` values are what the node holds as far as known
        (80 for the time lock, the snapshot's HTLC limits), not observations.
        """
        current = await self.get_policy(channel_point)  # says why when the policy is not known
        chan_id = await self._chan_id_of(channel_point)
        unsendable = [f for f in _UNSENDABLE if getattr(policy, f) != getattr(current, f)]
        if unsendable:
            message = f"LNbits cannot set {', '.join(unsendable)} (it sends only the base fee and fee rate)"
            raise PolicyUpdateFailed(message, reason=message)
        if current.time_lock_delta != LNBITS_TIME_LOCK_DELTA and not self.allow_time_lock_reset:
            message = (
                f"LNbits would reset the time lock of channel {chan_id} from {current.time_lock_delta} to "
                f"{LNBITS_TIME_LOCK_DELTA}; set lnbits.allow_time_lock_reset = true to allow that"
            )
            raise PolicyUpdateFailed(message, reason=message)
        body = {"fee_ppm": policy.fee_rate_ppm, "fee_base_msat": policy.base_fee_msat}
        log.info("lnbits_set_fees", chan_id=chan_id, **body, time_lock_from=current.time_lock_delta)
        try:
            await self._node("PUT", f"/channels/{chan_id}", body=body)
        except BackendNotFound as exc:
            raise PolicyUpdateFailed(str(exc), reason="UPDATE_FAILURE_NOT_FOUND") from None
        self._time_lock_reset_at[chan_id] = self._clock()
        base, ppm = await self._channel_fees(chan_id)
        read_back = replace(
            current,
            base_fee_msat=base,
            fee_rate_ppm=ppm,
            time_lock_delta=LNBITS_TIME_LOCK_DELTA,
            last_update=int(self._clock()),
        )
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
        data = lw.obj(await self._wallet("POST", "/api/v1/payments", body=body, idempotent=False), "invoice")
        return Invoice(
            r_hash_hex=wire.as_str(data, "payment_hash"),
            payment_request=wire.as_str(data, "bolt11") or wire.as_str(data, "payment_request"),
            value_msat=value_msat,
            settled=False,
            memo=memo,
        )

    async def forwarding_history(self, start_s: int, end_s: int) -> list[ForwardingEvent]:
        raise lw.missing(Capability.FORWARDING_HISTORY)

    def _graph(self) -> GraphSource:
        if self.graph_source is None:
            raise CapabilityMissing(
                f"LNbits backend lacks capability {Capability.DESCRIBE_GRAPH.value!r}: LNbits has no graph "
                "API; configure a snapshot source (lnbits.graph_source: a describegraph file or URL)"
            )
        return self.graph_source

    async def describe_graph(self) -> bytes:
        return await self._graph().raw()

    async def get_node(self, pub_key: str) -> GraphNode:
        return await self._graph().node(pub_key)

    async def get_edge(self, chan_id: int) -> GraphChannel:
        return await self._graph().edge(chan_id)

    async def get_policy(self, channel_point: str) -> RoutingPolicy:
        """Our policy: the fees live from LNbits, the rest from the graph snapshot.

        LNbits reports no time lock or HTLC limits, so without a snapshot that lists the channel
        the policy is not known and this says why (``CapabilityMissing``).
        """
        if self.graph_source is None:
            raise CapabilityMissing(
                f"LNbits reports only the fees of channel {channel_point}, not its time lock or HTLC "
                "limits; configure lnbits.graph_source (a describegraph snapshot) to complete the policy"
            )
        chan_id = await self._chan_id_of(channel_point)
        if self._pub_key is None:
            await self.get_info()
        assert self._pub_key is not None
        known = await self.graph_source.policy_of(chan_id, self._pub_key)
        if known is None:
            raise CapabilityMissing(
                f"LNbits reports only the fees of channel {chan_id}, and the graph snapshot "
                f"{self.graph_source.location} has no policy of ours on it (too young, or private)"
            )
        base, ppm = await self._channel_fees(chan_id)
        time_lock = known.time_lock_delta
        reset_at = self._time_lock_reset_at.get(chan_id)
        if reset_at is not None and known.last_update < reset_at:
            time_lock = LNBITS_TIME_LOCK_DELTA  # we changed it through LNbits after the snapshot
        return replace(known, base_fee_msat=base, fee_rate_ppm=ppm, time_lock_delta=time_lock)

    async def pay_self(
        self,
        payment_request: str,
        outgoing_chan_id: int,
        last_hop_pubkey: str,
        fee_limit_msat: int,
        timeout_s: int,
    ) -> PaymentResult:
        raise lw.missing(Capability.PAY_SELF)
