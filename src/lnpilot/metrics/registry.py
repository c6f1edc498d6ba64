"""Every Prometheus metric lnpilot exports, on a registry of its own, behind a small typed facade.

A dedicated ``CollectorRegistry`` (not prometheus-client's global one) lets tests and several apps
in one process each own their metrics without "Duplicated timeseries" errors. Values that have not
been measured yet (last successful sync, graph snapshot time) are absent from the exposition, never
exported as 0: a zero timestamp would claim a sync happened in 1970.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from lnpilot.backends.base import AuthenticationError, BackendError, BackendUnavailable
from lnpilot.domain.node import FeeReport, ForwardingEvent
from lnpilot.errors import LnpilotError

NAMESPACE = "lnpilot"
API_LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Syncs and cycles talk to a node and walk the graph: seconds to minutes.
JOB_DURATION_BUCKETS_S = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
FEE_REPORT_WINDOWS = ("day", "week", "month")


class _OptionalGauge(Collector):
    """A gauge whose sample is absent until a value has been measured."""

    def __init__(self, name: str, documentation: str, value: Callable[[], float | None]) -> None:
        self._name = name
        self._documentation = documentation
        self._value = value

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self._name, self._documentation)
        value = self._value()
        if value is not None:
            family.add_metric([], value)
        yield family


class Metrics:
    """The instruments; one instance per process in production, a fresh one per test.

    ``clock`` returns Unix seconds; it is read at scrape time (the graph snapshot's age) and when a
    ``sync_timer`` block ends (the last successful sync's timestamp).
    """

    def __init__(self, registry: CollectorRegistry | None = None, clock: Callable[[], float] = time.time):
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._clock = clock
        self._last_sync_success_s: float | None = None
        self._graph_snapshot_s: float | None = None
        reg = self.registry
        ns = NAMESPACE

        self.api_auth_failures = Counter(
            "api_auth_failures",
            "API requests that presented an unknown or revoked key.",
            namespace=ns,
            registry=reg,
        )
        self.decisions = Counter(
            "decisions",
            "Decisions taken, by decision type, profile and execution mode.",
            ["type", "profile", "mode"],
            namespace=ns,
            registry=reg,
        )
        self.executions = Counter(
            "executions",
            "Actions the executor finished, by decision type, mode and outcome.",
            ["type", "mode", "outcome"],
            namespace=ns,
            registry=reg,
        )
        self.transactions_in_flight = Gauge(
            "transactions_in_flight",
            "Transactions logged and sent but not yet verified or failed.",
            namespace=ns,
            registry=reg,
        )
        self.rollbacks = Counter(
            "rollbacks", "Policy changes rolled back, by reason.", ["reason"], namespace=ns, registry=reg
        )
        self.backend_errors = Counter(
            "backend_errors",
            "Errors from the node backend, by error kind (stable error code).",
            ["kind"],
            namespace=ns,
            registry=reg,
        )
        self.backend_up = Gauge(
            "backend_up",
            "1 when the last call to the node backend succeeded, 0 when it failed.",
            ["backend"],
            namespace=ns,
            registry=reg,
        )
        self.api_requests = Counter(
            "api_requests",
            "API requests, by route template, method and status code.",
            ["route", "method", "status"],
            namespace=ns,
            registry=reg,
        )
        self.api_request_duration = Histogram(
            "api_request_duration_seconds",
            "API request latency, by route template and method.",
            ["route", "method"],
            namespace=ns,
            registry=reg,
            buckets=API_LATENCY_BUCKETS_S,
        )
        self.sync_duration = Histogram(
            "sync_duration_seconds",
            "Duration of one sync of channels, forwards and policies, by outcome.",
            ["outcome"],
            namespace=ns,
            registry=reg,
            buckets=JOB_DURATION_BUCKETS_S,
        )
        self.cycle_duration = Histogram(
            "cycle_duration_seconds",
            "Duration of one daemon cycle (sync, score, decide, execute).",
            ["outcome"],
            namespace=ns,
            registry=reg,
            buckets=JOB_DURATION_BUCKETS_S,
        )
        self.forwards = Counter(
            "forwards", "Settled forwards seen by sync (each counted once).", namespace=ns, registry=reg
        )
        self.routing_fees = Counter(
            "routing_fees_msat",
            "Routing fees earned by the forwards counted in lnpilot_forwards_total.",
            namespace=ns,
            registry=reg,
        )
        self.forwarded_amount = Counter(
            "forwarded_amount_msat",
            "Amount forwarded (outgoing side) by the forwards counted.",
            namespace=ns,
            registry=reg,
        )
        self.routing_revenue = Gauge(
            "routing_revenue_sat",
            "Routing fees over the node's fee report window (day, week, month).",
            ["window"],
            namespace=ns,
            registry=reg,
        )
        self.daemon_up = Gauge(
            "daemon_up", "1 while the daemon loop runs, 0 once it has stopped.", namespace=ns, registry=reg
        )
        self.notifications = Counter(
            "notifications",
            "Notifications handed to a channel, by channel and outcome (sent, failed).",
            ["channel", "outcome"],
            namespace=ns,
            registry=reg,
        )
        self.notifications_suppressed = Counter(
            "notifications_suppressed",
            "Notifications suppressed by throttling, by event kind.",
            ["event"],
            namespace=ns,
            registry=reg,
        )
        reg.register(
            _OptionalGauge(
                f"{ns}_sync_last_success_timestamp_seconds",
                "Unix time of the end of the last successful sync; absent until one succeeded.",
                lambda: self._last_sync_success_s,
            )
        )
        reg.register(
            _OptionalGauge(
                f"{ns}_graph_snapshot_timestamp_seconds",
                "Unix time the graph snapshot in use was taken; absent until one is loaded.",
                lambda: self._graph_snapshot_s,
            )
        )
        reg.register(
            _OptionalGauge(
                f"{ns}_graph_snapshot_age_seconds",
                "Age of the graph snapshot in use at scrape time; absent until one is loaded.",
                self._graph_snapshot_age_s,
            )
        )

    # Decisions and execution -------------------------------------------------------------------

    def record_decision(self, decision_type: str, profile: str, mode: str) -> None:
        self.decisions.labels(type=decision_type, profile=profile, mode=mode).inc()

    def record_execution(self, decision_type: str, mode: str, outcome: str) -> None:
        self.executions.labels(type=decision_type, mode=mode, outcome=outcome).inc()

    @contextmanager
    def transaction_in_flight(self) -> Iterator[None]:
        """Wrap the span between "sent" and "verified or failed"; the gauge drops even on error."""
        self.transactions_in_flight.inc()
        try:
            yield
        finally:
            self.transactions_in_flight.dec()

    def record_rollback(self, reason: str) -> None:
        self.rollbacks.labels(reason=reason).inc()

    # Backend ----------------------------------------------------------------------------------

    def record_backend_error(self, error: BaseException | str) -> None:
        """Count by the error's stable ``code`` (an lnpilot error) or its class name, never its text:
        messages vary per call and would explode the label's cardinality."""
        if isinstance(error, str):
            kind = error
        elif isinstance(error, LnpilotError):
            kind = error.code
        else:
            kind = type(error).__name__
        self.backend_errors.labels(kind=kind).inc()

    def set_backend_up(self, backend: str, up: bool) -> None:
        self.backend_up.labels(backend=backend).set(1 if up else 0)

    @contextmanager
    def backend_call(self, backend: str) -> Iterator[None]:
        """Wrap a call to the node: success marks the backend up; a backend error is counted by
        kind, and an unreachable or refusing node (not a refused policy or payment) marks it down.
        The error propagates unchanged."""
        try:
            yield
        except BackendError as exc:
            self.record_backend_error(exc)
            if isinstance(exc, BackendUnavailable | AuthenticationError):
                self.set_backend_up(backend, False)
            raise
        self.set_backend_up(backend, True)

    # API ---------------------------------------------------------------------------------------

    def observe_api_request(self, route: str, method: str, status: int, duration_s: float) -> None:
        self.api_requests.labels(route=route, method=method, status=str(status)).inc()
        self.api_request_duration.labels(route=route, method=method).observe(duration_s)

    def record_api_auth_failure(self) -> None:
        self.api_auth_failures.inc()

    # Sync, cycles, graph -----------------------------------------------------------------------

    def observe_sync(self, duration_s: float, ok: bool, finished_at_s: float) -> None:
        """One sync ended at ``finished_at_s`` (Unix seconds) after ``duration_s``."""
        self.sync_duration.labels(outcome="ok" if ok else "error").observe(duration_s)
        if ok:
            self._last_sync_success_s = finished_at_s

    def observe_cycle(self, duration_s: float, ok: bool) -> None:
        self.cycle_duration.labels(outcome="ok" if ok else "error").observe(duration_s)

    @contextmanager
    def sync_timer(self) -> Iterator[None]:
        """Time the block as one sync; it succeeded unless it raised (the error propagates)."""
        started = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.observe_sync(time.perf_counter() - started, ok, finished_at_s=self._clock())

    @contextmanager
    def cycle_timer(self) -> Iterator[None]:
        """Time the block as one daemon cycle; it succeeded unless it raised."""
        started = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.observe_cycle(time.perf_counter() - started, ok)

    def set_graph_snapshot_time(self, taken_at_s: float) -> None:
        """The snapshot in use was taken at ``taken_at_s`` (Unix seconds); its age is derived per scrape."""
        self._graph_snapshot_s = taken_at_s

    def _graph_snapshot_age_s(self) -> float | None:
        if self._graph_snapshot_s is None:
            return None
        return max(0.0, self._clock() - self._graph_snapshot_s)

    # Routing -----------------------------------------------------------------------------------

    def record_forwards(self, events: Iterable[ForwardingEvent]) -> int:
        """Count forwards *newly* stored by sync (after deduplication); returns how many."""
        count = fees_msat = amount_msat = 0
        for event in events:
            count += 1
            fees_msat += event.fee_msat
            amount_msat += event.amt_out_msat
        self.record_forward_totals(count, fees_msat, amount_msat)
        return count

    def record_forward_totals(self, count: int, fees_msat: int, amount_msat: int) -> None:
        """The same, for a caller that has sums rather than events (e.g. from the store)."""
        if count < 0 or fees_msat < 0 or amount_msat < 0:
            raise ValueError("forward totals are counts and amounts: never negative")
        if count:
            self.forwards.inc(count)
            self.routing_fees.inc(fees_msat)
            self.forwarded_amount.inc(amount_msat)

    def set_fee_report(self, report: FeeReport) -> None:
        for window, value in (
            ("day", report.day_fee_sum_sat),
            ("week", report.week_fee_sum_sat),
            ("month", report.month_fee_sum_sat),
        ):
            if value is not None:  # an unreported sum is left absent, not exported as 0
                self.routing_revenue.labels(window=window).set(value)

    # Daemon and notifications ------------------------------------------------------------------

    def set_daemon_up(self, up: bool) -> None:
        self.daemon_up.set(1 if up else 0)

    def record_notification(self, channel: str, ok: bool) -> None:
        self.notifications.labels(channel=channel, outcome="sent" if ok else "failed").inc()

    def record_notification_suppressed(self, event: str) -> None:
        self.notifications_suppressed.labels(event=event).inc()


_default: Metrics | None = None


def default_metrics() -> Metrics:
    """The process-wide instance the API, daemon and executor share."""
    global _default
    if _default is None:
        _default = Metrics()
    return _default
