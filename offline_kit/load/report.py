"""A load test's figures: latency percentiles over every call, what the processes used, and (for the capacity
search) which resource gave out first."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from offline_kit.load.sampler import Sampler
from offline_kit.stats import percentile

# A process whose event loop is this late on a 50 ms sleep delays every callback by as much: what a caller hears.
LOOP_LAG_SATURATED_MS = 50.0
CPU_SATURATED = 0.9  # share of a core (one process) or of the machine
MEMORY_SATURATED = 0.9
SMOOTHING_SAMPLES = 4
OUTSIDE_SHARE = 0.6  # below this share of the busy CPU, the machine was busy with something else too


def _p(values: list[float], q: float) -> float | None:
    value = percentile(values, q)
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class RunRecord:
    """What a run recorded, for the report."""

    scenario: str
    processes: int | None  # None: one per call
    speed: float
    wall_s: float
    results: list[dict[str, Any]]  # one per call, in plan order
    sampler: Sampler
    loop_lag: dict[str, dict[str, Any]]  # by call process
    calls_by_process: dict[str, int]
    active_series: list[tuple[float, int]]
    process_waits_ms: list[float]  # per call: how long it waited for a ready process (one per call only)
    process_starts_ms: list[float] = field(default_factory=list)  # per call process: started -> prewarmed


def summarise(run: RunRecord) -> dict[str, Any]:
    results = run.results
    ok = [r for r in results if not r.get("error")]
    greeting = [r["greeting_ms"] for r in ok if r.get("greeting_ms") is not None]
    response = [ms for r in ok for ms in r["response_ms"]]
    tools = [ms for r in ok for ms in r["tool_ms"]]
    barge_ins = [ms for r in ok for ms in r["barge_in_ms"]]
    speed = run.speed
    call_minutes = sum((r["ended_at"] - r["started_at"]) * speed for r in results if "ended_at" in r) / 60
    machine = run.sampler.machine
    peak_calls = max((active for _, active in run.active_series), default=0)
    calls_rss = max((totals.get("call", 0.0) for totals in machine.rss_mb), default=0.0)
    calls_pss = max((totals.get("call", 0.0) for totals in machine.pss_mb), default=0.0)
    cpu_by_role = machine.cpu_s[-1] if machine.cpu_s else {}
    processes = [
        series.summary() | {"calls": run.calls_by_process.get(series.name, 0)} | run.loop_lag.get(series.name, {})
        for series in run.sampler.processes.values()
    ]
    call_processes = [p for p in processes if p["role"] == "call"]
    return {
        "calls": len(results),
        "completed": len(ok),
        "failed": len(results) - len(ok),
        "scenario": run.scenario,
        "processes": "per-call" if run.processes is None else run.processes,
        "call_processes": len(call_processes),
        "speed": speed,
        "cores": os.cpu_count(),
        "wall_s": round(run.wall_s, 2),
        "peak_concurrent_calls": peak_calls,
        "greeting_p50_ms": _p(greeting, 50),
        "greeting_p95_ms": _p(greeting, 95),
        "response_p50_ms": _p(response, 50),
        "response_p95_ms": _p(response, 95),
        "response_no_tool_p95_ms": _p([ms for r in ok for ms in r.get("response_no_tool_ms", [])], 95),
        "tool_round_trip_p50_ms": _p(tools, 50),
        "tool_round_trip_p99_ms": _p(tools, 99),
        "barge_in_p50_ms": _p(barge_ins, 50),
        "barge_in_p95_ms": _p(barge_ins, 95),
        "process_wait_p95_ms": _p(run.process_waits_ms, 95),
        "process_start_p50_ms": _p(run.process_starts_ms, 50),
        "audit_events_published": sum(r.get("audit_published", 0) for r in results),
        "audit_events_stored": sum(r.get("audit_stored", 0) for r in results),
        "peak_rss_mb_per_call": round(calls_rss / peak_calls, 1) if peak_calls else None,
        "peak_pss_mb_per_call": round(calls_pss / peak_calls, 1) if peak_calls else None,
        "peak_rss_mb_per_call_process": max((p["peak_rss_mb"] or 0 for p in call_processes), default=None),
        "cpu_s_per_call_minute": round(cpu_by_role.get("call", 0.0) / call_minutes, 2) if call_minutes else None,
        "process_start_cpu_s": _p([p["cpu_s_at_ready"] for p in call_processes if p["cpu_s_at_ready"]], 50),
        "stack_cpu_s_per_call_minute": {
            role: round(cpu / call_minutes, 2) for role, cpu in cpu_by_role.items() if role != "call" and call_minutes
        },
        "loop_lag_p99_ms_worst": max((p.get("loop_lag_p99_ms") or 0 for p in call_processes), default=None),
        "machine_busy_cores_p95": _p(machine.busy_cores, 95),
        "machine_available_mb_min": round(min(machine.available_mb), 0) if machine.available_mb else None,
        "end_reasons": sorted({str(r.get("end_reason")) for r in results}),
        "errors": sorted({str(r["error"]) for r in results if r.get("error")}),
        "per_process": processes,
        "per_call": results,
        "series": series_of(run),
    }


def series_of(run: RunRecord) -> dict[str, Any]:
    """What the plots draw: per-role CPU (cores) and memory over time, active calls, per-call latencies."""
    machine = run.sampler.machine
    cores: dict[str, list[float]] = {}
    for i in range(1, len(machine.at_s)):
        # over a few samples: each process is read a little later than the last, more so on a busy machine
        before = max(0, i - SMOOTHING_SAMPLES)
        dt_s = max(machine.at_s[i] - machine.at_s[before], 1e-3)
        for role in machine.cpu_s[i]:
            used = machine.cpu_s[i][role] - machine.cpu_s[before].get(role, machine.cpu_s[i][role])
            cores.setdefault(role, [0.0] * (i - 1)).append(max(0.0, used / dt_s))
        for values in cores.values():
            if len(values) < i:
                values.append(0.0)
    roles = sorted({role for totals in machine.rss_mb for role in totals})
    return {
        "at_s": machine.at_s[1:],
        "cpu_cores": cores,
        "busy_cores": machine.busy_cores[1:],
        "rss_mb": {role: [totals.get(role, 0.0) for totals in machine.rss_mb[1:]] for role in roles},
        "active_calls": [active for _, active in run.active_series[1:]],
    }


def saturation(report: dict[str, Any]) -> dict[str, Any]:
    """Which resource gave out first in this run, and the figures that say so."""
    series = report["series"]
    cores = report["cores"] or 1
    busiest: list[tuple[float, str]] = []
    for role, values in series["cpu_cores"].items():
        busiest.append((_p(values, 95) or 0.0, role))
    busiest.sort(reverse=True)
    single = [p for p in report["per_process"] if p["role"] != "call"]
    lag = report["loop_lag_p99_ms_worst"] or 0.0
    machine = report["machine_busy_cores_p95"] or 0.0
    available = report["machine_available_mb_min"]
    ours = sum(_mean(values) for values in series["cpu_cores"].values())
    findings = []
    if machine >= CPU_SATURATED * cores:
        top = ", ".join(f"{role} {share:.2f}" for share, role in busiest[:3])
        findings.append(
            ("cpu", f"the machine's {cores} cores were {machine / cores:.0%} busy (p95); cores by role: {top}")
        )
        if ours < OUTSIDE_SHARE * _mean(series["busy_cores"]):
            findings.append(
                ("cpu_outside", f"the test's processes used {ours:.2f} cores on average: the rest was other work")
            )
    if lag >= LOOP_LAG_SATURATED_MS:
        findings.append(("event_loop_lag", f"a call process's event loop ran {lag:.0f} ms late (p99) on a 50 ms sleep"))
    if available is not None and available < (1 - MEMORY_SATURATED) * _total_mb():
        findings.append(("memory", f"only {available:.0f} MB of memory was left"))
    hot = [p for p in single if p["role"] in series["cpu_cores"]]
    for share, role in busiest:
        if role != "call" and share >= CPU_SATURATED * sum(1 for p in hot if p["role"] == role):
            findings.append(("cpu_one_process", f"the {role} process(es) used {share:.2f} cores (p95): one core each"))
    return {
        "saturated": [kind for kind, _ in findings] or ["none"],
        "why": [text for _, text in findings] or ["no resource was saturated: latency grew from queueing alone"],
        "cores_p95_by_role": {role: share for share, role in busiest},
    }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _total_mb() -> float:
    import psutil

    return float(psutil.virtual_memory().total / (1024 * 1024))
