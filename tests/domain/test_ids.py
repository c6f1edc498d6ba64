from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.domain.graph import GraphChannel, RoutingPolicy
from lnpilot.domain.ids import ShortChannelId, is_pubkey, parse_channel_point
from lnpilot.domain.node import LocalChannel, PendingHtlc, PolicyUpdateResult
from lnpilot.errors import InvalidInputError


def test_known_channel_id() -> None:
    # 770000x1234x1 from a real mainnet channel id layout
    scid = ShortChannelId(770000, 1234, 1)
    assert scid.chan_id == (770000 << 40) | (1234 << 16) | 1
    assert str(ShortChannelId.from_chan_id(scid.chan_id)) == "770000x1234x1"
    assert ShortChannelId.parse("770000x1234x1") == scid
    assert ShortChannelId.parse(str(scid.chan_id)) == scid


@given(st.integers(0, (1 << 24) - 1), st.integers(0, (1 << 24) - 1), st.integers(0, (1 << 16) - 1))
def test_roundtrip(block: int, tx: int, out: int) -> None:
    scid = ShortChannelId(block, tx, out)
    assert ShortChannelId.from_chan_id(scid.chan_id) == scid
    assert ShortChannelId.parse(str(scid)) == scid


@pytest.mark.parametrize("bad", ["", "1x2", "axbxc", "-1", "1x2x70000", str(1 << 64)])
def test_bad_ids(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        ShortChannelId.parse(bad)


def test_pubkey_and_channel_point() -> None:
    assert is_pubkey("02" + "ab" * 32)
    assert not is_pubkey("04" + "ab" * 32) and not is_pubkey("02" + "AB" * 32)
    assert parse_channel_point("ab" * 32 + ":1") == ("ab" * 32, 1)
    for bad in ["xyz:1", "ab" * 32, "zz" * 32 + ":0", "ab" * 32 + ":x"]:
        with pytest.raises(InvalidInputError):
            parse_channel_point(bad)


def test_policy_fee_and_channel_helpers() -> None:
    policy = RoutingPolicy(
        base_fee_msat=1000, fee_rate_ppm=500, time_lock_delta=40, min_htlc_msat=1000, max_htlc_msat=10**9
    )
    assert policy.fee_msat(100_000_000) == 1000 + 50_000
    chan = GraphChannel(
        chan_id=ShortChannelId(700000, 1, 0).chan_id,
        node1="a",
        node2="b",
        capacity_sat=10,
        node1_policy=policy,
        node2_policy=None,
    )
    assert chan.funding_block == 700000 and str(chan.scid) == "700000x1x0"
    assert chan.policy_of("a") is policy and chan.policy_of("b") is None and chan.other("a") == "b"
    with pytest.raises(KeyError):
        chan.policy_of("c")
    with pytest.raises(KeyError):
        chan.other("c")


def test_local_ratio_counts_pending_htlcs() -> None:
    chan = LocalChannel(
        chan_id=1,
        channel_point="ab" * 32 + ":0",
        remote_pubkey="02" + "00" * 32,
        capacity_sat=1_000_000,
        local_balance_sat=300_000,
        remote_balance_sat=500_000,
        active=True,
        pending_htlcs=(
            PendingHtlc(incoming=False, amount_sat=100_000, expiration_height=1),
            PendingHtlc(incoming=True, amount_sat=100_000, expiration_height=1),
        ),
    )
    assert chan.pending_outgoing_sat == 100_000 and chan.pending_incoming_sat == 100_000
    assert chan.local_ratio == pytest.approx(0.3)
    empty = LocalChannel(
        chan_id=2,
        channel_point="",
        remote_pubkey="",
        capacity_sat=0,
        local_balance_sat=0,
        remote_balance_sat=0,
        active=False,
    )
    assert empty.local_ratio == 0.0


def test_policy_update_result_verified_only_when_read_back_matches() -> None:
    policy = RoutingPolicy(1, 2, 40, 1, 2)
    assert PolicyUpdateResult("cp", policy, policy, {}).verified
    assert not PolicyUpdateResult("cp", policy, None, {}).verified
    assert not PolicyUpdateResult("cp", policy, policy, {"fee_rate_ppm": (2, 3)}).verified
