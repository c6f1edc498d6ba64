"""Macaroons: every endpoint checks its permission; missing or forged ones get LND's error body."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymacaroons import MACAROON_V2, Macaroon
from pymacaroons.serializers import BinarySerializer

from lnpilot.simnet.auth import PERMISSIONS, MacaroonChecker, MacaroonError, bake, write_macaroons
from lnpilot.simnet.testing import SimnetHandle
from tests.simnet.support import chan_point_body, client

POLICY = {"global": True, "base_fee_msat": "1000", "fee_rate_ppm": 10, "time_lock_delta": 40}


def test_readonly_reads_but_cannot_change_policy_pay_or_invoice(simnet: SimnetHandle) -> None:
    with client(simnet, "readonly") as c:
        assert c.get("/v1/getinfo").status_code == 200
        assert c.get("/v1/channels").status_code == 200
        assert c.post("/v1/switch", json={}).status_code == 200
        for response in (
            c.post("/v1/chanpolicy", json=POLICY),
            c.post("/v2/router/send", json={"payment_request": "x", "timeout_seconds": 5}),
            c.post("/v1/invoices", json={"value": "1000"}),
            c.post("/simnet/clock/advance", json={"seconds": 60}),
        ):
            assert response.status_code == 500
            assert response.json() == {"code": 2, "message": "permission denied", "details": []}
    assert simnet.sim.policy_updates == 0
    assert simnet.sim.book.invoices == []


def test_invoice_macaroon_adds_invoices_only(simnet: SimnetHandle) -> None:
    with client(simnet, "invoice") as c:
        assert c.post("/v1/invoices", json={"value": "1000"}).status_code == 200
        assert c.get("/v1/getinfo").json()["message"] == "permission denied"
        assert c.post("/v1/chanpolicy", json=POLICY).status_code == 500


def test_admin_changes_policy(simnet: SimnetHandle) -> None:
    with client(simnet, "admin") as c:
        point = simnet.sim.channels[0].channel_point
        body = {**POLICY, "global": False, "chan_point": chan_point_body(point)}
        assert c.post("/v1/chanpolicy", json=body).json() == {"failed_updates": []}
    assert simnet.sim.channels[0].policy.fee_rate_ppm == 10


def test_missing_and_forged_macaroons_are_refused(simnet: SimnetHandle) -> None:
    with client(simnet, None) as c:
        missing = c.get("/v1/getinfo")
        other_root = bake(b"\x01" * 32, "admin").hex()
        forged = c.get("/v1/getinfo", headers={"Grpc-Metadata-macaroon": other_root})
        garbage = c.get("/v1/getinfo", headers={"Grpc-Metadata-macaroon": "zz-not-hex"})
    assert missing.status_code == 500
    assert missing.json() == {"code": 2, "message": "expected 1 macaroon, got 0", "details": []}
    assert forged.status_code == 500
    assert forged.json()["message"].startswith("verification failed")
    assert garbage.json()["message"].startswith("unable to decode macaroon")
    assert other_root not in forged.text


def test_widening_the_permissions_breaks_the_signature(tmp_path: Path) -> None:
    root, files = write_macaroons(tmp_path)
    checker = MacaroonChecker(root)
    readonly = BinarySerializer().deserialize_raw(files.readonly.read_bytes())
    ident = readonly.identifier.decode() if isinstance(readonly.identifier, bytes) else readonly.identifier
    widened = Macaroon(
        location="lnd",
        identifier=ident + ",offchain:write",
        key=b"a guess at the root key, not the root key",
        version=MACAROON_V2,
    )
    assert checker.permissions(files.readonly.read_bytes().hex()) == PERMISSIONS["readonly"]
    with pytest.raises(MacaroonError, match="verification failed"):
        checker.require(BinarySerializer().serialize_raw(widened).hex(), "offchain:write")
    assert root.hex() not in repr(checker)


def test_lnddir_files_are_reused_and_private(tmp_path: Path) -> None:
    root, files = write_macaroons(tmp_path)
    first = files.admin.read_bytes()
    again, files_again = write_macaroons(tmp_path)
    assert again == root and files_again.admin.read_bytes() == first
    assert first[:2] == b"\x02\x01"  # v2 binary, like LND's files
    assert files.admin.stat().st_mode & 0o077 == 0
