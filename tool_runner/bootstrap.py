"""The tool runner's composition root: settings in, a running service out. The only place that reads the environment."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import nats.errors
from faststream.nats import NatsBroker
from nats.aio.client import Client as NATS
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry

from contracts.subjects import tool_subject
from contracts.tools import ToolName
from contracts.webhooks import WebhookOperation
from runtime.bus import NatsEndpoint, connect, release
from runtime.clinic import load_clinic
from runtime.identities import Identity
from runtime.settings import ConfigurationError
from runtime.webhook_secret import webhook_secret
from tool_runner.backends import KINDS, WebhookBackend
from tool_runner.call_state import KvCallStateStore
from tool_runner.http import HttpPoster, http_poster
from tool_runner.idempotency import KvResultStore
from tool_runner.metrics import ToolRunnerMetrics
from tool_runner.routing import Routing, load_routing
from tool_runner.runner import PROBE_HEADER, Clock, ToolRunner, utc_now
from tool_runner.service import build_broker, stop_serving
from tool_runner.settings import ToolRunnerSettings
from tool_runner.telemetry import Telemetry

WEBHOOK_SECRET_ENV = "CAMILLE_WEBHOOK_SECRET"
DRAIN_TIMEOUT_S = 10.0
KV_TIMEOUT_S = 1.0  # a bucket operation slower than this is treated as unavailable (tool deadlines are seconds)


@dataclass(frozen=True, slots=True)
class RunningToolRunner:
    runner: ToolRunner
    broker: NatsBroker
    routing: Routing
    backends: Mapping[str, WebhookBackend]


def resolve_secrets(routing: Routing, environ: Mapping[str, str], known: Mapping[str, str]) -> dict[str, str]:
    secrets: dict[str, str] = {}
    missing = []
    for name in sorted(routing.secret_env_names()):
        value = known.get(name) or environ.get(name)
        if value:
            secrets[name] = value
        else:
            missing.append(name)
    if missing:
        raise ConfigurationError(f"the routing file needs these environment variables: {', '.join(missing)}")
    return secrets


def build_backends(
    settings: ToolRunnerSettings, routing: Routing, secrets: Mapping[str, str], clients: dict[str, HttpPoster]
) -> dict[str, WebhookBackend]:
    backends = {}
    for name, config in routing.backends.items():
        clients[name] = http_poster(settings.http_transport, ca_file=settings.webhook_ca_file)
        backends[name] = KINDS[config.kind](
            name, config, routing.tools, secrets, clients[name], max_response_bytes=settings.webhook_max_response_bytes
        )
    return backends


async def wait_until_answering(nc: NATS, timeout_s: float = 5.0) -> None:
    """Probe every tool subject until this replica answers (the server can report no responders for a moment
    after a subscription is made)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    for tool in ToolName:
        while True:
            try:
                await nc.request(tool_subject(tool), b"", timeout=1.0, headers={PROBE_HEADER: "1"})
                break
            except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def tool_runner_running(
    settings: ToolRunnerSettings,
    endpoint: NatsEndpoint,
    *,
    clock: Clock = utc_now,
    environ: Mapping[str, str] | None = None,
    tracer_provider: TracerProvider | None = None,
    registry: CollectorRegistry | None = None,
) -> AsyncIterator[RunningToolRunner]:
    """Start a tool-runner replica on `endpoint` as the tool-runner identity, its metrics on `registry` (a private
    one when None); stop it (draining in-flight calls) on exit."""
    environ = os.environ if environ is None else environ
    clinic = load_clinic(settings.clinic_file)
    routing = load_routing(
        settings.routing_file, {**environ, "CAMILLE_REFERENCE_URL": settings.resolved_reference_url()}
    )
    known = {WEBHOOK_SECRET_ENV: webhook_secret(settings.webhook_secret, settings.data_dir)}
    secrets = resolve_secrets(routing, environ, known)
    clients: dict[str, HttpPoster] = {}
    nc = await connect(endpoint, Identity.TOOL_RUNNER, name="tool-runner")
    try:
        js = nc.jetstream(timeout=KV_TIMEOUT_S)
        results = await KvResultStore.open(js, settings.idempotency_bucket, settings.idempotency_retention_s)
        call_states = await KvCallStateStore.open(
            js, settings.call_state_bucket, settings.call_state_ttl_s, settings.call_state_replicas
        )
        backends = build_backends(settings, routing, secrets, clients)
        runner = ToolRunner(
            clinic=clinic,
            backends={operation: backends[routing.tools[operation].backend] for operation in WebhookOperation},
            results=results,
            call_states=call_states,
            telemetry=Telemetry.create(tracer_provider),
            metrics=ToolRunnerMetrics(registry if registry is not None else CollectorRegistry()),
            clock=clock,
            max_reply_bytes=nc.max_payload,
        )
        broker, in_flight = build_broker(
            endpoint.url,
            runner.handle,
            concurrency=settings.tool_concurrency,
            **endpoint.connect_options(Identity.TOOL_RUNNER),
        )
        await broker.start()
        await wait_until_answering(nc)
        try:
            yield RunningToolRunner(runner=runner, broker=broker, routing=routing, backends=backends)
        finally:
            await stop_serving(broker, in_flight, DRAIN_TIMEOUT_S)
    finally:
        for client in clients.values():
            await client.aclose()
        await release(nc)
