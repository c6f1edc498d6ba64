"""Helpers for simnet tests: an httpx client pinned to simnet's cert with a chosen macaroon."""

from __future__ import annotations

import base64
import ssl

import httpx

from lnpilot.simnet.testing import SimnetHandle


def client(handle: SimnetHandle, kind: str | None = "admin") -> httpx.Client:
    headers = {"Grpc-Metadata-macaroon": handle.macaroon_hex(kind)} if kind else {}
    context = ssl.create_default_context(cafile=handle.tls_cert_path)
    return httpx.Client(base_url=handle.url, verify=context, headers=headers, timeout=120)


def chan_point_body(channel_point: str) -> dict[str, object]:
    txid, index = channel_point.split(":")
    return {"funding_txid_str": txid, "output_index": int(index)}


def b64_pubkey(pubkey_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(pubkey_hex)).decode()
