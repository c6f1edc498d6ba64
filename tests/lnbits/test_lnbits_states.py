"""LNbits' own states mapped to errors that say what to do (the mapping itself, answer by answer).

The live counterparts (a fresh instance's 307, FakeWallet's 501, a disabled node UI's 503, a wrong
password, an expired token) run against the real LNbits in ``test_lnbits_wallet_api`` and
``test_lnbits_backend_e2e``.
"""

from __future__ import annotations

import httpx
import pytest

from lnpilot.backends.base import AuthenticationError, BackendError, CapabilityMissing, PermissionDenied
from lnpilot.backends.lnbits_errors import LnbitsNodeUiDisabled, LnbitsNotClaimed, lnbits_state_error

URL = "http://127.0.0.1:5000"


def answer(status: int, detail: str = "", location: str | None = None) -> httpx.Response:
    headers = {"location": location} if location else {}
    return httpx.Response(status, json={"detail": detail} if detail else None, headers=headers)


@pytest.mark.parametrize(
    ("what", "response", "kind", "words"),
    [
        ("GET /node/api/v1/info", answer(307, location="/first_install"), LnbitsNotClaimed, "first_install"),
        ("GET /node/api/v1/info", answer(307, location="/elsewhere"), BackendError, "redirect to /elsewhere"),
        ("GET /node/api/v1/info", answer(503, "Not enabled"), LnbitsNodeUiDisabled, "LNBITS_NODE_UI=true"),
        ("GET /node/api/v1/info", answer(501, "no Node API"), CapabilityMissing, "funding source"),
        ("PUT /node/api/v1/channels/1", answer(403, "No super user"), PermissionDenied, "super user"),
        ("POST /api/v1/auth", answer(401, "Invalid credentials."), AuthenticationError, "LNBITS_PASSWORD"),
    ],
)
def test_lnbits_states(what: str, response: httpx.Response, kind: type[Exception], words: str) -> None:
    error = lnbits_state_error(response, what, URL)
    assert isinstance(error, kind) and words in str(error)


@pytest.mark.parametrize(
    ("what", "response"),
    [
        ("GET /node/api/v1/info", answer(500, "boom")),  # generic: transient, retried
        ("GET /api/v1/wallet", answer(503, "down")),  # the wallet API's 503 is an outage
        ("GET /node/api/v1/channels/1", answer(404, "Channel not found")),
    ],
)
def test_other_answers_fall_through_to_the_generic_mapping(what: str, response: httpx.Response) -> None:
    assert lnbits_state_error(response, what, URL) is None


def test_lnbits_wire_shapes() -> None:
    from lnpilot.backends import lnbits_wire as lw
    from lnpilot.backends.lnd_wire import MalformedResponse

    with pytest.raises(MalformedResponse, match="expected a JSON object"):
        lw.obj([1], "node info")
    # A pending channel has neither a short channel id nor a funding outpoint yet.
    pending = lw.local_channel({"id": None, "state": "pending", "peer_id": "02" + "11" * 32})
    assert (pending.chan_id, pending.channel_point, pending.active, pending.capacity_sat) == (0, "", False, 0)
    assert lw.fee_sum({"daily_msat": None}, "daily_msat", 1) is None
    assert lw.fee_sum({"daily_msat": 5000}, "daily_msat", 1000) == 5
