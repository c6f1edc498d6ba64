"""One seed over real HTTPS (uvicorn, TLS, macaroons) gives the in-process result exactly."""

from __future__ import annotations

import pytest

from lnpilot.arena.runner import run_one
from tests.arena.conftest import tiny


@pytest.mark.parametrize("strategy", ["lnpilot-balanced", "clboss"])
def test_https_and_in_process_agree(strategy: str) -> None:
    in_process = run_one(tiny(strategy, seed=3))
    over_https = run_one(tiny(strategy, seed=3, transport="https"))
    assert over_https == in_process
    assert in_process.forwards > 0
