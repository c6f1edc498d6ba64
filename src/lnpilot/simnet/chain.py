"""simnet's chain: our wallet's transactions, channel closes and what they cost.

Every channel we opened has a funding transaction whose miner fee our wallet paid. A close takes
the channel out of routing at once, sits in ``waiting_close`` until its transaction confirms
(``CLOSE_CONFIRM_BLOCKS``), then moves to the closed list with our balance (minus the fee, when
we initiated) back in the wallet. Fees are charged to us in full and kept as ground truth
(``onchain_fees_sat``), so an accounting built from LND's answers can be checked to the sat.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from lnpilot.simnet.policy import RpcError

if TYPE_CHECKING:
    from lnpilot.simnet.state import SimChannel


class _ChainConfig(Protocol):
    @property
    def seed(self) -> int: ...


class Simulation(Protocol):
    """What the chain reads of ``engine.Simulation`` (which imports this module: the arrow points
    one way, so this module names the engine only through this protocol)."""

    @property
    def config(self) -> _ChainConfig: ...
    @property
    def channels(self) -> list[SimChannel]: ...
    @property
    def now_s(self) -> int: ...
    @property
    def block_height(self) -> int: ...
    def block_time_s(self, height: int) -> int: ...
    def invalidate_graph(self) -> None: ...


FUNDING_VBYTES = 154  # one P2WPKH input, a P2WSH funding output and change
COOP_CLOSE_VBYTES = 200  # a two-output cooperative close
FORCE_SWEEP_VBYTES = 110  # sweeping our to_local output after the CSV delay
CLOSE_CONFIRM_BLOCKS = 1
FORCE_CSV_BLOCKS = 144
FUNDING_FEE_RATES = (2, 4, 8, 12, 20)  # sat/vB, drawn per channel from the seed
# A force close takes no fee rate (LND: "force closing a channel uses a pre-defined fee"): the
# commitment carries its own fee and LND's sweeper prices the sweep from its fee estimator.
# simnet has no estimator, so the sweep is charged this fixed rate (docs/simnet.md).
FORCE_SWEEP_SAT_PER_VBYTE = 10


def _txid(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainTx:
    tx_hash: str
    amount_sat: int  # signed, from our wallet's point of view
    total_fees_sat: int
    block_height: int
    time_stamp_s: int
    label: str


@dataclass(slots=True)
class Closing:
    channel: SimChannel
    closing_txid: str
    force: bool
    fee_sat: int
    fee_per_vbyte: int
    started_at_s: int
    confirm_height: int


@dataclass(frozen=True, slots=True)
class ClosedSummary:
    channel: SimChannel
    closing_txid: str
    close_height: int
    settled_balance_sat: int
    close_type: str
    closed_at_s: int


@dataclass
class SimChain:
    sim: Simulation
    txs: list[ChainTx] = field(default_factory=list)
    closing: dict[str, Closing] = field(default_factory=dict)
    closed: list[ClosedSummary] = field(default_factory=list)

    def __post_init__(self) -> None:
        for ch in self.sim.channels:
            if not ch.initiator:
                continue
            digest = hashlib.sha256(f"{self.sim.config.seed}:{ch.channel_point}".encode()).digest()
            rate = FUNDING_FEE_RATES[digest[0] % len(FUNDING_FEE_RATES)]
            fee = rate * FUNDING_VBYTES
            height = self.sim.block_height - 1  # built at the start: opened before it
            txid = ch.channel_point.split(":", 1)[0]
            self.txs.append(
                ChainTx(txid, -(ch.capacity_sat + fee), fee, height, ch.opened_at_s, "0:openchannel")
            )

    @property
    def onchain_fees_sat(self) -> int:
        return sum(t.total_fees_sat for t in self.txs)

    def is_closing_or_closed(self, ch: SimChannel) -> bool:
        return ch.channel_point in self.closing or any(c.channel is ch for c in self.closed)

    def close(self, ch: SimChannel, *, force: bool, sat_per_vbyte: int | None) -> Closing:
        """Start closing ``ch`` (callers hold the simulation's lock)."""
        if self.is_closing_or_closed(ch):
            raise RpcError(2, f"channel {ch.channel_point} is already closing")
        now, height = self.sim.now_s, self.sim.block_height
        if force:
            if sat_per_vbyte:
                raise RpcError(2, "force closing a channel uses a pre-defined fee")
            rate = FORCE_SWEEP_SAT_PER_VBYTE
            # The commitment's fee left our balance when the channel opened; we pay the sweep.
            fee = rate * FORCE_SWEEP_VBYTES
            confirm = height + FORCE_CSV_BLOCKS
        else:
            if not ch.active:
                raise RpcError(14, "unable to close: peer is offline (use force)")
            if not sat_per_vbyte or sat_per_vbyte <= 0:
                raise RpcError(3, "a cooperative close needs sat_per_vbyte > 0")
            rate = sat_per_vbyte
            fee = rate * COOP_CLOSE_VBYTES if ch.initiator else 0
            confirm = height + CLOSE_CONFIRM_BLOCKS
        closing = Closing(ch, _txid("close", ch.channel_point, now), force, fee, rate, now, confirm)
        self.closing[ch.channel_point] = closing
        ch.closing = True
        ch.active = False
        self.sim.invalidate_graph()
        return closing

    def settle(self) -> None:
        """Confirm every close whose height has come (reads call this, so no engine hook)."""
        height = self.sim.block_height
        for point, c in list(self.closing.items()):
            if height < c.confirm_height:
                continue
            del self.closing[point]
            ch = c.channel
            settled = max(0, ch.local_sat - c.fee_sat)
            at_s = max(c.started_at_s, self.sim.block_time_s(c.confirm_height))
            kind = "FORCE_CLOSE" if c.force else "COOPERATIVE_CLOSE"
            self.closed.append(ClosedSummary(ch, c.closing_txid, c.confirm_height, settled, kind, at_s))
            self.txs.append(
                ChainTx(c.closing_txid, settled, c.fee_sat, c.confirm_height, at_s, "0:closechannel")
            )
            ch.local_msat = 0
            ch.remote_msat = 0

    def truth(self) -> dict[str, object]:
        self.settle()
        return {
            "onchain_fees_sat": self.onchain_fees_sat,
            "transactions": [
                {
                    "tx_hash": t.tx_hash,
                    "amount_sat": t.amount_sat,
                    "total_fees_sat": t.total_fees_sat,
                    "time_stamp": t.time_stamp_s,
                    "label": t.label,
                }
                for t in self.txs
            ],
            "closing": sorted(self.closing),
            "closed": [c.channel.channel_point for c in self.closed],
        }
