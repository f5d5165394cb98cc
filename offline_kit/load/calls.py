"""A call process of the load test, started and prewarmed as LiveKit starts a job process, then running the calls
it is handed on one event loop (one call, as under LiveKit, or a share of them).

It talks to the load test over a pipe: it sends ("ready",), gets ("go", start_at, plans) or ("stop",), then sends
("started", index) and ("ended", result) per call, and ("done", loop lag figures) at the end.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from runtime.bus import NatsEndpoint

from offline_kit.load.plan import CallPlan
from offline_kit.stats import percentile

LAG_TICK_S = 0.05
FAILED_END_REASONS = frozenset({"realtime_fatal", "worker_shutdown", "error"})


@dataclass(frozen=True)
class CallProcessConfig:
    name: str
    nats: NatsEndpoint
    data_dir: str
    speed: float
    timeout_s: float
    profile_path: str | None = None


def call_process_main(conn: Connection, config: CallProcessConfig) -> None:
    """Process entry: the voice worker's own prewarm, then the calls of one ("go", ...) message."""
    os.environ.update(
        CAMILLE_DATA_DIR=config.data_dir,
        CAMILLE_PHRASE_CACHE_DIR=str(Path(config.data_dir) / "phrases"),
        CAMILLE_NATS_URL=config.nats.url,
    )
    from livekit.agents import JobProcess

    from runtime.logs import configure
    from voice_worker.worker import prewarm

    configure("WARNING")
    proc = SimpleNamespace(userdata={})
    prewarm(cast(JobProcess, proc))
    conn.send(("ready",))
    message = conn.recv()
    if message[0] != "go":
        return
    _, start_at, plans = message
    profiler = cProfile.Profile() if config.profile_path else None
    if profiler is not None:
        profiler.enable()
    lag = asyncio.run(_run_calls(config, proc.userdata, plans, start_at, conn))
    if profiler is not None and config.profile_path:
        profiler.disable()
        profiler.dump_stats(config.profile_path)
    conn.send(("done", lag))
    conn.recv()  # ("stop",): the load test samples this process once more before it ends


async def _run_calls(
    config: CallProcessConfig, userdata: dict[str, Any], plans: list[CallPlan], start_at: float, conn: Connection
) -> dict[str, float | None]:
    lags: list[float] = []
    monitor = asyncio.create_task(_watch_loop_lag(lags))
    try:
        await asyncio.gather(*(_one_call(config, userdata, plan, start_at, conn) for plan in plans))
    finally:
        monitor.cancel()
    return {
        "loop_lag_p50_ms": _round(percentile(lags, 50)),
        "loop_lag_p99_ms": _round(percentile(lags, 99)),
        "loop_lag_max_ms": _round(max(lags, default=None)),
    }


async def _watch_loop_lag(lags: list[float]) -> None:
    """How late the loop wakes a task that asked to sleep LAG_TICK_S: what every callback waits behind."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(LAG_TICK_S)
        lags.append(max(0.0, (time.monotonic() - asked - LAG_TICK_S) * 1000))


async def _one_call(
    config: CallProcessConfig, userdata: dict[str, Any], plan: CallPlan, start_at: float, conn: Connection
) -> None:
    await asyncio.sleep(max(0.0, start_at + plan.start_s - time.time()))
    conn.send(("started", plan.index))
    result = {"index": plan.index, "call_id": plan.call_id, "scenario": plan.scenario_name, "process": config.name}
    started = time.time()
    try:
        result |= await _call(config, userdata, plan)
    except Exception as exc:  # a failed call is a result of the load test, not its end
        result["error"] = type(exc).__name__
    result |= {"started_at": started, "ended_at": time.time()}
    conn.send(("ended", result))


async def _call(config: CallProcessConfig, userdata: dict[str, Any], plan: CallPlan) -> dict[str, Any]:
    from offline_kit.local_call import LocalCall, run_local_call
    from offline_kit.simulator import SIMULATOR_API_KEY, Scenario
    from offline_kit.simulator.caller import render_caller_speech
    from runtime.bus import release
    from voice_worker.worker import connect_or_none

    settings = userdata["settings"]
    scenario = Scenario.model_validate(plan.scenario)
    speech = await asyncio.to_thread(render_caller_speech, scenario)  # from the speech cache the load test filled
    # The voice worker's own connection, one per call as each LiveKit job makes.
    nc = await connect_or_none(config.nats, f"voice-worker-{plan.call_id}")
    if nc is None:
        raise ConnectionError("NATS unreachable")
    barge_ins: list[float] = []
    tool_turns: list[bool] = []
    try:
        local: LocalCall = await run_local_call(
            settings,
            userdata["clinic"],
            userdata["phrasebook"],
            scenario,
            nc=nc,
            realtime_base_url=plan.realtime_url,
            realtime_api_key=SIMULATOR_API_KEY,
            speed=config.speed,
            timeout_s=config.timeout_s,
            call_id=plan.call_id,
            before_start=lambda local: _watch(local, barge_ins, tool_turns),
            metrics=userdata["metrics"],
            caller_speech=speech,
        )
    finally:
        await release(nc)
    metrics = local.call.ctx.metrics
    end_reason = local.end_reason.value if local.end_reason else None
    return {
        "end_reason": end_reason,
        "error": None if end_reason and end_reason not in FAILED_END_REASONS else f"ended: {end_reason}",
        "greeting_ms": metrics.greeting_ms,
        "response_ms": list(metrics.response_ms),
        # the turns whose reply came after no tool call: Camille's overhead alone, no tool round trip in it
        "response_no_tool_ms": [ms for ms, tool in zip(metrics.response_ms, tool_turns, strict=False) if not tool]
        if len(tool_turns) == len(metrics.response_ms)
        else [],
        "tool_ms": [ms for _, ms in metrics.tool_ms],
        "barge_in_ms": barge_ins,
        "tools": [call["name"] for call in local.tool_calls],
        "audit_published": local.call.ctx.audit.published,
    }


def _watch(local: Any, barge_ins: list[float], tool_turns: list[bool]) -> None:
    _time_barge_ins(local, barge_ins)
    _mark_tool_turns(local, tool_turns)


def _time_barge_ins(local: Any, into: list[float]) -> None:
    """Barge-in: the session learns the caller speaks over Camille -> Camille's audio stops (what is ours of it;
    the model's own speech detection comes before)."""
    heard_at: list[float] = []

    def on_user_state(ev: Any) -> None:
        if ev.new_state == "speaking" and local.output.playing:
            heard_at.append(time.monotonic())

    def on_segment(segment: Any) -> None:
        if segment.interrupted and heard_at:
            into.append((time.monotonic() - heard_at.pop()) * 1000)
            heard_at.clear()

    local.call.session.on("user_state_changed", on_user_state)
    local.output.on_segment_finished.append(on_segment)


def _mark_tool_turns(local: Any, into: list[bool]) -> None:
    """For each response the supervisor times (Camille speaks after the caller stopped), whether a tool ran in
    between, in the same order."""
    state = {"caller_stopped": False, "tool": False}

    def on_user_state(ev: Any) -> None:
        if ev.old_state == "speaking" and ev.new_state == "listening":
            state.update(caller_stopped=True, tool=False)

    def on_tools(_: Any) -> None:
        state["tool"] = True

    def on_agent_state(ev: Any) -> None:
        if ev.new_state == "speaking" and state["caller_stopped"]:
            into.append(state["tool"])
            state.update(caller_stopped=False, tool=False)

    local.call.session.on("user_state_changed", on_user_state)
    local.call.session.on("function_tools_executed", on_tools)
    local.call.session.on("agent_state_changed", on_agent_state)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
