"""`camille up`: every service in one process on embedded defaults, for a clinic engineer's laptop.

NATS (embedded unless NATS_URL is set, with production's identities and permissions), the reference scheduling backend,
the tool runner, the audit sink and the token service (the caller's web page on CAMILLE_WEB_PORT) run in-process; the
voice worker needs a LiveKit server, so it is started as its own process only when LIVEKIT_URL is configured. One
Prometheus endpoint (CAMILLE_METRICS_PORT) serves the whole stack: the in-process services' registry plus the voice
worker's metric files. `camille demo` runs a whole call offline instead.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.identities import Identity

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from runtime.bus import NatsEndpoint

app = typer.Typer(help="Run every service locally on embedded defaults.")
VOICE_METRICS_DIR = "voice-worker-metrics"


async def _serve(
    nats: NatsEndpoint, reference_port: int, web_port: int | None, registry: CollectorRegistry, voice_files: Path | None
) -> None:
    from audit_sink.settings import AuditSinkSettings
    from camille.stack import local_stack
    from runtime.serve import wait_for_stop_signal
    from token_service.server import token_service_running
    from token_service.settings import TokenServiceSettings
    from tool_runner.settings import ToolRunnerSettings

    web_settings = TokenServiceSettings()
    tools, audit = ToolRunnerSettings(), AuditSinkSettings()
    async with (
        local_stack(nats, tools, audit, reference_port=reference_port, registry=registry) as stack,
        token_service_running(web_settings, port=web_port) as web_url,
    ):
        typer.echo(f"reference scheduling backend: {stack.reference_url}")
        typer.echo("audit sink: consuming camille.v1.audit.>")
        typer.echo("tool runner: answering camille.v1.tools.*")
        typer.echo(f"call page: {web_url}/  (LiveKit at {web_settings.livekit_url})")
        worker = _start_voice_worker(nats, voice_files) if voice_files is not None else None
        typer.echo(f"NATS: {nats.url}  (Ctrl-C to stop)")
        try:
            await wait_for_stop_signal()
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                await asyncio.to_thread(worker.wait)


def _start_voice_worker(nats: NatsEndpoint, metric_files: Path) -> subprocess.Popen[bytes]:
    # No endpoint of its own: its job processes' files are served by this stack's endpoint.
    files = {"PROMETHEUS_MULTIPROC_DIR": str(metric_files), "CAMILLE_METRICS_PORT": "0"}
    env = os.environ | nats.for_process(Identity.VOICE_WORKER) | files
    typer.echo("voice worker: starting (LiveKit at LIVEKIT_URL)")
    return subprocess.Popen([sys.executable, "-m", "camille.cli", "voice-worker", "start"], env=env)


@app.callback(invoke_without_command=True)
def up(
    reference_port: Annotated[int, typer.Option(help="Port of the reference scheduling backend.")] = 8765,
    web_port: Annotated[
        int | None, typer.Option(help="Port of the call page and token API (default: CAMILLE_WEB_PORT, 8780).")
    ] = None,
) -> None:
    """Run NATS, the reference backend, the tool runner, the audit sink, the call page (and the voice worker with
    LiveKit)."""
    from runtime.bus import nats_endpoint
    from runtime.logs import configure
    from runtime.metrics import MetricFiles, metrics_endpoint, new_registry
    from runtime.settings import CommonSettings

    settings = CommonSettings()
    configure(settings.log_level)
    registry = new_registry()
    voice_files = None
    if os.environ.get("LIVEKIT_URL"):
        voice_files = settings.data_dir / VOICE_METRICS_DIR
        registry.register(MetricFiles(voice_files))
    else:
        typer.echo("voice worker: not started (set LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET, OPENAI_API_KEY)")
    with (
        metrics_endpoint(registry, settings.metrics_port, settings.metrics_host) as port,
        nats_endpoint(settings) as nats,
    ):
        typer.echo(f"metrics: http://{settings.metrics_host}:{port}/metrics" if port else "metrics: no endpoint")
        asyncio.run(_serve(nats, reference_port, web_port, registry, voice_files))
