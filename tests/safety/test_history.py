from __future__ import annotations

import json

import pytest

from lnpilot.errors import InvalidInputError
from lnpilot.safety import ValidationHistory
from tests.decisions.view_builders import DAY, NOW


def test_record_returns_a_new_value() -> None:
    empty = ValidationHistory()
    one = empty.record(7, NOW - 100)
    two = one.record(7, NOW - 300).record(8, NOW)
    assert empty.last_change(7) is None
    assert one.last_change(7) == NOW - 100
    assert two.channel_changes[7] == (NOW - 300, NOW - 100)
    assert two.channel_count_since(7, NOW - 200) == 1
    assert two.node_count_since(NOW - 1000) == 3


def test_from_events_matches_recording() -> None:
    events = [(1, NOW - 5), (2, NOW - 50), (1, NOW - 500)]
    recorded = ValidationHistory()
    for chan_id, at in events:
        recorded = recorded.record(chan_id, at)
    assert ValidationHistory.from_events(events) == recorded
    assert hash(ValidationHistory.from_events(events)) == hash(recorded)
    assert recorded != "history"


def test_round_trip_through_json() -> None:
    history = ValidationHistory.from_events([(1, NOW - 5), (2**63, NOW - 50)])
    again = ValidationHistory.from_dict(json.loads(json.dumps(history.to_dict())))
    assert again == history


def test_pruned_keeps_the_last_day() -> None:
    history = ValidationHistory.from_events([(1, NOW - 2 * DAY), (1, NOW - 10), (2, NOW - 3 * DAY)])
    pruned = history.pruned(NOW)
    assert dict(pruned.channel_changes) == {1: (NOW - 10,)}
    assert pruned.node_changes == (NOW - 10,)


@pytest.mark.parametrize(
    "data", [{}, {"channel_changes": {"x": [1]}, "node_changes": []}, {"channel_changes": 3}]
)
def test_malformed_history_is_a_typed_error(data: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match="malformed validation history"):
        ValidationHistory.from_dict(data)
