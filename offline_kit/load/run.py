"""One load-test run: the shared stack in processes of its own, the calls in call processes started as LiveKit
starts job processes (from a forkserver that preloaded what the voice worker preloads), psutil sampling them all.

`processes=None` is LiveKit's default executor, the one the deployment uses: one process per call, with
`idle_processes` kept prewarmed ahead of the calls and a new one started each time one takes a call. A number
shares the calls among that many processes, each running its share on one event loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import multiprocessing
import multiprocessing.connection
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.bus import NatsEndpoint

from offline_kit.load.calls import CallProcessConfig, call_process_main
from offline_kit.load.plan import CallPlan, plan_calls, scenario_names
from offline_kit.load.report import RunRecord, summarise
from offline_kit.load.sampler import Sampler
from offline_kit.load.services import audit_and_reference_main, simulator_main, tool_runner_main

READY_TIMEOUT_S = 120.0
SAMPLE_INTERVAL_S = 0.5
PROGRESS_INTERVAL_S = 1.0
HTTP_TIMEOUT_S = 30.0
# LiveKit's process pool initializes at most this many job processes at once (`MAX_CONCURRENT_INITIALIZATIONS`).
MAX_CONCURRENT_STARTS = min(os.cpu_count() or 1, 4)


@dataclass(frozen=True)
class RunOptions:
    calls: int
    scenario: str = "booking"
    processes: int | None = None  # None: one per call, as LiveKit runs jobs
    speed: float = 1.0
    ramp_s: float = 5.0
    timeout_s: float = 300.0
    tool_runners: int = 2  # replicas, as deployed
    idle_processes: int = field(default_factory=lambda: os.cpu_count() or 1)  # LiveKit's production default
    profile_dir: Path | None = None  # cProfile output of each call process, when set


@dataclass
class Child:
    name: str
    role: str
    process: BaseProcess
    conn: multiprocessing.connection.Connection
    ready: bool = False
    done: bool = False
    started_at: float = field(default_factory=time.monotonic)


@dataclass
class Progress:
    elapsed_s: float
    calls: int
    started: int
    active: int
    ended: int
    failed: int
    busy_cores: float
    calls_rss_mb: float


def job_process_context() -> ForkServerContext:
    """The multiprocessing context LiveKit starts job processes from on Linux: a forkserver that first imports the
    registered plugins and the voice worker's preload modules, then LiveKit's own warm-up, then freezes the heap."""
    from livekit.agents import Plugin

    from voice_worker.worker import JOB_PRELOAD_MODULES, skip_local_inference_preload

    skip_local_inference_preload()
    context = multiprocessing.get_context("forkserver")
    packages = [plugin.package for plugin in Plugin.registered_plugins] + list(JOB_PRELOAD_MODULES)
    context.set_forkserver_preload(
        [*dict.fromkeys(packages), "livekit.agents.ipc._preload", "livekit.agents.ipc._preload_freeze"]
    )
    return context


class LoadRun:
    def __init__(self, options: RunOptions, on_progress: Callable[[Progress], None]) -> None:
        self.options = options
        self.on_progress = on_progress
        self.context = job_process_context()
        self.sampler = Sampler()
        self.children: list[Child] = []
        self.results: dict[int, dict[str, Any]] = {}
        self.loop_lag: dict[str, dict[str, Any]] = {}
        self.active_series: list[tuple[float, int]] = []
        self.started = 0
        self.process_starts_ms: list[float] = []
        self._last_progress = 0.0

    # -- processes ------------------------------------------------------------------------------------------------

    def start(self, name: str, role: str, target: Callable[..., None], *args: Any) -> Child:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(target=target, args=(child_end, *args), name=name, daemon=True)
        process.start()
        child_end.close()
        child = Child(name=name, role=role, process=process, conn=parent_end)
        self.children.append(child)
        assert process.pid is not None
        self.sampler.watch(process.pid, name, role)
        return child

    def wait_ready(self, child: Child) -> Any:
        if not child.conn.poll(READY_TIMEOUT_S):
            raise RuntimeError(f"{child.name} did not start within {READY_TIMEOUT_S:.0f} s")
        kind, *detail = child.conn.recv()
        if kind != "ready":
            raise RuntimeError(f"{child.name} sent {kind!r} before it was ready")
        child.ready = True
        assert child.process.pid is not None
        self.sampler.ready(child.process.pid)
        if child.role == "call":
            self.process_starts_ms.append((time.monotonic() - child.started_at) * 1000)
        return detail[0] if detail else None

    def stop_all(self) -> None:
        for child in self.children:
            if child.process.is_alive():
                with contextlib.suppress(BrokenPipeError, OSError):
                    child.conn.send(("stop",))
        for child in self.children:
            child.process.join(15)
            if child.process.is_alive():
                child.process.terminate()
                child.process.join(5)

    # -- the run --------------------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from offline_kit.local_call import offline_phrasebook
        from offline_kit.simulator import load_scenario
        from offline_kit.simulator.caller import render_caller_speech
        from runtime.bus import nats_endpoint
        from runtime.clinic import load_clinic
        from voice_worker.settings import VoiceWorkerSettings

        options = self.options
        with tempfile.TemporaryDirectory(prefix="camille-load-") as tmp:
            data_dir = Path(tmp)
            settings = VoiceWorkerSettings(data_dir=data_dir, phrase_cache_dir=data_dir / "phrases")
            clinic = load_clinic(settings.clinic_file)
            asyncio.run(offline_phrasebook(settings, clinic))
            for name in dict.fromkeys(scenario_names(options.scenario)):  # the call processes read the cache
                render_caller_speech(load_scenario(name))
            plans = plan_calls(clinic, options.scenario, options.calls, options.ramp_s, f"load-{os.getpid()}")
            with nats_endpoint(settings) as nats:
                try:
                    self._watch_nats()
                    base_url = self._start_stack(data_dir, nats)
                    plans = [replace(plan, realtime_url=register(base_url, plan)) for plan in plans]
                    config = CallProcessConfig(
                        name="",
                        nats=nats,
                        data_dir=str(data_dir),
                        speed=options.speed,
                        timeout_s=options.timeout_s,
                    )
                    wall_s = self._run_calls(plans, config)
                    self._count_stored()
                finally:
                    self.stop_all()
        return summarise(
            RunRecord(
                scenario=options.scenario,
                processes=options.processes,
                speed=options.speed,
                wall_s=wall_s,
                results=[self.results[plan.index] for plan in plans],
                sampler=self.sampler,
                loop_lag=self.loop_lag,
                calls_by_process={name: len(plans) for name, plans in self.child_plans.items()},
                active_series=self.active_series,
                process_waits_ms=self.process_waits_ms,
                process_starts_ms=self.process_starts_ms,
            )
        )

    def _watch_nats(self) -> None:
        import psutil

        for process in psutil.Process().children():
            if "nats-server" in process.name():
                self.sampler.watch(process.pid, "nats-server", "nats")
                self.sampler.ready(process.pid)
        self.sampler.watch(os.getpid(), "load test", "load-test")  # the driver and this sampling
        self.sampler.ready(os.getpid())

    def _start_stack(self, data_dir: Path, nats: NatsEndpoint) -> str:
        services = self.start("audit+reference", "audit+reference", audit_and_reference_main, str(data_dir), nats)
        reference_url = self.wait_ready(services)
        runners = [
            self.start(f"tool-runner-{i}", "tool-runner", tool_runner_main, str(data_dir), nats, reference_url)
            for i in range(self.options.tool_runners)
        ]
        simulator = self.start(
            "simulator", "simulator", simulator_main, scenario_names(self.options.scenario)[0], self.options.speed
        )
        for runner in runners:
            self.wait_ready(runner)
        return str(self.wait_ready(simulator))

    def _call_process(self, config: CallProcessConfig, number: int) -> Child:
        name = f"call-process-{number}"
        profile_dir = self.options.profile_dir
        profile = str(profile_dir / f"{name}.pstats") if profile_dir is not None else None
        return self.start(name, "call", call_process_main, replace(config, name=name, profile_path=profile))

    def _run_calls(self, plans: list[CallPlan], config: CallProcessConfig) -> float:
        options = self.options
        per_call = options.processes is None
        pending = collections.deque(plans)
        idle: collections.deque[Child] = collections.deque()
        self.child_plans: dict[str, list[CallPlan]] = {}
        self.process_waits_ms: list[float] = []
        spawned = 0
        if not per_call:
            assert options.processes is not None
            pool = [self._call_process(config, i) for i in range(min(options.processes, len(plans)))]
            for child in pool:
                self.wait_ready(child)
        self.start_at = time.time() + 0.5
        if not per_call:
            for i, child in enumerate(pool):
                self.child_plans[child.name] = plans[i :: len(pool)]
                child.conn.send(("go", self.start_at, self.child_plans[child.name]))
        deadline = self.start_at + options.ramp_s / options.speed + options.timeout_s + 60
        next_sample = 0.0
        while len(self.results) < len(plans) and time.time() < deadline:
            if per_call:
                while pending and idle and self.start_at + pending[0].start_s <= time.time():
                    child, plan = idle.popleft(), pending.popleft()
                    self.child_plans[child.name] = [plan]
                    self.process_waits_ms.append(max(0.0, time.time() - self.start_at - plan.start_s) * 1000)
                    child.conn.send(("go", self.start_at, [plan]))
                # As LiveKit's pool: keep `idle_processes` warm, or one per call waiting if more, starting at most
                # MAX_CONCURRENT_STARTS at once.
                waiting = sum(1 for plan in pending if self.start_at + plan.start_s <= time.time())
                starting = sum(1 for c in self.children if c.role == "call" and not c.ready and not c.done)
                target = max(options.idle_processes, waiting)
                while len(idle) + starting < target and starting < MAX_CONCURRENT_STARTS and spawned < len(plans):
                    self._call_process(config, spawned)
                    spawned, starting = spawned + 1, starting + 1
            live = [c.conn for c in self.children if c.role == "call" and not c.done]
            for conn in multiprocessing.connection.wait(live, timeout=0.05):
                child = next(c for c in self.children if c.conn is conn)
                if self._receive(child) == "ready" and per_call:
                    idle.append(child)
            if time.monotonic() >= next_sample:
                next_sample = time.monotonic() + SAMPLE_INTERVAL_S
                self._sample()
        wall_s = time.time() - self.start_at
        for plan in plans:
            self.results.setdefault(plan.index, {"index": plan.index, "call_id": plan.call_id, "error": "timeout"})
        self._collect_done()
        return wall_s

    def _receive(self, child: Child) -> str:
        try:
            kind, *detail = child.conn.recv()
        except EOFError:  # the process died: its calls failed
            child.done = True
            for plan in self.child_plans.get(child.name, []):
                self.results.setdefault(plan.index, {"index": plan.index, "call_id": plan.call_id, "error": "died"})
            return "died"
        assert child.process.pid is not None
        if kind == "ready":
            child.ready = True
            self.sampler.ready(child.process.pid)
            self.process_starts_ms.append((time.monotonic() - child.started_at) * 1000)
        elif kind == "started":
            self.started += 1
        elif kind == "ended":
            self.results[detail[0]["index"]] = detail[0]
        elif kind == "done":
            self.loop_lag[child.name] = detail[0]
            self.sampler.sample_process(child.process.pid)
            self.sampler.forget(child.process.pid)
            child.done = True
            child.conn.send(("stop",))
        return str(kind)

    def _collect_done(self) -> None:
        """Wait a little for the call processes' last words (their loop lag), sampling them one last time."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            live = [c for c in self.children if c.role == "call" and c.ready and not c.done and c.process.is_alive()]
            if not live:
                return
            for conn in multiprocessing.connection.wait([c.conn for c in live], timeout=0.5):
                self._receive(next(c for c in live if c.conn is conn))

    def active_calls(self) -> int:
        return self.started - sum(1 for r in self.results.values() if "ended_at" in r)

    def _sample(self) -> None:
        self.sampler.sample()
        active = self.active_calls()
        self.active_series.append((self.sampler.machine.at_s[-1], active))
        if time.monotonic() - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = time.monotonic()
        calls_rss = sum(
            series.rss_mb[-1]
            for pid, series in self.sampler.processes.items()
            if series.role == "call" and series.rss_mb and pid in self.sampler.live
        )
        self.on_progress(
            Progress(
                elapsed_s=time.time() - self.start_at,
                calls=self.options.calls,
                started=self.started,
                active=active,
                ended=len(self.results),
                failed=sum(1 for r in self.results.values() if r.get("error")),
                busy_cores=self.sampler.machine.busy_cores[-1],
                calls_rss_mb=calls_rss,
            )
        )

    def _count_stored(self) -> None:
        services = next(c for c in self.children if c.role == "audit+reference")
        counted = [r for r in self.results.values() if "audit_published" in r]
        services.conn.send(("stored", [(r["call_id"], r["audit_published"]) for r in counted]))
        if not services.conn.poll(120):
            raise RuntimeError("the audit sink did not say how many events it stored")
        _, counts = services.conn.recv()
        for result, count in zip(counted, counts, strict=True):
            result["audit_stored"] = count


def register(base_url: str, plan: CallPlan) -> str:
    """The simulator's URL for this call's scenario."""
    request = urllib.request.Request(
        f"{base_url}/scenarios",
        data=json.dumps(plan.scenario).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
        return str(json.load(response)["base_url"])


def run_load(options: RunOptions, on_progress: Callable[[Progress], None] = lambda _: None) -> dict[str, Any]:
    """Run one load test and return its report (see `report.summarise`)."""
    return LoadRun(options, on_progress).run()
