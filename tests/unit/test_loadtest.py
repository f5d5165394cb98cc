"""The load test's own arithmetic: slots never collide, scenarios move to their slot, percentiles are right."""

from __future__ import annotations

import datetime as dt
import itertools

from offline_kit.loadtest import free_slots, summarise, with_slot
from offline_kit.simulator import load_scenario
from offline_kit.stats import percentile
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE


def test_free_slots_are_distinct_and_inside_opening_hours() -> None:
    """A hundred slots are all different and each one is open at the clinic."""
    clinic = load_clinic(SHIPPED_CLINIC_FILE)
    monday = dt.date(2026, 11, 23)
    slots = list(itertools.islice(free_slots(clinic, monday), 100))
    assert len(set(slots)) == 100
    rules = clinic.booking_rules(dt.datetime(2026, 11, 23, tzinfo=clinic.zone))
    assert all(rules.is_open(day, at) and day > monday for day, at in slots)


def test_with_slot_moves_every_tool_call_and_nothing_else() -> None:
    """Every dated tool call of the booking scenario moves to the slot; what the caller says is unchanged."""
    booking = load_scenario("booking")
    moved = with_slot(booking, dt.date(2030, 1, 7), dt.time(14, 20))
    calls = [step for turn in moved.turns for step in turn.model if hasattr(step, "call")]
    dated = [step.arguments for step in calls if "date" in step.arguments]
    assert dated and all(a["date"] == "2030-01-07" and a["time"] == "14:20" for a in dated)
    assert [t.caller for t in moved.turns] == [t.caller for t in booking.turns]


def test_percentiles_and_summary() -> None:
    """Percentiles interpolate, and failed calls are counted but kept out of the latency figures."""
    assert percentile([], 50) is None
    assert percentile([10.0], 95) == 10.0
    assert percentile([float(v) for v in range(1, 101)], 50) == 50.5
    calls = [
        {"end_reason": "caller_hung_up", "greeting_ms": 10.0, "response_ms": [100.0], "tool_ms": [5.0]},
        {"index": 1, "error": "TimeoutError"},
    ]
    summary = summarise(calls, wall_s=3.0)
    assert summary["completed"] == 1 and summary["failed"] == 1
    assert summary["greeting_p95_ms"] == 10.0 and summary["tool_round_trip_p99_ms"] == 5.0
