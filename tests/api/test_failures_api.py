"""GET /v1/failures: failed forwards per channel from the stored HTLC events, gaps reported."""

from __future__ import annotations

from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.htlc import HtlcEvent
from lnpilot.domain.node import LocalChannel
from tests.api.conftest import Api

_NS = 1_000_000_000
CHAN = 5 << 40


# LND's (wire_failure, failure_detail) of each kind (htlcswitch/link.go, switch.go)
WIRE = {
    "INSUFFICIENT_BALANCE": ("TEMPORARY_CHANNEL_FAILURE", "INSUFFICIENT_BALANCE"),
    "fee": ("FEE_INSUFFICIENT", "NO_DETAIL"),
    "time_lock": ("INCORRECT_CLTV_EXPIRY", "NO_DETAIL"),
    "inactive": ("UNKNOWN_NEXT_PEER", "NO_DETAIL"),
    "other": ("TEMPORARY_CHANNEL_FAILURE", "HTLC_EXCEEDS_MAX"),
}


def _fail(at_s: int, htlc: int, detail: str = "INSUFFICIENT_BALANCE") -> HtlcEvent:
    wire_failure, failure_detail = WIRE[detail]
    return HtlcEvent(
        timestamp_ns=at_s * _NS,
        kind="link_fail",
        event_type="FORWARD",
        incoming_chan_id=7 << 40,
        outgoing_chan_id=CHAN,
        incoming_htlc_id=htlc,
        outgoing_htlc_id=0,
        incoming_amt_msat=2_002_000,
        outgoing_amt_msat=2_000_000,
        wire_failure=wire_failure,
        failure_detail=failure_detail,
        failure_string="insufficient bandwidth to route htlc",
    )


async def _seed(api: Api) -> None:
    channel = LocalChannel(CHAN, "ab" * 32 + ":0", "02" + "c" * 64, 2_000_000, 10, 1_999_990, True)
    policy = RoutingPolicy(base_fee_msat=1_000, fee_rate_ppm=500, time_lock_delta=80, min_htlc_msat=1,
                           max_htlc_msat=10**9)  # fmt: skip
    async with api.services.store.unit_of_work() as uow:
        await uow.channels.record_open([channel], 100)
        await uow.policies.add(CHAN, PolicyChange(100, None, policy, "initial"))
        window = await uow.htlc.open_window(100)
        await uow.htlc.add_failures([_fail(200, 1), _fail(300, 2), _fail(400, 3, "fee")])
        others = [_fail(401, 4, "time_lock"), _fail(402, 5, "inactive"), _fail(403, 6, "other")]
        await uow.htlc.add_failures(others)
        await uow.htlc.extend_window(window, 500)
        await uow.htlc.close_window(window, 500, "stopped")


async def test_failures_per_channel_with_missed_fees_and_the_gap(api: Api) -> None:
    await _seed(api)
    body = (await api.client.get("/v1/failures", params={"since": 100, "until": 1_000})).json()
    assert body["known"] is True and body["covered_s"] == 400 and body["gap_s"] == 500
    (row,) = body["channels"]
    # Two liquidity failures of 2,000,000 msat at 1,000 msat + 500 ppm: 2 x 2,000 msat. The fee,
    # time-lock, inactive and other failures are counted by kind and never priced.
    kinds = {"liquidity": 2, "fee": 1, "time_lock": 1, "inactive": 1, "other": 1}
    assert row == {
        "chan_id": str(CHAN),
        "failed_for_liquidity": 2,
        "failed_other": 4,
        "failed_by_kind": kinds,
        "missed_fees_msat": 4_000,
    }
    assert body["totals_by_kind"] == kinds


async def test_an_uncovered_window_is_unknown_not_zero(api: Api) -> None:
    await _seed(api)
    body = (await api.client.get("/v1/failures", params={"since": 600, "until": 700})).json()
    assert body == {"since": 600, "until": 700, "known": False, "covered_s": 0, "gap_s": 100,
                    "totals_by_kind": None, "channels": []}  # fmt: skip
    bad = await api.client.get("/v1/failures", params={"since": 10, "until": 10})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
