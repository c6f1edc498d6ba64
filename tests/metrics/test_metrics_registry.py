from __future__ import annotations

import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from lnpilot.backends.base import AuthenticationError, BackendUnavailable, PolicyUpdateFailed
from lnpilot.domain.node import ChannelFee, FeeReport, ForwardingEvent
from lnpilot.metrics import Metrics, default_metrics, render


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = render(metrics)
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_two_instances_do_not_collide_and_stay_off_the_global_registry() -> None:
    a, b = Metrics(), Metrics()
    a.record_decision("increase_fees", "balanced", "shadow")
    assert (
        _samples(a)[
            (
                "lnpilot_decisions_total",
                (("mode", "shadow"), ("profile", "balanced"), ("type", "increase_fees")),
            )
        ]
        == 1
    )
    assert not any(name == "lnpilot_decisions_total" for name, _ in _samples(b))
    assert REGISTRY.get_sample_value("lnpilot_decisions_total") is None
    assert isinstance(a.registry, CollectorRegistry) and a.registry is not b.registry


def test_default_metrics_is_one_shared_instance() -> None:
    assert default_metrics() is default_metrics()


def test_unmeasured_timestamps_are_absent_not_zero() -> None:
    now = [1_000.0]
    m = Metrics(clock=lambda: now[0])
    names = {name for name, _ in _samples(m)}
    assert "lnpilot_sync_last_success_timestamp_seconds" not in names
    assert "lnpilot_graph_snapshot_age_seconds" not in names
    assert "lnpilot_graph_snapshot_timestamp_seconds" not in names
    body, _ = render(m)
    assert b"# TYPE lnpilot_graph_snapshot_age_seconds gauge" in body


def test_graph_snapshot_age_follows_the_clock_at_scrape_time() -> None:
    now = [10_000.0]
    m = Metrics(clock=lambda: now[0])
    m.set_graph_snapshot_time(9_400.0)
    assert _samples(m)[("lnpilot_graph_snapshot_age_seconds", ())] == 600.0
    now[0] = 10_060.0
    s = _samples(m)
    assert s[("lnpilot_graph_snapshot_age_seconds", ())] == 660.0
    assert s[("lnpilot_graph_snapshot_timestamp_seconds", ())] == 9_400.0
    now[0] = 9_000.0  # a clock behind the snapshot never yields a negative age
    assert _samples(m)[("lnpilot_graph_snapshot_age_seconds", ())] == 0.0


def test_sync_failure_keeps_the_last_success_timestamp() -> None:
    m = Metrics()
    m.observe_sync(2.5, ok=True, finished_at_s=1_700_000_000.0)
    m.observe_sync(30.0, ok=False, finished_at_s=1_700_000_600.0)
    s = _samples(m)
    assert s[("lnpilot_sync_last_success_timestamp_seconds", ())] == 1_700_000_000.0
    assert s[("lnpilot_sync_duration_seconds_count", (("outcome", "ok"),))] == 1
    assert s[("lnpilot_sync_duration_seconds_count", (("outcome", "error"),))] == 1
    assert s[("lnpilot_sync_duration_seconds_bucket", (("le", "5.0"), ("outcome", "ok")))] == 1
    assert s[("lnpilot_sync_duration_seconds_bucket", (("le", "10.0"), ("outcome", "error")))] == 0


def test_backend_errors_are_labelled_by_stable_code_not_message() -> None:
    m = Metrics()
    m.record_backend_error(BackendUnavailable("connect to 10.0.0.1 failed"))
    m.record_backend_error(BackendUnavailable("timeout after 30 s"))
    m.record_backend_error(PolicyUpdateFailed("refused", reason="x"))
    m.record_backend_error(TimeoutError("raw"))
    m.record_backend_error("tls")
    s = _samples(m)
    assert s[("lnpilot_backend_errors_total", (("kind", "backend-unavailable"),))] == 2
    assert s[("lnpilot_backend_errors_total", (("kind", "policy-update-failed"),))] == 1
    assert s[("lnpilot_backend_errors_total", (("kind", "TimeoutError"),))] == 1
    assert s[("lnpilot_backend_errors_total", (("kind", "tls"),))] == 1
    m.set_backend_up("lnd", False)
    assert _samples(m)[("lnpilot_backend_up", (("backend", "lnd"),))] == 0
    m.set_backend_up("lnd", True)
    assert _samples(m)[("lnpilot_backend_up", (("backend", "lnd"),))] == 1


def test_in_flight_gauge_returns_to_zero_even_when_the_body_raises() -> None:
    m = Metrics()
    with m.transaction_in_flight():
        assert _samples(m)[("lnpilot_transactions_in_flight", ())] == 1
        with m.transaction_in_flight():
            assert _samples(m)[("lnpilot_transactions_in_flight", ())] == 2
    try:
        with m.transaction_in_flight():
            raise RuntimeError("send failed")
    except RuntimeError:
        pass
    assert _samples(m)[("lnpilot_transactions_in_flight", ())] == 0


