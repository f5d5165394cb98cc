"""The measurements behind `camille bench authority`: what the per-call state costs a tool call.

One tool runner (the production `ToolRunner` behind the production FastStream subscribers) answers
check_availability over a real nats-server, its webhook answering after a fixed delay. Its call state is either the
JetStream key-value bucket, as deployed (every replica shares it: a read and a revision-checked write per call), or
a dict in the process (what deciding costs without sharing; right for one replica only). Rounds alternate between
the two, so both see the same machine. Also: the tool runner's CPU per admission against the bucket.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from opentelemetry.trace import NoOpTracerProvider
from prometheus_client import CollectorRegistry

from contracts.base import Contract
from contracts.subjects import CALL_STATE_BUCKET, IDEMPOTENCY_BUCKET, tool_subject
from contracts.tools import CheckAvailabilityResult, ToolName, ToolReply, ToolRequest
from contracts.webhooks import WebhookOperation
from offline_kit.bench.tools import summary, timed
from offline_kit.webhook import tool_request
from runtime.bus import EmbeddedNats, connect
from runtime.clinic import load_clinic
from runtime.identities import Identity
from runtime.settings import SHIPPED_CLINIC_FILE
from tool_runner.authority import Authority
from tool_runner.backends import Outcome
from tool_runner.bootstrap import wait_until_answering
from tool_runner.call_state import CallStateStore, KvCallStateStore, StaleRevision
from tool_runner.idempotency import KvResultStore
from tool_runner.metrics import ToolRunnerMetrics
from tool_runner.runner import ToolRunner
from tool_runner.service import build_broker, stop_serving
from tool_runner.telemetry import Telemetry


class ProcessCallStateStore:
    """Call state in a dict of this process, with the bucket's revision check: one replica's view only."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, bytes]] = {}

    async def read(self, call_id: str) -> tuple[bytes | None, int]:
        revision, value = self._entries.get(call_id, (0, b""))
        return (value or None), revision

    async def write(self, call_id: str, value: bytes, revision: int) -> int:
        if self._entries.get(call_id, (0, b""))[0] != revision:
            raise StaleRevision
        self._entries[call_id] = (revision + 1, value)
        return revision + 1


class DelayedWebhook:
    """Stands in for a webhook backend: every operation answers an empty slot list after `delay_s`."""

    name = "bench"

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    async def call(
        self, operation: WebhookOperation, arguments: Contract, key: str, remaining_s: Callable[[], float]
    ) -> Outcome:
        await asyncio.sleep(self.delay_s)
        return Outcome(CheckAvailabilityResult(slots=[]))


def check_request() -> bytes:
    request = tool_request(
        {"tool": "check_availability", "date": "2030-01-08"},
        now=dt.datetime.now(dt.UTC),
        call_id=uuid.uuid4().hex,  # a call of its own each time: a read that finds nothing, then a create
        tool_call_id=uuid.uuid4().hex,
        timeout_s=10,
    )
    return request.model_dump_json().encode()


async def cpu_per_admission_ms(store: CallStateStore, admissions: int) -> float:
    """Process CPU of `admissions` admissions in a row against `store`, per admission."""
    authority = Authority(store, load_clinic(SHIPPED_CLINIC_FILE))
    parsed = [ToolRequest.model_validate_json(check_request()) for _ in range(admissions)]
    started = time.process_time()
    for request in parsed:
        await authority.admit(request)
    return (time.process_time() - started) / admissions * 1000


async def run(delay_s: float = 0.02, calls: int = 500, rounds: int = 3) -> dict[str, Any]:
    delay_ms = delay_s * 1000
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="camille-bench-") as tmp, EmbeddedNats(Path(tmp) / "nats") as server:
        nc = await connect(server.endpoint, Identity.VOICE_WORKER, name="bench-authority")
        runner_nc = await connect(server.endpoint, Identity.TOOL_RUNNER, name="bench-authority-runner")
        try:
            js = runner_nc.jetstream(timeout=2)
            shared = await KvCallStateStore.open(js, CALL_STATE_BUCKET, 1800)
            webhook: Any = DelayedWebhook(delay_s)  # what a WebhookBackend answers, without the HTTP
            runner = ToolRunner(
                clinic=load_clinic(SHIPPED_CLINIC_FILE),
                backends=dict.fromkeys(WebhookOperation, webhook),
                results=await KvResultStore.open(js, IDEMPOTENCY_BUCKET, 3600),
                call_states=shared,
                telemetry=Telemetry.create(NoOpTracerProvider()),
                metrics=ToolRunnerMetrics(CollectorRegistry()),
            )
            broker, in_flight = build_broker(
                server.url, runner.handle, **server.endpoint.connect_options(Identity.TOOL_RUNNER)
            )
            await broker.start()
            await wait_until_answering(nc, timeout_s=10)
            subject = tool_subject(ToolName.CHECK_AVAILABILITY)

            async def send() -> None:
                reply = await nc.request(subject, check_request(), timeout=10)
                if not ToolReply.model_validate_json(reply.data).ok:
                    raise RuntimeError("benchmark call failed")

            call: Callable[[], Awaitable[None]] = send
            await timed(call, 10, 100)  # warm up
            stores: dict[str, CallStateStore] = {"jetstream": shared, "in_process": ProcessCallStateStore()}
            for _ in range(rounds):
                for name, store in stores.items():
                    runner.authority.store = store
                    samples.setdefault(f"{name}_at_1", []).extend(await timed(call, 1, calls // 5))
                    at_50 = await timed(call, 50, calls, spread_s=delay_s)
                    samples.setdefault(f"{name}_at_50", []).extend(at_50)
            await stop_serving(broker, in_flight, 10)
            cpu = await cpu_per_admission_ms(shared, 2000)
        finally:
            await nc.close()
            await runner_nc.close()
    figures: dict[str, Any] = {"webhook_delay_ms": delay_ms, "rounds": rounds, "cpu_ms_per_admission": round(cpu, 3)}
    for name, values in samples.items():
        figures |= summary(f"{name}_overhead", values, delay_ms)
    for level in ("1", "50"):
        for q in ("p50", "p99"):
            added = figures[f"jetstream_at_{level}_overhead_{q}_ms"] - figures[f"in_process_at_{level}_overhead_{q}_ms"]
            figures[f"shared_state_adds_{q}_ms_at_{level}"] = round(added, 3)
    return figures
