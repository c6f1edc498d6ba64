"""Over HTTP too: same seed and the same policy updates give byte-identical histories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lnpilot.simnet.testing import running_simnet
from tests.simnet.support import chan_point_body, client


def _run(lnddir: Path, seed: int) -> list[Any]:
    with running_simnet(lnddir, nodes=150, channels=5, seed=seed) as handle, client(handle) as c:
        channels = c.get("/v1/channels").json()["channels"]
        c.post("/simnet/clock/advance", json={"seconds": 43_200})
        body = {
            "chan_point": chan_point_body(channels[1]["channel_point"]),
            "base_fee_msat": "0",
            "fee_rate_ppm": 2_000,
            "time_lock_delta": 40,
        }
        assert c.post("/v1/chanpolicy", json=body).json() == {"failed_updates": []}
        c.post("/simnet/clock/advance", json={"seconds": 43_200})
        history = c.post("/v1/switch", json={"num_max_events": 50_000}).json()
        return [history, c.get("/v1/channels").json(), c.get("/v1/fees").json()]


def test_same_seed_same_updates_same_history_over_http(tmp_path: Path) -> None:
    first, second = _run(tmp_path / "a", seed=5), _run(tmp_path / "b", seed=5)
    assert first[0]["forwarding_events"], "a day of traffic must forward something"
    assert first == second
    assert _run(tmp_path / "c", seed=6)[0] != first[0]
