"""Running the tool runner as a process: settings from the environment, stop on SIGTERM/SIGINT."""

from __future__ import annotations

import gc
import logging

from runtime import logs
from runtime.bus import nats_endpoint
from runtime.identities import Buckets
from runtime.metrics import metrics_endpoint, new_registry
from runtime.serve import wait_for_stop_signal
from runtime.telemetry import configure_export
from tool_runner.bootstrap import tool_runner_running
from tool_runner.settings import ToolRunnerSettings

log = logging.getLogger(__name__)


async def serve() -> None:
    settings = ToolRunnerSettings()
    logs.configure(settings.log_level)
    configure_export(settings.otel_exporter_otlp_endpoint, "camille-tool-runner")
    registry = new_registry()
    with (
        metrics_endpoint(registry, settings.metrics_port, settings.metrics_host),
        nats_endpoint(settings, Buckets(settings.idempotency_bucket, settings.call_state_bucket)) as endpoint,
    ):
        async with tool_runner_running(settings, endpoint, registry=registry):
            gc.freeze()  # the long-lived start-up objects leave the collector's scans: shorter pauses under load
            log.info("tool runner ready (routing file %s)", settings.routing_file)
            await wait_for_stop_signal()
            log.info("tool runner stopping: draining in-flight calls")
