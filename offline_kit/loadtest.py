"""`camille loadtest`: many scripted calls at once through the whole system, offline.

Each call is a real voice agent session (tools over NATS, the tool runner, the reference API, the audit sink) against
its own realtime simulator connection. Every call books its own slot, so concurrent callers do not fight over one.
Reports percentiles measured in this run; it asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from offline_kit.stats import percentile

if TYPE_CHECKING:
    from contracts.clinic import ClinicProfile
    from offline_kit.simulator import Scenario

app = typer.Typer(help="Many scripted calls at once through the whole system.", add_completion=False)


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


def _p(values: list[float], q: float) -> float | None:
    value = percentile(values, q)
    return None if value is None else round(value, 1)


def summarise(calls: list[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    ok = [c for c in calls if c.get("end_reason") and not c.get("error")]
    greeting = [c["greeting_ms"] for c in ok if c["greeting_ms"] is not None]
    response = [ms for c in ok for ms in c["response_ms"]]
    tools = [ms for c in ok for ms in c["tool_ms"]]
    return {
        "calls": len(calls),
        "completed": len(ok),
        "failed": len(calls) - len(ok),
        "wall_s": round(wall_s, 2),
        "greeting_p50_ms": _p(greeting, 50),
        "greeting_p95_ms": _p(greeting, 95),
        "response_p50_ms": _p(response, 50),
        "response_p95_ms": _p(response, 95),
        "tool_round_trip_p50_ms": _p(tools, 50),
        "tool_round_trip_p99_ms": _p(tools, 99),
        "audit_events_published": sum(c.get("audit_published", 0) for c in calls),
        "audit_events_stored": sum(c.get("audit_stored", 0) for c in calls),
        "end_reasons": sorted({str(c.get("end_reason")) for c in calls}),
    }


async def run_loadtest(
    calls: int, scenario_ref: str, *, speed: float, ramp_s: float, timeout_s: float, echo: Callable[[str], None]
) -> dict[str, Any]:
    from audit_sink.settings import AuditSinkSettings
    from camille.stack import local_stack
    from offline_kit.local_call import offline_phrasebook, run_simulated_call
    from offline_kit.simulator import load_scenario
    from runtime.bus import connect, nats_endpoint
    from runtime.clinic import load_clinic
    from runtime.identities import Identity
    from tool_runner.settings import ToolRunnerSettings
    from voice_worker.settings import VoiceWorkerSettings

    base = load_scenario(scenario_ref)
    with tempfile.TemporaryDirectory(prefix="camille-load-") as tmp:
        data_dir = Path(tmp)
        settings = VoiceWorkerSettings(data_dir=data_dir, phrase_cache_dir=data_dir / "phrases")
        clinic = load_clinic(settings.clinic_file)
        phrasebook, _ = await offline_phrasebook(settings, clinic)
        slots = free_slots(clinic, base.today())
        scenarios = [with_slot(base, *next(slots)) for _ in range(calls)]
        with nats_endpoint(settings) as nats:
            tools, audit = ToolRunnerSettings(data_dir=data_dir), AuditSinkSettings(data_dir=data_dir)
            async with local_stack(nats, tools, audit) as stack:
                nc = await connect(nats, Identity.VOICE_WORKER, name="camille-loadtest")
                try:

                    async def one(index: int, scenario: Scenario) -> dict[str, Any]:
                        await asyncio.sleep(index * ramp_s / max(calls, 1))
                        try:
                            local = await run_simulated_call(
                                settings,
                                clinic,
                                phrasebook,
                                scenario,
                                nc=nc,
                                speed=speed,
                                timeout_s=timeout_s,
                                call_id=f"load-{index:04d}",
                            )
                        except Exception as exc:  # a failed call is a result of the load test, not its end
                            echo(f"call {index}: failed ({type(exc).__name__})")
                            return {"index": index, "error": type(exc).__name__}
                        metrics = local.call.ctx.metrics
                        echo(f"call {index}: {local.end_reason.value if local.end_reason else 'no end'}")
                        return {
                            "index": index,
                            "call_id": local.call.ctx.call_id,
                            "end_reason": local.end_reason.value if local.end_reason else None,
                            "greeting_ms": metrics.greeting_ms,
                            "response_ms": list(metrics.response_ms),
                            "tool_ms": [ms for _, ms in metrics.tool_ms],
                            "tools": [call["name"] for call in local.tool_calls],
                            "audit_published": local.call.ctx.audit.published,
                        }

                    started = time.monotonic()
                    results = await asyncio.gather(*(one(i, s) for i, s in enumerate(scenarios)))
                    wall_s = time.monotonic() - started
                    for result in results:
                        if "call_id" in result:
                            result["audit_stored"] = await stack.stored_events(
                                result["call_id"], result["audit_published"], timeout_s=30
                            )
                finally:
                    await nc.close()
    return summarise(results, wall_s) | {"scenario": base.name, "speed": speed, "per_call": results}


@app.callback(invoke_without_command=True)
def loadtest(
    calls: Annotated[int, typer.Option(min=1, max=200, help="How many calls.")] = 10,
    scenario: Annotated[str, typer.Option(help="A shipped scenario name or a scenario YAML path.")] = "booking",
    speed: Annotated[float, typer.Option(help="Run the calls this many times faster than real time.")] = 1.0,
    ramp_s: Annotated[float, typer.Option(help="Spread the call starts over this many seconds.")] = 5.0,
    timeout_s: Annotated[float, typer.Option(help="Give up on a call after this many seconds.")] = 300.0,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures as JSON here.")] = None,
) -> None:
    """Run CALLS scripted calls concurrently through the whole system and report latency percentiles."""
    from runtime.logs import configure

    configure("WARNING")
    report = asyncio.run(
        run_loadtest(calls, scenario, speed=speed, ramp_s=ramp_s, timeout_s=timeout_s, echo=typer.echo)
    )
    summary = {key: value for key, value in report.items() if key != "per_call"}
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if report["failed"]:
        raise typer.Exit(1)
