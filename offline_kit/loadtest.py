"""`camille loadtest`: many scripted calls at once through the whole system, offline, run as production runs them.

Each call is a real voice agent session in a call process started as LiveKit starts job processes, against the
shared stack: the realtime simulator, NATS, tool-runner replicas, the reference API and the audit sink, each in a
process of its own. Every call books its own slot, so concurrent callers do not fight over one. Reports percentiles
and the CPU and memory every process used in this run; it asserts nothing about time. `--find-capacity` raises the
number of calls until the response p95 passes a budget and says which resource gave out first.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from offline_kit.load.plan import MIX
from offline_kit.load.run import Progress, RunOptions, run_load

app = typer.Typer(help="Many scripted calls at once through the whole system.", add_completion=False)

PER_CALL = "per-call"
RESPONSE_BUDGET_MS = 150.0
# What the budget bounds: the response p95 of the turns with no tool call, Camille's overhead alone (a tool turn adds
# the tool round trip, which has a target of its own, and a second model response).
BUDGETED = "response_no_tool_p95_ms"


def parse_processes(value: str) -> int | None:
    """`per-call` (None: one process per call, LiveKit's default) or a number of processes sharing the calls."""
    if value == PER_CALL:
        return None
    try:
        count = int(value)
    except ValueError:
        raise typer.BadParameter(f"{PER_CALL!r} or a whole number of processes, not {value!r}") from None
    if count < 1:
        raise typer.BadParameter("at least one process")
    return count


class ProgressLine:
    """One status line, rewritten in place on a terminal, printed every few seconds otherwise."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, progress: Progress) -> None:
        if not self._tty and time.monotonic() - self._last < 5:
            return
        self._last = time.monotonic()
        line = (
            f"{progress.elapsed_s:6.1f} s  calls {progress.started}/{progress.calls} started, {progress.active} "
            f"active, {progress.ended} ended, {progress.failed} failed  CPU {progress.busy_cores:.2f} cores  "
            f"call processes {progress.calls_rss_mb:,.0f} MB"
        )
        sys.stderr.write(f"\r{line}" if self._tty else f"{line}\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self._tty:
            sys.stderr.write("\n")


def headline(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in ("per_call", "series")}


def find_capacity(
    options: RunOptions, *, budget_ms: float, step: int, max_calls: int, echo: Any = print
) -> dict[str, Any]:
    """Runs of 1, `step`, 2 `step`, ... calls until the response p95 of turns without a tool passes `budget_ms`
    (or a call fails): the knee is the last run within the budget."""
    from offline_kit.load.report import saturation

    steps: list[dict[str, Any]] = []
    knee: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    # One call alone first: the floor this machine and the simulator give, measured in the same session.
    for calls in [1, *range(step, max_calls + 1, step)]:
        last = run_load(replace(options, calls=calls), ProgressLine())
        p95 = last[BUDGETED]
        within = last["failed"] == 0 and p95 is not None and p95 <= budget_ms
        steps.append(
            {
                key: last[key]
                for key in (
                    "calls",
                    "peak_concurrent_calls",
                    "failed",
                    "response_p95_ms",
                    BUDGETED,
                    "greeting_p95_ms",
                    "tool_round_trip_p99_ms",
                    "machine_busy_cores_p95",
                    "loop_lag_p99_ms_worst",
                    "peak_rss_mb_per_call",
                    "peak_pss_mb_per_call",
                    "cpu_s_per_call_minute",
                )
            }
            | {"within_budget": within}
        )
        echo(json.dumps(steps[-1]))
        if not within:
            break
        knee = last
    assert last is not None
    cores = last["cores"] or 1
    return {
        "budget_response_p95_ms": budget_ms,
        "processes": last["processes"],
        "scenario": options.scenario,
        "cores": cores,
        "budgeted": BUDGETED,
        "one_call_response_no_tool_p95_ms": steps[0][BUDGETED],
        "knee_calls": knee["peak_concurrent_calls"] if knee else 0,
        "calls_per_core": round(knee["peak_concurrent_calls"] / cores, 1) if knee else 0,
        "mb_per_call_rss": knee["peak_rss_mb_per_call"] if knee else None,
        "mb_per_call_pss": knee["peak_pss_mb_per_call"] if knee else None,
        "cpu_s_per_call_minute": knee["cpu_s_per_call_minute"] if knee else None,
        "past_the_knee": saturation(last) | {"calls": last["calls"], BUDGETED: last[BUDGETED]},
        "reached_max_calls": knee is last,
        "steps": steps,
    }


@app.callback(invoke_without_command=True)
def loadtest(
    calls: Annotated[int, typer.Option(min=1, max=500, help="How many calls.")] = 10,
    scenario: Annotated[
        str, typer.Option(help=f"A shipped scenario name, a scenario YAML path, or {MIX!r} (several, in turn).")
    ] = "booking",
    processes: Annotated[
        str,
        typer.Option(
            help=f"{PER_CALL!r}: one process per call, as LiveKit runs jobs (the deployment); or N processes "
            "sharing the calls."
        ),
    ] = PER_CALL,
    speed: Annotated[float, typer.Option(help="Run the calls this many times faster than real time.")] = 1.0,
    ramp_s: Annotated[float, typer.Option(help="Spread the call starts over this many seconds.")] = 5.0,
    timeout_s: Annotated[float, typer.Option(help="Give up on a call after this many seconds.")] = 300.0,
    tool_runners: Annotated[int, typer.Option(min=1, max=8, help="Tool-runner replicas.")] = 2,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the whole report as JSON here.")] = None,
    plots: Annotated[Path | None, typer.Option(help="Write PNG plots (latency, CPU and memory) here.")] = None,
    profile: Annotated[Path | None, typer.Option(help="Write each call process's cProfile stats here.")] = None,
    find: Annotated[
        bool,
        typer.Option(
            "--find-capacity",
            help="Raise the calls by --step until the response p95 of turns with no tool call passes --budget-ms.",
        ),
    ] = False,
    budget_ms: Annotated[float, typer.Option(help="Response p95 budget for --find-capacity.")] = RESPONSE_BUDGET_MS,
    step: Annotated[int, typer.Option(min=1, help="Calls added at each --find-capacity run.")] = 10,
    max_calls: Annotated[int, typer.Option(min=1, help="Where --find-capacity stops.")] = 200,
) -> None:
    """Run CALLS scripted calls concurrently through the whole system; report latency percentiles, CPU and memory."""
    from runtime.logs import configure

    configure("WARNING")
    options = RunOptions(
        calls=calls,
        scenario=scenario,
        processes=parse_processes(processes),
        speed=speed,
        ramp_s=ramp_s,
        timeout_s=timeout_s,
        tool_runners=tool_runners,
        profile_dir=profile,
    )
    if find:
        capacity = find_capacity(options, budget_ms=budget_ms, step=step, max_calls=max_calls, echo=typer.echo)
        typer.echo(json.dumps(capacity, indent=2, ensure_ascii=False))
        if json_path is not None:
            json_path.write_text(json.dumps(capacity, indent=2, ensure_ascii=False) + "\n")
        return
    progress = ProgressLine()
    report = run_load(options, progress)
    progress.done()
    typer.echo(json.dumps(headline(report) | {"per_process": "(in --json)"}, indent=2, ensure_ascii=False))
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if plots is not None:
        from offline_kit.load.plots import write_plots

        for path in write_plots(report, plots):
            typer.echo(f"plot: {path}")
    if report["failed"]:
        raise typer.Exit(1)
