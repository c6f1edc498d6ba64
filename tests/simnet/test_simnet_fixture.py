"""The shared ``simnet`` fixture serves real HTTPS with LND's auth."""

from __future__ import annotations

import ssl

import httpx

from lnpilot.simnet.testing import SimnetHandle


def test_fixture_serves_getinfo_over_pinned_tls(simnet: SimnetHandle) -> None:
    headers = {"Grpc-Metadata-macaroon": simnet.macaroon_hex("readonly")}
    with httpx.Client(
        base_url=simnet.url, verify=ssl.create_default_context(cafile=simnet.tls_cert_path), headers=headers
    ) as client:
        info = client.get("/v1/getinfo").json()
    assert info["identity_pubkey"] == simnet.sim.node.pub_key
    assert info["num_active_channels"] + info["num_inactive_channels"] == len(simnet.sim.channels)
    assert simnet.url.startswith("https://127.0.0.1:")
    assert simnet.macaroon_hex() not in repr(simnet)
