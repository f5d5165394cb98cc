"""The load test's own arithmetic: slots never collide, scenarios move to their slot, the mix cycles, percentiles
and per-call figures are right, and the saturation verdict names what gave out."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
import typer

from offline_kit.load.plan import MIX_SCENARIOS, free_slots, plan_calls, with_slot
from offline_kit.load.report import RunRecord, saturation, summarise
from offline_kit.load.sampler import Sampler
from offline_kit.loadtest import parse_processes
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


def test_the_mix_cycles_through_its_scenarios_and_starts_spread_over_the_ramp() -> None:
    """Twelve mixed calls play the mix twice over, each with its own id, starting evenly over the ramp."""
    plans = plan_calls(load_clinic(SHIPPED_CLINIC_FILE), "mix", 12, ramp_s=6.0, run="t")
    assert [p.scenario_name for p in plans] == list(MIX_SCENARIOS) * 2
    assert len({p.call_id for p in plans}) == 12
    assert [p.start_s for p in plans] == [i * 0.5 for i in range(12)]


def test_processes_are_per_call_or_a_positive_number() -> None:
    """`per-call` means one process per call; a number is a pool; anything else is refused clearly."""
    assert parse_processes("per-call") is None
    assert parse_processes("2") == 2
    for bad in ("0", "two"):
        with pytest.raises(typer.BadParameter):
            parse_processes(bad)


def record(results: list[dict[str, Any]], sampler: Sampler | None = None) -> RunRecord:
    return RunRecord(
        scenario="booking",
        processes=None,
        speed=1.0,
        wall_s=60.0,
        results=results,
        sampler=sampler or Sampler(),
        loop_lag={},
        calls_by_process={},
        active_series=[(0.0, 0), (1.0, 2)],
        process_waits_ms=[],
    )


def test_percentiles_and_summary() -> None:
    """Percentiles interpolate; failed calls are counted but kept out of the latency figures; memory per call is
    the call processes' peak over the peak number of calls, CPU per call minute their CPU over the calls' minutes."""
    assert percentile([], 50) is None
    assert percentile([10.0], 95) == 10.0
    assert percentile([float(v) for v in range(1, 101)], 50) == 50.5
    call = {"greeting_ms": 10.0, "response_ms": [100.0], "tool_ms": [5.0], "barge_in_ms": [3.0]}
    calls = [
        call | {"end_reason": "caller_hung_up", "error": None, "started_at": 0.0, "ended_at": 60.0},
        {"index": 1, "error": "TimeoutError"},
    ]
    sampler = Sampler()
    sampler.machine.cpu_s.append({"call": 30.0, "tool-runner": 3.0})
    sampler.machine.rss_mb.append({"call": 240.0})
    sampler.machine.pss_mb.append({"call": 100.0})
    summary = summarise(record(calls, sampler))
    assert summary["completed"] == 1 and summary["failed"] == 1
    assert summary["greeting_p95_ms"] == 10.0 and summary["tool_round_trip_p99_ms"] == 5.0
    assert summary["barge_in_p95_ms"] == 3.0
    assert summary["peak_rss_mb_per_call"] == 120.0 and summary["peak_pss_mb_per_call"] == 50.0
    assert summary["cpu_s_per_call_minute"] == 30.0
    assert summary["stack_cpu_s_per_call_minute"] == {"tool-runner": 3.0}


def test_saturation_names_the_busy_machine_and_the_late_event_loop() -> None:
    """A machine busy on every core with a late call process loop is reported as both, busiest role first; a machine
    busy with little of it the test's is said to be busy with other work."""
    report = {
        "cores": 2,
        "series": {"cpu_cores": {"call": [1.7] * 10, "simulator": [0.2] * 10}, "busy_cores": [2.0] * 10},
        "per_process": [{"role": "call"}, {"role": "simulator"}],
        "loop_lag_p99_ms_worst": 80.0,
        "machine_busy_cores_p95": 1.98,
        "machine_available_mb_min": None,
    }
    verdict = saturation(report)
    assert verdict["saturated"] == ["cpu", "event_loop_lag"]
    assert "call 1.70" in verdict["why"][0]
    assert saturation(report | {"loop_lag_p99_ms_worst": 5.0, "machine_busy_cores_p95": 0.5})["saturated"] == ["none"]
    elsewhere = report | {"series": {"cpu_cores": {"call": [0.3] * 10}, "busy_cores": [2.0] * 10}}
    assert saturation(elsewhere)["saturated"][:2] == ["cpu", "cpu_outside"]