def test_forwards_revenue_and_fee_report() -> None:
    m = Metrics()
    events = [
        ForwardingEvent(1, 1, 2, 1_001_000, 1_000_000, 1_000),
        ForwardingEvent(2, 2, 1, 500_250, 500_000, 250),
    ]
    assert m.record_forwards(events) == 2
    assert m.record_forwards([]) == 0
    m.set_fee_report(FeeReport((ChannelFee(1, "a" * 64 + ":0", 1000, 100),), 3, 21, 90))
    m.record_rollback("forward_drop")
    m.record_execution("decrease_fees", "live", "verified")
    m.set_daemon_up(True)
    m.record_notification("telegram", ok=True)
    m.record_notification("webhook", ok=False)
    m.record_notification_suppressed("daemon_error")
    m.observe_cycle(12.0, ok=True)
    s = _samples(m)
    assert s[("lnpilot_forwards_total", ())] == 2
    assert s[("lnpilot_routing_fees_msat_total", ())] == 1_250
    assert s[("lnpilot_forwarded_amount_msat_total", ())] == 1_500_000
    assert s[("lnpilot_routing_revenue_sat", (("window", "day"),))] == 3
    assert s[("lnpilot_routing_revenue_sat", (("window", "week"),))] == 21
    assert s[("lnpilot_routing_revenue_sat", (("window", "month"),))] == 90
    assert s[("lnpilot_rollbacks_total", (("reason", "forward_drop"),))] == 1
    assert (
        s[
            (
                "lnpilot_executions_total",
                (("mode", "live"), ("outcome", "verified"), ("type", "decrease_fees")),
            )
        ]
        == 1
    )
    assert s[("lnpilot_daemon_up", ())] == 1
    assert s[("lnpilot_notifications_total", (("channel", "telegram"), ("outcome", "sent")))] == 1
    assert s[("lnpilot_notifications_total", (("channel", "webhook"), ("outcome", "failed")))] == 1
    assert s[("lnpilot_notifications_suppressed_total", (("event", "daemon_error"),))] == 1
    assert s[("lnpilot_cycle_duration_seconds_sum", (("outcome", "ok"),))] == 12.0


def test_render_negotiates_openmetrics() -> None:
    m = Metrics()
    m.set_daemon_up(True)
    body, ctype = render(m)
    assert ctype.startswith("text/plain") and b"lnpilot_daemon_up 1.0" in body
    body, ctype = render(m, accept="application/openmetrics-text; version=1.0.0")
    assert ctype.startswith("application/openmetrics-text") and body.rstrip().endswith(b"# EOF")


def test_timers_record_outcome_and_the_last_success_from_the_clock() -> None:
    now = [1_700_000_000.0]
    m = Metrics(clock=lambda: now[0])
    with m.sync_timer():
        pass
    now[0] += 600
    with pytest.raises(RuntimeError), m.sync_timer():
        raise RuntimeError("node gone")
    with m.cycle_timer():
        pass
    with pytest.raises(ValueError), m.cycle_timer():
        raise ValueError("bad")
    s = _samples(m)
    assert s[("lnpilot_sync_last_success_timestamp_seconds", ())] == 1_700_000_000.0
    assert s[("lnpilot_sync_duration_seconds_count", (("outcome", "ok"),))] == 1
    assert s[("lnpilot_sync_duration_seconds_count", (("outcome", "error"),))] == 1
    assert s[("lnpilot_cycle_duration_seconds_count", (("outcome", "ok"),))] == 1
    assert s[("lnpilot_cycle_duration_seconds_count", (("outcome", "error"),))] == 1


def test_backend_call_marks_up_and_down_and_counts_by_kind() -> None:
    m = Metrics()
    with m.backend_call("lnd"):
        pass
    assert _samples(m)[("lnpilot_backend_up", (("backend", "lnd"),))] == 1
    with pytest.raises(PolicyUpdateFailed), m.backend_call("lnd"):
        raise PolicyUpdateFailed("refused", reason="bad fee")
    assert _samples(m)[("lnpilot_backend_up", (("backend", "lnd"),))] == 1  # the node answered
    with pytest.raises(AuthenticationError), m.backend_call("lnd"):
        raise AuthenticationError("macaroon rejected")
    assert _samples(m)[("lnpilot_backend_up", (("backend", "lnd"),))] == 0
    with pytest.raises(KeyError), m.backend_call("lnd"):
        raise KeyError("not a backend error")
    s = _samples(m)
    assert s[("lnpilot_backend_errors_total", (("kind", "policy-update-failed"),))] == 1
    assert s[("lnpilot_backend_errors_total", (("kind", "backend-authentication"),))] == 1
    assert not any(
        name == "lnpilot_backend_errors_total" and labels == (("kind", "KeyError"),) for name, labels in s
    )


def test_forward_totals_refuse_negative_values() -> None:
    m = Metrics()
    m.record_forward_totals(3, 1500, 3_000_000)
    assert _samples(m)[("lnpilot_routing_fees_msat_total", ())] == 1500
    with pytest.raises(ValueError):
        m.record_forward_totals(-1, 0, 0)
