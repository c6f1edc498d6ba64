"""A loopback HTTPS server that answers like LND REST for the calls the client makes, with faults.

Used for the client's unit and fault tests where exact control over each answer matters (a
dropped connection on the third request, a 503 burst). The end-to-end tests run against simnet.
It speaks HTTP/1.1 directly on asyncio streams so that a fault can be a closed socket.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.backends.tls_helpers import write_self_signed

OUR_PUB = "02" + "11" * 32
PEER_PUB = "03" + "22" * 32
TXID = "ab" * 32
CHAN_ID = (800_000 << 40) | (5 << 16) | 1
CHANNEL_POINT = f"{TXID}:1"
PERMISSION_DENIED = {"code": 2, "message": "permission denied", "details": []}
BAD_MACAROON = {
    "code": 2,
    "message": "verification failed: signature mismatch after caveat verification",
    "details": [],
}


@dataclass
class Fault:
    kind: str  # "status" | "delay" | "drop" | "failed_update"
    status: int = 503
    delay_s: float = 0.0
    reason: str = "UPDATE_FAILURE_PENDING"
    path: str = ""  # only requests whose path starts with this


@dataclass
class FakeLnd:
    admin_hex: str
    readonly_hex: str
    url: str = ""
    cert_path: Path = Path()
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    policy: dict[str, Any] = field(
        default_factory=lambda: {
            "time_lock_delta": 80,
            "min_htlc": "1000",
            "fee_base_msat": "1000",
            "fee_rate_milli_msat": "100",
            "disabled": False,
            "max_htlc_msat": "4950000000",
            "last_update": 1_700_000_000,
            "inbound_fee_base_msat": 0,
            "inbound_fee_rate_milli_msat": 0,
        }
    )
    forwards: int = 2500
    ignore_updates: bool = False
    payment_status: str = "SUCCEEDED"

    def _fault_for(self, path: str) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if path.startswith(fault.path):
                return self.faults.pop(i)
        return None

    async def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; False when the connection was dropped."""
        data = json.loads(body) if body else None
        self.requests.append((method, path, data))
        fault = self._fault_for(path)
        if fault and fault.kind == "drop":
            writer.close()
            return False
        if fault and fault.kind == "delay":
            await asyncio.sleep(fault.delay_s)
        if fault and fault.kind == "status":
            await _send(
                writer, fault.status, {"code": 14, "message": "transient fault injected", "details": []}
            )
            return True
        macaroon = headers.get("grpc-metadata-macaroon", "")
        if macaroon not in (self.admin_hex, self.readonly_hex):
            await _send(writer, 500, BAD_MACAROON)
            return True
        writes = path.startswith(("/v1/chanpolicy", "/v1/invoices", "/v2/router/send"))
        if writes and macaroon != self.admin_hex:
            await _send(writer, 500, PERMISSION_DENIED)
            return True
        status, answer = self.route(method, path, data, fault)
        await _send(writer, status, answer)
        return True

    def route(self, method: str, path: str, data: Any, fault: Fault | None) -> tuple[int, Any]:
        route = path.split("?")[0]
        if route == "/v1/getinfo":
            return 200, {
                "identity_pubkey": OUR_PUB,
                "alias": "fake",
                "num_active_channels": 1,
                "num_peers": 1,
                "block_height": 870_000,
                "synced_to_chain": True,
                "version": "0.18",
            }
        if route == "/v1/channels":
            return 200, {
                "channels": [
                    {
                        "active": True,
                        "remote_pubkey": PEER_PUB,
                        "channel_point": CHANNEL_POINT,
                        "chan_id": str(CHAN_ID),
                        "capacity": "5000000",
                        "local_balance": "2500000",
                        "remote_balance": "2490000",
                        "uptime": "100",
                        "lifetime": "200",
                    }
                ]
            }
        if route == "/v1/channels/closed":
            return 200, {"channels": []}
        if route == "/v1/fees":
            return 200, {
                "channel_fees": [
                    {
                        "chan_id": str(CHAN_ID),
                        "channel_point": CHANNEL_POINT,
                        "base_fee_msat": self.policy["fee_base_msat"],
                        "fee_per_mil": self.policy["fee_rate_milli_msat"],
                    }
                ],
                "day_fee_sum": "1",
                "week_fee_sum": "2",
                "month_fee_sum": "3",
            }
        if route == "/v1/graph":
            return 200, {"nodes": [], "edges": []}
        if route.startswith("/v1/graph/node/"):
            pub = route.rsplit("/", 1)[1]
            if pub not in (OUR_PUB, PEER_PUB):
                return 404, {"code": 5, "message": "unable to find node", "details": []}
            return 200, {"node": {"pub_key": pub, "alias": "n", "addresses": []}}
        if route.startswith("/v1/graph/edge/"):
            if route.rsplit("/", 1)[1] != str(CHAN_ID):
                return 500, {"code": 2, "message": "edge not found", "details": []}
            return 200, {
                "channel_id": str(CHAN_ID),
                "chan_point": CHANNEL_POINT,
                "node1_pub": OUR_PUB,
                "node2_pub": PEER_PUB,
                "capacity": "5000000",
                "node1_policy": self.policy,
                "node2_policy": None,
            }
        if route == "/v1/switch":
            return 200, self.switch(data)
        if route == "/v1/chanpolicy":
            if fault and fault.kind == "failed_update":
                return 200, {
                    "failed_updates": [
                        {
                            "outpoint": {"txid_str": TXID, "output_index": 1},
                            "reason": fault.reason,
                            "update_error": "injected",
                        }
                    ]
                }
            if "fee_rate" in data and "fee_rate_ppm" in data:
                return 500, {"code": 2, "message": "fee_rate and fee_rate_ppm are mutually exclusive"}
            if not self.ignore_updates:
                # Like LND: an omitted fee is 0, an omitted max_htlc is unchanged.
                self.policy = {
                    **self.policy,
                    "fee_base_msat": str(data.get("base_fee_msat", "0")),
                    "fee_rate_milli_msat": str(data.get("fee_rate_ppm", "0")),
                    "time_lock_delta": data.get("time_lock_delta", 0),
                    "inbound_fee_base_msat": data.get("inbound_fee", {}).get("base_fee_msat", 0),
                    "inbound_fee_rate_milli_msat": data.get("inbound_fee", {}).get("fee_rate_ppm", 0),
                }
                if data.get("min_htlc_msat_specified"):
                    self.policy["min_htlc"] = str(data["min_htlc_msat"])
                if data.get("max_htlc_msat") not in (None, "0"):
                    self.policy["max_htlc_msat"] = str(data["max_htlc_msat"])
            return 200, {"failed_updates": []}
        if route == "/v1/invoices":
            return 200, {
                "r_hash": base64.b64encode(b"\x07" * 32).decode(),
                "payment_request": "lnbcrt1fake",
                "add_index": "1",
            }
        if route == "/v2/router/send":
            line = {
                "result": {
                    "payment_hash": "07" * 32,
                    "value_msat": "1000000",
                    "status": self.payment_status,
                    "fee_msat": "250",
                    "failure_reason": "FAILURE_REASON_NONE"
                    if self.payment_status == "SUCCEEDED"
                    else "FAILURE_REASON_NO_ROUTE",
                }
            }
            return 200, b"\n".join(
                json.dumps(x).encode() for x in ({"result": {**line["result"], "status": "IN_FLIGHT"}}, line)
            ) + b"\n"
        return 404, {"code": 5, "message": f"Not Found: {route}", "details": []}

    def switch(self, data: dict[str, Any]) -> dict[str, Any]:
        offset, limit = int(data.get("index_offset", 0)), int(data.get("num_max_events", 100))
        start, end = int(data["start_time"]), int(data["end_time"])
        events = []
        for i in range(offset, min(offset + limit, self.forwards)):
            ts = start + i
            if ts >= end:
                break
            events.append(
                {
                    "timestamp": str(ts),
                    "timestamp_ns": str(ts * 10**9),
                    "chan_id_in": str(CHAN_ID),
                    "chan_id_out": "42",
                    "amt_in_msat": "1001000",
                    "amt_out_msat": "1000000",
                    "fee_msat": "1000",
                }
            )
        return {"forwarding_events": events, "last_offset_index": offset + len(events)}


async def _send(writer: asyncio.StreamWriter, status: int, payload: Any) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + body)
    await writer.drain()


@asynccontextmanager
async def serve_fake_lnd(tmp_dir: Path, admin_hex: str, readonly_hex: str) -> AsyncIterator[FakeLnd]:
    cert, key = write_self_signed(tmp_dir)
    fake = FakeLnd(admin_hex=admin_hex, readonly_hex=readonly_hex, cert_path=cert)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, target, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (raw := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = raw.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if not await fake.handle(method, target, headers, body, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    fake.url = f"https://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.close()
        await server.wait_closed()
