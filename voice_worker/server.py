"""LiveKit's worker with Camille's metrics: while it runs, one Prometheus endpoint on CAMILLE_METRICS_PORT serves the
worker and all its job processes, and gauges say whether it can take calls.

LiveKit runs each call in a job process of its own. Each process writes its metrics to files in one directory
(prometheus-client's multiprocess mode, which LiveKit uses for its own `lk_agents_*` metrics); the endpoint, in the
worker's main process, adds them up, so a scrape gives the worker's totals whichever process took which call.
"""

from __future__ import annotations

import asyncio

from livekit.agents import AgentServer
from prometheus_client import CollectorRegistry

from runtime.metrics import MetricFiles, metrics_endpoint, use_multiprocess
from voice_worker.capacity import WorkerMetrics, watch_worker
from voice_worker.settings import VoiceWorkerSettings
from voice_worker.worker import skip_local_inference_preload, worker_options


class MeteredAgentServer(AgentServer):
    """`AgentServer` whose `run` first turns on the metric files and the endpoint, then samples its capacity."""

    settings: VoiceWorkerSettings | None = None

    async def run(self, *, devmode: bool = False, unregistered: bool = False) -> None:
        if self.settings is None:
            raise RuntimeError("build it with agent_server(settings)")
        files_dir = self.settings.resolved_metric_files_dir()
        use_multiprocess(files_dir)  # before LiveKit starts its forkserver: every job process inherits it
        skip_local_inference_preload()
        files = MetricFiles(files_dir)
        registry = CollectorRegistry()
        registry.register(files)
        watching: list[asyncio.Task[None]] = []

        def watch() -> None:  # once LiveKit has emptied the directory of a previous run's files
            watching.append(asyncio.create_task(watch_worker(self, WorkerMetrics(CollectorRegistry()), files)))

        self.once("worker_started", watch)
        with metrics_endpoint(registry, self.settings.metrics_port, self.settings.metrics_host):
            try:
                await super().run(devmode=devmode, unregistered=unregistered)
            finally:
                for task in watching:
                    task.cancel()


def agent_server(settings: VoiceWorkerSettings) -> MeteredAgentServer:
    server = MeteredAgentServer.from_server_options(worker_options(settings))
    assert isinstance(server, MeteredAgentServer)  # from_server_options builds the class it is called on
    server.settings = settings
    return server
