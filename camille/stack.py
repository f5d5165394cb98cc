"""The services that back a call, in one process: the reference scheduling API, the audit sink and the tool runner.

`camille up`, `camille demo` and `camille loadtest` all run this same stack on one NATS, each service as its own
identity.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from audit_sink.bootstrap import AuditSinkHandle, audit_sink_running
from audit_sink.settings import AuditSinkSettings
from runtime.bus import NatsEndpoint
from scheduling_api.server import reference_backend_running
from tool_runner.bootstrap import tool_runner_running
from tool_runner.settings import ToolRunnerSettings


@dataclass(frozen=True)
class LocalStack:
    nats: NatsEndpoint
    reference_url: str
    sink: AuditSinkHandle

    async def stored_events(self, call_id: str, expected: int, timeout_s: float = 10.0) -> int:
        """How many of a call's events the audit sink has stored, waiting up to timeout_s for `expected`."""
        deadline = time.monotonic() + timeout_s
        while True:
            count = len(await asyncio.to_thread(self.sink.store.records, call_id))
            if count >= expected or time.monotonic() > deadline:
                return count
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def local_stack(
    nats: NatsEndpoint,
    tool_settings: ToolRunnerSettings,
    audit_settings: AuditSinkSettings,
    *,
    reference_port: int = 0,
    registry: CollectorRegistry | None = None,
) -> AsyncIterator[LocalStack]:
    """Start the reference API, then the audit sink (it owns the audit stream), then the tool runner pointing at the
    reference API, both counting into `registry` (one for the whole stack); stop them in reverse order."""
    async with contextlib.AsyncExitStack() as stack:
        reference_url = await stack.enter_async_context(reference_backend_running(tool_settings, port=reference_port))
        sink = await stack.enter_async_context(audit_sink_running(audit_settings, nats, registry=registry))
        routed = tool_settings.model_copy(update={"reference_url": reference_url})
        await stack.enter_async_context(tool_runner_running(routed, nats, registry=registry))
        yield LocalStack(nats=nats, reference_url=reference_url, sink=sink)
