from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.notify import EventKind, Throttle, daemon_error
from lnpilot.notify.events import Event

T0 = datetime(2026, 11, 24, tzinfo=UTC)


def _event(key: str, at: datetime) -> Event:
    e = daemon_error(ConnectionError("refused"), at)
    return Event(e.kind, e.severity, e.title, e.body, at, key, e.fields)


def test_an_outage_sends_one_message_then_one_summary_when_the_window_reopens() -> None:
    throttle = Throttle(900)
    admitted = [
        throttle.admit(_event("k", T0 + timedelta(seconds=i / 2)), T0 + timedelta(seconds=i / 2))
        for i in range(1000)
    ]
    assert admitted.count(True) == 1 and admitted[0] is True
    assert throttle.pending() == 999
    assert throttle.due(T0 + timedelta(seconds=899)) == []
    (summary,) = throttle.due(T0 + timedelta(seconds=900))
    assert summary.kind == EventKind.SUPPRESSED_SUMMARY
    assert summary.title == "999 similar events suppressed"
    assert dict(summary.fields)["key"] == "k" and "daemon error in cycle" in summary.body
    assert throttle.due(T0 + timedelta(seconds=901)) == [] and throttle.pending() == 0
    assert throttle.admit(_event("k", T0 + timedelta(seconds=901)), T0 + timedelta(seconds=901))


def test_keys_are_throttled_independently_and_a_quiet_window_needs_no_summary() -> None:
    throttle = Throttle(60)
    assert throttle.admit(_event("a", T0), T0)
    assert throttle.admit(_event("b", T0), T0)
    assert not throttle.admit(_event("a", T0 + timedelta(seconds=10)), T0 + timedelta(seconds=10))
    summaries = throttle.due(T0 + timedelta(seconds=61))
    assert [s.title for s in summaries] == ["1 similar event suppressed"]


def test_zero_window_disables_throttling_and_negative_is_refused() -> None:
    throttle = Throttle(0)
    assert all(throttle.admit(_event("k", T0), T0) for _ in range(5))
    assert throttle.due(T0) == []
    with pytest.raises(ValueError):
        Throttle(-1)


@settings(max_examples=200, deadline=None)
@given(
    window_s=st.integers(min_value=1, max_value=600),
    events=st.lists(
        st.tuples(st.sampled_from("abc"), st.integers(min_value=0, max_value=3600)), max_size=200
    ),
)
def test_nothing_is_lost_and_sends_are_bounded_by_windows(
    window_s: int, events: list[tuple[str, int]]
) -> None:
    """Every event is either sent or counted in exactly one summary; per key, two sends are at least
    one window apart."""
    throttle = Throttle(window_s)
    sent: dict[str, list[int]] = {}
    summarised = 0
    for key, offset in sorted(events, key=lambda e: e[1]):
        now = T0 + timedelta(seconds=offset)
        summarised += sum(int(dict(s.fields)["suppressed"]) for s in throttle.due(now))
        if throttle.admit(_event(key, now), now):
            sent.setdefault(key, []).append(offset)
    end = T0 + timedelta(seconds=3600 + window_s)
    summarised += sum(int(dict(s.fields)["suppressed"]) for s in throttle.due(end))
    assert sum(len(v) for v in sent.values()) + summarised == len(events)
    assert throttle.pending() == 0
    for times in sent.values():
        assert all(b - a >= window_s for a, b in itertools.pairwise(times))
