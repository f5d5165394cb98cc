"""Whether this worker can take calls, as gauges an alert can read, sampled in the worker's main process.

LiveKit sends a call to a registered worker that reports itself available (not draining, under its load threshold).
It exposes neither fact, so `worker_state` reads them from the `AgentServer`; tests pin those reads to the installed
LiveKit. Every few seconds the watcher also folds the metric files of ended job processes (`MetricFiles`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from livekit.agents import AgentServer
from prometheus_client import CollectorRegistry, Gauge

from runtime.metrics import MetricFiles

log = logging.getLogger(__name__)

SAMPLE_INTERVAL_S = 5.0
UNREGISTERED_ID = "unregistered"  # AgentServer.id until LiveKit has answered the registration


@dataclass(frozen=True, slots=True)
class WorkerState:
    registered: bool
    available: bool


def worker_state(server: AgentServer) -> WorkerState:
    """Registered: connected to LiveKit and not reconnecting. Available: LiveKit may send it a new call now."""
    registered = (
        server.id != UNREGISTERED_ID and not server._closed and not server._connecting and not server._connection_failed
    )
    return WorkerState(registered=registered, available=registered and server._is_available())


class WorkerMetrics:
    """The main process's gauges: one value per worker, whatever its job processes do."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registered = Gauge(
            "camille_voice_worker_registered",
            "1 while this worker is registered with LiveKit (it can be sent calls), else 0.",
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.available = Gauge(
            "camille_voice_worker_available",
            "1 while LiveKit may send this worker a new call (registered, not draining, under its load threshold).",
            registry=registry,
            multiprocess_mode="livemax",
        )

    def record(self, state: WorkerState) -> None:
        self.registered.set(int(state.registered))
        self.available.set(int(state.available))


async def watch_worker(
    server: AgentServer, metrics: WorkerMetrics, files: MetricFiles | None, interval_s: float = SAMPLE_INTERVAL_S
) -> None:
    """Until cancelled: sample the worker's state, and fold the files of job processes that have ended."""
    while True:
        try:
            metrics.record(worker_state(server))
            if files is not None:
                await asyncio.to_thread(files.fold_ended)
        except Exception as exc:  # a failed sample must never stop the worker; the next one may succeed
            log.warning("worker metrics not sampled: %s", type(exc).__name__)
        await asyncio.sleep(interval_s)
