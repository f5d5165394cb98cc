"""CPU and memory of every process of a load test, sampled from outside (psutil) so the sampling costs the processes
measured nothing. RSS counts pages shared with LiveKit's forkserver in each process; PSS divides them among the
processes sharing them, so the PSS of all processes adds up to what the machine holds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psutil

MB = 1024 * 1024
PSS_EVERY = 4  # samples


@dataclass
class ProcessSeries:
    name: str
    role: str  # call, simulator, audit+reference, tool-runner, nats
    pid: int
    at_s: list[float] = field(default_factory=list)  # since the sampler started
    cpu_s: list[float] = field(default_factory=list)  # user + system since the process started
    rss_mb: list[float] = field(default_factory=list)
    pss_mb: list[float] = field(default_factory=list)
    cpu_s_at_ready: float | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "cpu_s": round(self.cpu_s[-1], 2) if self.cpu_s else None,
            "cpu_s_at_ready": None if self.cpu_s_at_ready is None else round(self.cpu_s_at_ready, 2),
            "peak_rss_mb": round(max(self.rss_mb), 1) if self.rss_mb else None,
            "peak_pss_mb": round(max(self.pss_mb), 1) if self.pss_mb else None,
        }


@dataclass
class MachineSeries:
    at_s: list[float] = field(default_factory=list)
    busy_cores: list[float] = field(default_factory=list)  # cores' worth of CPU in use, every process counted
    available_mb: list[float] = field(default_factory=list)
    # per role, at each sample: CPU seconds used so far (ended processes included), and memory held now
    cpu_s: list[dict[str, float]] = field(default_factory=list)
    rss_mb: list[dict[str, float]] = field(default_factory=list)
    pss_mb: list[dict[str, float]] = field(default_factory=list)


class Sampler:
    """Call `sample()` every half second or so; `watch` each process as it starts."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.processes: dict[int, ProcessSeries] = {}
        self.machine = MachineSeries()
        self._handles: dict[int, psutil.Process] = {}
        self._last_cpu = psutil.cpu_times()
        self._last_at = self.started

    def watch(self, pid: int, name: str, role: str) -> ProcessSeries:
        self._handles[pid] = psutil.Process(pid)
        self.processes[pid] = ProcessSeries(name=name, role=role, pid=pid)
        return self.processes[pid]

    def ready(self, pid: int) -> None:
        """Mark the CPU a process used to start and prewarm (sampled now)."""
        self.sample_process(pid)
        series = self.processes[pid]
        series.cpu_s_at_ready = series.cpu_s[-1] if series.cpu_s else None

    def sample(self) -> None:
        now = time.monotonic()
        times = psutil.cpu_times()
        busy = (_busy(times) - _busy(self._last_cpu)) / max(now - self._last_at, 1e-3)
        self._last_cpu, self._last_at = times, now
        self.machine.at_s.append(now - self.started)
        self.machine.busy_cores.append(busy)
        self.machine.available_mb.append(psutil.virtual_memory().available / MB)
        for pid in list(self._handles):
            self.sample_process(pid)
        cpu: dict[str, float] = {}
        rss: dict[str, float] = {}
        pss: dict[str, float] = {}
        for pid, series in self.processes.items():
            if not series.cpu_s:
                continue
            # a call process's start is part of what a call costs; a service's start is not
            start = series.cpu_s_at_ready or 0.0 if series.role != "call" else 0.0
            cpu[series.role] = cpu.get(series.role, 0.0) + series.cpu_s[-1] - start
            if pid in self._handles:
                rss[series.role] = rss.get(series.role, 0.0) + series.rss_mb[-1]
                pss[series.role] = pss.get(series.role, 0.0) + series.pss_mb[-1]
        self.machine.cpu_s.append(cpu)
        self.machine.rss_mb.append(rss)
        self.machine.pss_mb.append(pss)

    def sample_process(self, pid: int) -> None:
        handle, series = self._handles.get(pid), self.processes[pid]
        if handle is None:
            return
        full = len(series.pss_mb) % PSS_EVERY == 0  # PSS reads every page table entry: now and then only
        try:
            with handle.oneshot():
                times = handle.cpu_times()
                memory = handle.memory_full_info() if full else handle.memory_info()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            del self._handles[pid]  # ended: its last sample stands
            return
        series.at_s.append(time.monotonic() - self.started)
        series.cpu_s.append(times.user + times.system)
        series.rss_mb.append(memory.rss / MB)
        series.pss_mb.append(getattr(memory, "pss", memory.rss) / MB if full else series.pss_mb[-1])

    @property
    def live(self) -> set[int]:
        return set(self._handles)

    def forget(self, pid: int) -> None:
        """Stop sampling a process (it is about to end)."""
        self._handles.pop(pid, None)


def _busy(times: Any) -> float:
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))
