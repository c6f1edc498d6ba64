"""A test-only hook that kills the process at a named step, to prove the log survives crashes.

``LNPILOT_CRASH_AT=<step>:<n>`` makes the n-th arrival (1-based) at ``<step>`` end the process
with ``os._exit`` (no cleanup, no flush: the closest thing to a power cut short of SIGKILL).
Unset in every real run; reading one environment variable per step costs nothing.
"""

from __future__ import annotations

import os

CRASH_ENV = "LNPILOT_CRASH_AT"
CRASH_EXIT_CODE = 97

# The steps of one real policy change, in order; the kill test walks every one of them.
STEPS = ("opened", "logged", "sent", "marked", "closed")

_arrivals: dict[str, int] = {}


def crash_point(step: str) -> None:
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    want_step, _, want_n = spec.partition(":")
    if want_step != step:
        return
    _arrivals[step] = _arrivals.get(step, 0) + 1
    if _arrivals[step] == int(want_n or "1"):
        os._exit(CRASH_EXIT_CODE)
