from __future__ import annotations

import pytest

from lnpilot.execution import crash
from lnpilot.execution.verify import policy_from, same_policy
from tests.execution.memory_node import policy


def test_crash_point_exits_on_the_nth_arrival(monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[int] = []
    monkeypatch.setattr(crash.os, "_exit", exits.append)
    monkeypatch.setattr(crash, "_arrivals", {})
    monkeypatch.setenv(crash.CRASH_ENV, "sent:2")
    crash.crash_point("logged")
    crash.crash_point("sent")
    assert exits == []
    crash.crash_point("sent")
    assert exits == [crash.CRASH_EXIT_CODE]
    monkeypatch.delenv(crash.CRASH_ENV)
    crash.crash_point("sent")
    assert exits == [crash.CRASH_EXIT_CODE]


def test_policy_helpers() -> None:
    assert policy_from(None) is None and policy_from({"fee_rate_ppm": 1}) is None
    assert same_policy(None, None) and not same_policy(policy(), None)
