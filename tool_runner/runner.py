"""The tool runner's logic: raw request bytes in, `ToolReply` bytes out, whatever the input.

Validation (with the clinic's booking rules and an injected clock), the deadline, idempotency across replicas, the
call's authority (limits, and what this call may act on: `authority.py`), then the webhook operations the tool call
becomes (`actions.py`). The FastStream subscribers in `service.py` only translate to and from NATS.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import nats.errors
from opentelemetry.trace import Status, StatusCode
from pydantic import ValidationError

from contracts.base import new_message_id
from contracts.clinic import ClinicProfile
from contracts.tools import BookingRules, RefusalReason, ToolErrorCode, ToolFailure, ToolName, ToolReply, ToolRequest
from contracts.webhooks import WebhookOperation
from tool_runner.actions import Actions
from tool_runner.authority import Admission, Authority
from tool_runner.backends import WebhookBackend
from tool_runner.call_state import CallStateStore, CallStateUnavailable
from tool_runner.idempotency import ResultStore
from tool_runner.metrics import ToolRunnerMetrics
from tool_runner.telemetry import Telemetry

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
UNKNOWN = "unknown"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Outcomes worth replaying to a duplicate: the backend's or the authority's final word. Transient failures are not
# stored, so a retry with the same key runs again (and the backend's own Idempotency-Key handling keeps it single).
STORED_CODES = frozenset(
    {
        ToolErrorCode.SLOT_UNAVAILABLE,
        ToolErrorCode.NOT_FOUND,
        ToolErrorCode.INVALID_ARGUMENTS,
        ToolErrorCode.NOT_PERMITTED,
        ToolErrorCode.LIMIT_REACHED,
    }
)
STATE_UNAVAILABLE = "the call's state is unavailable: nothing decided, nothing done"
WAIT_POLL_S = 0.02
READ_ONLY = frozenset({ToolName.CHECK_AVAILABILITY})
PROBE_HEADER = "Camille-Probe"  # readiness probes from this service's own composition root: answered empty


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _salvaged_ids(data: bytes) -> dict[str, str]:
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raw = None
    raw = raw if isinstance(raw, dict) else {}
    ids = {}
    for name, target in (("message_id", "request_id"), ("call_id", "call_id"), ("tool_call_id", "tool_call_id")):
        value = raw.get(name)
        ids[target] = value if isinstance(value, str) and _ID.match(value) else UNKNOWN
    return ids


def _field_of(error: Mapping[str, Any]) -> str | None:
    loc = [str(part) for part in error.get("loc", ())]
    if len(loc) >= 2 and loc[0] == "arguments" and loc[1] in {t.value for t in ToolName}:
        del loc[1]  # the discriminated union's tag is not a field
    return ".".join(loc)[:200] or None


def invalid_reply(
    tool: ToolName, data: bytes, exc: ValidationError | None, message: str = "", field: str | None = None
) -> ToolReply:
    if exc is not None:
        first = exc.errors(include_input=False, include_url=False)[0]
        field = _field_of(first)
        message = f"{field or 'request'}: {first['msg']}"
    failure = ToolFailure.of(ToolErrorCode.INVALID_ARGUMENTS, message[:300], field=field)
    return ToolReply.failure(tool=tool, error=failure, **_salvaged_ids(data))


class ToolRunner:
    def __init__(
        self,
        *,
        clinic: ClinicProfile,
        backends: Mapping[WebhookOperation, WebhookBackend],
        results: ResultStore,
        call_states: CallStateStore,
        telemetry: Telemetry,
        metrics: ToolRunnerMetrics,
        clock: Clock = utc_now,
        max_reply_bytes: int = 1024 * 1024,
    ) -> None:
        self.clinic = clinic
        self.backends = backends
        self.results = results
        self.authority = Authority(call_states, clinic)
        self.actions = Actions(backends, clinic)
        self.telemetry = telemetry
        self.metrics = metrics
        self.clock = clock
        self.max_reply_bytes = max_reply_bytes
        self._hours = clinic.hours()  # parsed once: validation runs on every request

    async def handle(self, tool: ToolName, data: bytes, headers: Mapping[str, str] | None = None) -> bytes:
        """Answer one request; never raises (a bug becomes an `internal` reply)."""
        if headers and PROBE_HEADER in headers and not data:
            return b""
        started = time.perf_counter()
        backend = self.backends[WebhookOperation(tool.value)].name
        attributes = {"camille.tool": tool.value, "camille.backend": backend}
        with self.telemetry.span(f"tool {tool.value}", headers, attributes) as span:
            try:
                reply = await self._answer(tool, data)
            except Exception as exc:  # the service must outlive any bug; the type is logged, never the text
                log.error("tool call %s failed unexpectedly: %s", tool.value, type(exc).__name__)
                failure = ToolFailure.of(ToolErrorCode.INTERNAL, f"internal error ({type(exc).__name__})")
                reply = ToolReply.failure(tool=tool, error=failure, **_salvaged_ids(data))
            encoded = reply.model_dump_json().encode()
            if len(encoded) > self.max_reply_bytes:
                failure = ToolFailure.of(ToolErrorCode.PAYLOAD_TOO_LARGE, "the reply exceeds the NATS payload limit")
                reply = ToolReply.failure(
                    request_id=reply.request_id,
                    call_id=reply.call_id,
                    tool_call_id=reply.tool_call_id,
                    tool=tool,
                    error=failure,
                )
                encoded = reply.model_dump_json().encode()
            code = "ok" if reply.ok else reply.error.code.value if reply.error else "internal"
            span.set_attribute("camille.call_id", reply.call_id)
            span.set_attribute("camille.outcome", code)
            if not reply.ok:
                span.set_status(Status(StatusCode.ERROR, code))
            self.metrics.answered(tool.value, time.perf_counter() - started, None if reply.ok else code)
            return encoded

    async def _answer(self, tool: ToolName, data: bytes) -> ToolReply:
        now = self.clock()
        try:
            rules = BookingRules(self.clinic.zone, now, self._hours, self.clinic.phone_region)
            request = ToolRequest.model_validate_json(data, context=rules.context())
        except ValidationError as exc:
            return invalid_reply(tool, data, exc)
        if request.tool is not tool:
            mismatch = f"arguments.tool: {request.tool.value} sent on the {tool.value} subject"
            return invalid_reply(tool, data, None, mismatch, field="arguments.tool")
        if request.deadline <= now:
            failure = ToolFailure.of(ToolErrorCode.DEADLINE_EXCEEDED, "the deadline passed before the call started")
            return ToolReply.failed(request, failure)
        return await self._run_once_across_replicas(request)

    def _remaining_s(self, request: ToolRequest) -> float:
        return (request.deadline - self.clock()).total_seconds()

    async def _run_once_across_replicas(self, request: ToolRequest) -> ToolReply:
        """Run the call unless another replica has (or is): then answer with that replica's reply."""
        if request.tool in READ_ONLY:
            return await self._execute(request)  # a repeat simply reads again: nothing to protect, fresher answer
        key = request.idempotency_key
        while (remaining := self._remaining_s(request)) > 0:
            try:
                claim = await self.results.claim(key, hold_s=remaining + 1.0)
            except (nats.errors.Error, TimeoutError) as exc:
                # Without the bucket, the backend's own Idempotency-Key handling is what keeps the call single.
                log.warning("idempotency bucket unavailable (%s); calling the backend", type(exc).__name__)
                return await self._execute(request)
            if claim.done is not None:
                first = ToolReply.model_validate_json(claim.done)
                return first.model_copy(update={"message_id": new_message_id(), "request_id": request.message_id})
            if claim.revision is not None:
                reply = await self._execute(request)
                with contextlib.suppress(nats.errors.Error, TimeoutError):  # the reply matters more than the record
                    if reply.ok or (reply.error is not None and reply.error.code in STORED_CODES):
                        await self.results.complete(key, claim.revision, reply.model_dump_json().encode())
                    else:
                        await self.results.release(key, claim.revision)
                return reply
            await asyncio.sleep(min(WAIT_POLL_S, max(remaining, 0)))
        failure = ToolFailure.of(ToolErrorCode.DEADLINE_EXCEEDED, "the same call was still running at the deadline")
        return ToolReply.failed(request, failure)

    async def _execute(self, request: ToolRequest) -> ToolReply:
        remaining = functools.partial(self._remaining_s, request)
        # A read changes nothing in the world: it is made while the call's state is checked (the answer is dropped
        # if the call may not have it), so the state's round trips add no wait. Anything else waits to be admitted.
        reading = (
            asyncio.ensure_future(self.actions.run(request, Admission(), remaining))
            if request.tool in READ_ONLY
            else None
        )
        try:
            admission = await self.authority.admit(request)
        except CallStateUnavailable as exc:  # fail closed: without the call's state nothing can be authorised
            log.warning("tool call %s not run, call state unavailable (%s)", request.tool.value, exc)
            _drop(reading)
            return ToolReply.failed(request, ToolFailure.of(ToolErrorCode.BACKEND_UNAVAILABLE, STATE_UNAVAILABLE))
        except BaseException:
            _drop(reading)
            raise
        if admission.refusal is not None:
            _drop(reading)
            self._refused(request, admission.refusal.reason)
            return ToolReply.failed(request, admission.refusal.failure())
        acted = await (reading or self.actions.run(request, admission, remaining))
        if acted.refusal is not None:
            self._refused(request, acted.refusal)
        try:
            await self.authority.settle(request, refund=acted.refund, appointment=acted.appointment)
        except CallStateUnavailable as exc:  # done but not remembered: its SMS will be refused, never misdirected
            log.warning("tool call %s done, call state not updated (%s)", request.tool.value, exc)
        if acted.outcome.result is not None:
            return ToolReply.success(request, acted.outcome.result)
        assert acted.outcome.failure is not None
        return ToolReply.failed(request, acted.outcome.failure)

    def _refused(self, request: ToolRequest, reason: RefusalReason) -> None:
        log.info("tool call %s refused: %s (call %s)", request.tool.value, reason.value, request.call_id)
        self.metrics.refused(request.tool.value, reason.value)


def _drop(task: asyncio.Future[Any] | None) -> None:
    if task is not None:
        task.cancel()
