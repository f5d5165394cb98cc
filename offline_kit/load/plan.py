"""What each call of a load test plays and when it starts: its scenario, moved to a slot of its own."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contracts.clinic import ClinicProfile
    from offline_kit.simulator import Scenario

MIX = "mix"
# Shipped scenarios that need nothing staged in the scheduling backend, so any number can run at once; booking
# (three tools, the most work per call) is half of them, the barge-in scenario a sixth.
MIX_SCENARIOS = ("booking", "interrupt_greeting", "booking", "off_topic", "booking", "emergency")


@dataclass(frozen=True)
class CallPlan:
    """One call: which scenario (as JSON, it crosses into another process), where the simulator plays it for
    this call, and when it starts, in seconds after the run's start."""

    index: int
    call_id: str
    scenario_name: str
    scenario: dict[str, Any]
    start_s: float
    realtime_url: str = ""


def free_slots(clinic: ClinicProfile, after: dt.date) -> Iterator[tuple[dt.date, dt.time]]:
    """Every bookable slot start from the day after `after`, in order."""
    hours = clinic.hours()
    day = after
    while True:
        day += dt.timedelta(days=1)
        for start, end in hours.get(day.isoweekday(), ()):
            at = dt.datetime.combine(day, start)
            while (at + dt.timedelta(minutes=clinic.slot_minutes)).time() <= end:
                yield day, at.time()
                at += dt.timedelta(minutes=clinic.slot_minutes)


def with_slot(scenario: Scenario, day: dt.date, at: dt.time) -> Scenario:
    """The scenario with every tool call's date and time moved to this slot."""
    from offline_kit.simulator import Scenario

    def move(value: Any) -> Any:
        if isinstance(value, dict):
            moved = {key: move(item) for key, item in value.items()}
            if "call" in moved and isinstance(moved.get("arguments"), dict):
                arguments = moved["arguments"]
                if "date" in arguments:
                    arguments["date"] = day.isoformat()
                if "time" in arguments:
                    arguments["time"] = at.strftime("%H:%M")
            return moved
        if isinstance(value, list):
            return [move(item) for item in value]
        return value

    return Scenario.model_validate(move(scenario.model_dump(mode="json")))


def scenario_names(scenario_ref: str) -> list[str]:
    """The scenarios the calls cycle through: the mix, or the one named (a shipped name or a YAML path)."""
    return list(MIX_SCENARIOS) if scenario_ref == MIX else [scenario_ref]


def plan_calls(clinic: ClinicProfile, scenario_ref: str, calls: int, ramp_s: float, run: str) -> list[CallPlan]:
    """`calls` calls cycling through the scenarios, each on its own slot, starts spread evenly over `ramp_s`."""
    from offline_kit.simulator import load_scenario

    bases = {name: load_scenario(name) for name in dict.fromkeys(scenario_names(scenario_ref))}
    cycle = itertools.cycle(scenario_names(scenario_ref))
    slots = free_slots(clinic, next(iter(bases.values())).today())
    plans = []
    for index in range(calls):
        base = bases[next(cycle)]
        scenario = with_slot(base, *next(slots))
        plans.append(
            CallPlan(
                index=index,
                call_id=f"{run}-{index:04d}",
                scenario_name=base.name,
                scenario=scenario.model_dump(mode="json"),
                start_s=index * ramp_s / max(calls, 1),
            )
        )
    return plans
