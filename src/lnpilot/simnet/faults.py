"""Injected faults for the LND namespace (``/v1``, ``/v2``); the control surface is never affected.

- ``latency_ms``: added before every LND request, for the next ``latency_requests`` requests
  (omitted: until cleared);
- ``http_5xx`` + ``http_status`` (default 503): the next N LND requests answer that status with
  LND's error body;
- ``drop_connections``: the next N LND requests get their connection closed with no answer;
- ``fail_next_policy_update``: the next ``POST /v1/chanpolicy`` applies nothing and reports
  every targeted channel in ``failed_updates`` with this reason.
Counted faults are consumed one per request; ``DELETE /simnet/faults`` clears everything.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from typing import Any

from lnpilot.simnet.policy import UPDATE_FAILURES

_GRPC_CODE_FOR_STATUS = {500: 2, 501: 12, 502: 14, 503: 14, 504: 4}


class FaultSpecError(ValueError):
    pass


def grpc_code_for(status: int) -> int:
    return _GRPC_CODE_FOR_STATUS.get(status, 2)


@dataclass
class Faults:
    latency_ms: int = 0
    latency_requests: int | None = None
    http_5xx: int = 0
    http_status: int = 503
    drop_connections: int = 0
    fail_next_policy_update: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def configure(self, spec: dict[str, Any]) -> None:
        """Add the faults in ``spec``; raises FaultSpecError on anything malformed."""
        known = {
            "latency_ms",
            "latency_requests",
            "http_5xx",
            "http_status",
            "drop_connections",
            "fail_next_policy_update",
        }
        unknown = set(spec) - known
        if unknown:
            raise FaultSpecError(f"unknown fault(s): {', '.join(sorted(unknown))}")

        def count(name: str) -> int | None:
            value = spec.get(name)
            if value is None:
                return None
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise FaultSpecError(f"{name} must be a non-negative integer")
            return value

        latency, latency_requests = count("latency_ms"), count("latency_requests")
        http_5xx, drops = count("http_5xx"), count("drop_connections")
        status = count("http_status")
        if status is not None and not 500 <= status <= 599:
            raise FaultSpecError("http_status must be a 5xx status")
        reason = spec.get("fail_next_policy_update")
        if reason is not None and reason not in UPDATE_FAILURES:
            raise FaultSpecError(f"fail_next_policy_update must be one of {', '.join(UPDATE_FAILURES)}")
        with self._lock:
            if latency is not None:
                self.latency_ms = latency
                self.latency_requests = latency_requests
            if http_5xx is not None:
                self.http_5xx = http_5xx
            if status is not None:
                self.http_status = status
            if drops is not None:
                self.drop_connections = drops
            if reason is not None:
                self.fail_next_policy_update = reason

    def clear(self) -> None:
        with self._lock:
            self.latency_ms, self.latency_requests = 0, None
            self.http_5xx, self.http_status, self.drop_connections = 0, 503, 0
            self.fail_next_policy_update = None

    def view(self) -> dict[str, Any]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def take_latency_s(self) -> float:
        with self._lock:
            if self.latency_ms <= 0:
                return 0.0
            if self.latency_requests is not None:
                if self.latency_requests <= 0:
                    self.latency_ms, self.latency_requests = 0, None
                    return 0.0
                self.latency_requests -= 1
            return self.latency_ms / 1000

    def take_5xx(self) -> int | None:
        with self._lock:
            if self.http_5xx <= 0:
                return None
            self.http_5xx -= 1
            return self.http_status

    def take_drop(self) -> bool:
        with self._lock:
            if self.drop_connections <= 0:
                return False
            self.drop_connections -= 1
            return True

    def take_policy_failure(self) -> str | None:
        with self._lock:
            reason, self.fail_next_policy_update = self.fail_next_policy_update, None
            return reason
