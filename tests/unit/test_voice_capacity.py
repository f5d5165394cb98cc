"""The capacity gauges read LiveKit's own worker: these tests pin those reads to the installed livekit-agents."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from livekit.protocol import agent
from prometheus_client import CollectorRegistry

from voice_worker.capacity import WorkerMetrics, WorkerState, watch_worker, worker_state
from voice_worker.server import MeteredAgentServer, agent_server
from voice_worker.settings import VoiceWorkerSettings


def started_server() -> MeteredAgentServer:
    """A worker in the state `AgentServer.run` leaves it in before it connects (production thresholds, no job)."""
    server = agent_server(VoiceWorkerSettings(metrics_port=0))
    server._closed, server._devmode, server._worker_load, server._reserved_slots = False, False, 0.0, 0
    server._proc_pool = SimpleNamespace(processes=[])  # type: ignore[assignment]  # run() builds the real pool
    return server


def test_a_worker_counts_as_registered_only_once_livekit_has_answered() -> None:
    """Unregistered until LiveKit's register response; then available until it drains, reconnects or is loaded."""
    server = started_server()
    assert worker_state(server).registered is False
    server._handle_register(agent.RegisterWorkerResponse(worker_id="AW_test"))
    state = worker_state(server)
    assert state.registered and state.available
    server._worker_load = 0.95  # above the production load threshold: LiveKit says it is full
    assert worker_state(server).registered and not worker_state(server).available
    server._worker_load, server._draining = 0.0, True
    assert not worker_state(server).available
    server._draining, server._connecting = False, True  # the websocket dropped: reconnecting
    assert worker_state(server) == WorkerState(registered=False, available=False)


async def test_the_watcher_writes_the_state_into_the_gauges() -> None:
    """The watcher samples the worker into camille_voice_worker_registered and _available."""
    server = started_server()
    server._handle_register(agent.RegisterWorkerResponse(worker_id="AW_test"))
    registry = CollectorRegistry()
    task = asyncio.create_task(watch_worker(server, WorkerMetrics(registry), None, interval_s=0.01))
    try:
        for _ in range(100):
            if registry.get_sample_value("camille_voice_worker_available") == 1:
                break
            await asyncio.sleep(0.01)
        assert registry.get_sample_value("camille_voice_worker_registered") == 1
        assert registry.get_sample_value("camille_voice_worker_available") == 1
        server._draining = True
        for _ in range(100):
            if registry.get_sample_value("camille_voice_worker_available") == 0:
                break
            await asyncio.sleep(0.01)
        assert registry.get_sample_value("camille_voice_worker_available") == 0
    finally:
        task.cancel()
