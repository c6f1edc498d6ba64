"""simnet's payment requests are real BOLT 11: bech32, tagged fields, a signature by the node key."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.simnet import bolt11
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph

LNBITS_PYTHON = Path(__file__).resolve().parents[2] / ".venv-lnbits" / "bin" / "python"
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _verify(pubkey: bytes, digest: bytes, signature: bytes) -> None:
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pubkey)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    key.verify(utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


@given(seed=st.integers(0, 2**32), message=st.binary(min_size=1, max_size=64))
@settings(max_examples=25, deadline=None)
def test_signatures_verify_under_the_node_key_and_are_low_s(seed: int, message: bytes) -> None:
    key = bolt11.node_private_key(seed)
    digest = hashlib.sha256(message).digest()
    signature = bolt11.sign_recoverable(digest, key)
    _verify(bolt11.public_key(key), digest, signature)
    assert int.from_bytes(signature[32:64], "big") <= bolt11._N // 2
    assert signature[64] in (0, 1, 2, 3)
    assert bolt11.sign_recoverable(digest, key) == signature  # RFC 6979: deterministic


def test_public_key_matches_cryptography() -> None:
    key = bolt11.node_private_key(3)
    theirs = ec.derive_private_key(key, ec.SECP256K1()).public_key()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    assert bolt11.public_key(key) == theirs.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def test_invoice_layout_and_signature() -> None:
    key = bolt11.node_private_key(1)
    request = bolt11.encode_invoice(
        private_key=key,
        payment_hash=b"\x01" * 32,
        payment_secret=b"\x02" * 32,
        amount_msat=2_500_000,
        timestamp_s=1_735_689_600,
        description="rebalance",
        expiry_s=86_400,
        min_final_cltv=40,
    )
    hrp, _, rest = request.rpartition("1")
    assert hrp == "lnbc25u"
    words = [_CHARSET.index(c) for c in rest[:-6]]
    data, sig_words = words[:-104], words[-104:]
    digest = hashlib.sha256(hrp.encode() + bolt11._bytes(data)).digest()
    _verify(bolt11.public_key(key), digest, bolt11._bytes(sig_words)[:64])
    assert (
        bolt11._amount(0) == "" and bolt11._amount(300_000_000) == "3m" and bolt11._amount(1_234) == "12340p"
    )
    assert bolt11._amount(1_200) == "12n"


def test_simulation_invoices_decode_with_lnbits_bolt11() -> None:
    if not LNBITS_PYTHON.exists():
        pytest.skip("the LNbits venv (make .venv-lnbits) is not installed")
    sim = Simulation(generate_graph(40, seed=2), SimConfig(seed=2, channels=2))
    invoice = sim.book.add_invoice(123_456_000, "simnet test")
    script = (
        "import sys, json, bolt11; i = bolt11.decode(sys.argv[1]); "
        "print(json.dumps({'amount_msat': int(i.amount_msat), 'payment_hash': i.payment_hash, "
        "'payee': i.payee, 'description': i.description, 'secret': i.payment_secret}))"
    )
    out = subprocess.run(
        [str(LNBITS_PYTHON), "-c", script, invoice.payment_request],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    decoded = json.loads(out)
    assert decoded["amount_msat"] == 123_456_000
    assert decoded["payment_hash"] == invoice.r_hash.hex()
    assert decoded["payee"] == sim.node.pub_key
    assert decoded["description"] == "simnet test"
    assert decoded["secret"] == invoice.payment_addr.hex()
