"""Webhook delivery through a real tool runner to a real local HTTP server: signing, failure mapping, retries,
circuit breaker, idempotency across replicas, and tracing."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import json
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from nats.aio.client import Client as NATS
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from standardwebhooks.webhooks import Webhook

from contracts.subjects import tool_subject
from contracts.tools import ToolErrorCode, ToolName, ToolReply, ToolRequest
from offline_kit.webhook import LocalWebhook, delayed, json_answer, tool_request, trickle
from runtime.bus import NatsEndpoint
from runtime.webhook_secret import development_webhook_secret
from tests.fakes import shifted_clock
from tool_runner.bootstrap import tool_runner_running
from tool_runner.http import TRANSPORTS, Transport
from tool_runner.settings import ToolRunnerSettings

ZURICH = ZoneInfo("Europe/Zurich")
NOW = dt.datetime(2026, 12, 7, 7, 30, tzinfo=ZURICH)
BOOKED = {
    "tool": "book_appointment",
    "appointment_id": "apt-1",
    "start": "2026-12-07T09:00:00+01:00",
    "duration_minutes": 20,
}
OVERSIZED = ToolRunnerSettings.model_fields["webhook_max_response_bytes"].default + 1
ROUTING = """
backends:
  clinic:
    kind: http
    url: ${{HOOK_URL}}
    signing_secret_env: CAMILLE_WEBHOOK_SECRET
    timeouts: {{connect_s: 0.5, read_s: 0.3, total_s: 0.6}}
    retry: {{max_attempts: 3, base_delay_s: 0.01, max_delay_s: 0.05}}
    breaker: {{failure_threshold: {threshold}, reset_after_s: 60}}
tools:
  check_availability: {{backend: clinic, path: /check}}
  book_appointment: {{backend: clinic, path: /book}}
  find_appointments: {{backend: clinic, path: /find}}
  cancel_appointment: {{backend: clinic, path: /cancel}}
  send_sms: {{backend: clinic, path: /sms}}
"""


def settings(tmp: Path, threshold: int = 50, transport: Transport = "aiohttp") -> ToolRunnerSettings:
    routing = tmp / f"tools-{threshold}.yaml"
    routing.write_text(ROUTING.format(threshold=threshold))
    return ToolRunnerSettings(data_dir=tmp, routing_file=routing, http_transport=transport)


@pytest.fixture
async def hook() -> AsyncIterator[LocalWebhook]:
    server = LocalWebhook([json_answer(BOOKED, status=201)])
    await server.start()
    yield server
    await server.stop()


Runner = Callable[..., contextlib.AbstractAsyncContextManager[Any]]


@pytest.fixture
def runner(tmp_path: Path, nats: NatsEndpoint, hook: LocalWebhook, fresh_tool_buckets: None) -> Runner:

    def start(
        threshold: int = 50, transport: Transport = "aiohttp", **kwargs: Any
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        return tool_runner_running(
            settings(tmp_path, threshold, transport),
            nats,
            clock=kwargs.pop("clock", None) or shifted_clock(NOW),
            environ={"HOOK_URL": hook.url},
            **kwargs,
        )

    return start


def booking(timeout_s: float = 8.0, tool_call_id: str | None = None) -> ToolRequest:
    return tool_request(
        {
            "tool": "book_appointment",
            "date": "2026-12-07",
            "time": "09:00",
            "patient_name": "Jeanne Martin",
            "phone": "+41 79 123 45 67",
            "reason": "contrôle",
        },
        now=NOW,
        call_id=f"call-{uuid.uuid4().hex[:10]}",
        tool_call_id=tool_call_id or f"tc-{uuid.uuid4().hex[:6]}",
        timeout_s=timeout_s,
    )


async def send(nc: NATS, request: ToolRequest, headers: dict[str, str] | None = None) -> ToolReply:
    msg = await nc.request(
        tool_subject(request.tool), request.model_dump_json().encode(), timeout=20, headers=headers or {}
    )
    return ToolReply.model_validate_json(msg.data)


def failed_with(reply: ToolReply, code: ToolErrorCode) -> bool:
    return not reply.ok and reply.result is None and reply.error is not None and reply.error.code is code


async def test_calls_are_signed_with_the_idempotency_key(
    nc: NATS, hook: LocalWebhook, runner: Runner, tmp_path: Path
) -> None:
    """The webhook gets the arguments as JSON, a valid Standard Webhooks signature, webhook-id = Idempotency-Key."""
    request = booking()
    async with runner():
        reply = await send(nc, request)
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.BOOK_APPOINTMENT
    [received] = hook.received
    assert received.path == "/book"
    payload = Webhook(development_webhook_secret(tmp_path)).verify(received.body, received.headers)
    assert payload["phone"] == "+41791234567" and payload["time"] == "09:00:00"
    assert received.headers["webhook-id"] == received.headers["idempotency-key"] == request.idempotency_key


@pytest.mark.parametrize(
    ("responder", "code", "attempts"),
    [
        (json_answer({"error": "boom"}, status=500), ToolErrorCode.BACKEND_UNAVAILABLE, 3),
        (json_answer({"error": "down"}, status=503), ToolErrorCode.BACKEND_UNAVAILABLE, 3),
        (json_answer({"error": "slow down"}, status=429, headers={"Retry-After": "60"}), ToolErrorCode.RATE_LIMITED, 1),
        (delayed(json_answer(BOOKED), 2.0), ToolErrorCode.TIMEOUT, 3),
        (trickle(json.dumps(BOOKED).encode(), chunk_delay_s=0.1), ToolErrorCode.TIMEOUT, 3),
        (lambda r, b: _html(), ToolErrorCode.BACKEND_ERROR, 1),
        (json_answer({"tool": "book_appointment", "start": "tomorrow"}), ToolErrorCode.BACKEND_ERROR, 1),
        (json_answer({"error": "taken"}, status=409), ToolErrorCode.SLOT_UNAVAILABLE, 1),
        (json_answer({"error": "nope"}, status=404), ToolErrorCode.NOT_FOUND, 1),
        (json_answer({"error": "bad", "field": "time"}, status=422), ToolErrorCode.INVALID_ARGUMENTS, 1),
    ],
    ids=[
        "500",
        "503",
        "429-retry-after-beyond-deadline",
        "timeout",
        "slow-trickle",
        "html-body",
        "schema-invalid-json",
        "409",
        "404",
        "422",
    ],
)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_webhook_failures_become_typed_errors_never_success(
    nc: NATS,
    hook: LocalWebhook,
    runner: Runner,
    responder: Any,
    code: ToolErrorCode,
    attempts: int,
    transport: Transport,
) -> None:
    """Each failing answer gives its typed error (retried only when retryable, within the deadline), never ok."""
    hook.answer_with(responder)
    async with runner(transport=transport):
        reply = await send(nc, booking())
    assert failed_with(reply, code), reply.error
    assert len(hook.received) == attempts
    assert reply.error is not None and reply.error.retryable == (
        code in {ToolErrorCode.BACKEND_UNAVAILABLE, ToolErrorCode.RATE_LIMITED, ToolErrorCode.TIMEOUT}
    )


async def _chunked_oversized(request: web.Request) -> web.StreamResponse:
    """A 200 whose size is not announced (chunked): the runner stops reading once it passes the limit."""
    response = web.StreamResponse(status=200, headers={"content-type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):  # the runner may hang up before the last chunk
        await response.write(json.dumps(BOOKED)[:-1].encode() + b', "padding": "')
        for _ in range(OVERSIZED // 65536 + 1):
            await response.write(b"x" * 65536)
        await response.write(b'"}')
        await response.write_eof()
    return response


@pytest.mark.parametrize(
    "responder",
    [json_answer({**BOOKED, "padding": "x" * OVERSIZED}), lambda r, b: _chunked_oversized(r)],
    ids=["content-length", "chunked"],
)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_answer_over_the_size_limit_is_an_error(
    nc: NATS, hook: LocalWebhook, runner: Runner, responder: Any, transport: Transport
) -> None:
    """A 200 larger than the limit is a backend error (not retried), whether its size is announced or not."""
    hook.answer_with(responder)
    async with runner(transport=transport):
        reply = await send(nc, booking())
    assert failed_with(reply, ToolErrorCode.BACKEND_ERROR) and reply.error is not None
    assert "too large" in reply.error.message
    assert len(hook.received) == 1


# Valid JSON of the right shape once inflated: 64 times the limit of spaces, about 16 kB on the wire.
BOMB = json.dumps(BOOKED)[:-1].encode() + b', "padding": "' + b" " * (64 * OVERSIZED) + b'"}'
CODERS = {"gzip": gzip.compress, "deflate": zlib.compress}


def _compressed(coding: str, payload: bytes, *, chunked: bool) -> Any:
    """An answer compressed with `coding`, its size announced (Content-Length) or not (chunked)."""
    wire = CODERS[coding](payload)

    async def respond(request: web.Request, body: bytes) -> web.StreamResponse:
        headers = {"content-type": "application/json", "content-encoding": coding}
        if not chunked:
            return web.Response(status=200, body=wire, headers=headers)
        response = web.StreamResponse(status=200, headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the runner hangs up once it has seen enough
            for start in range(0, len(wire), 4096):
                await response.write(wire[start : start + 4096])
            await response.write_eof()
        return response

    return respond


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("coding", ["gzip", "deflate"])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_compression_bomb_is_over_the_size_limit(
    nc: NATS, hook: LocalWebhook, runner: Runner, transport: Transport, coding: str, chunked: bool
) -> None:
    """A small compressed 200 that inflates past the limit is a backend error, however its size is announced."""
    assert len(CODERS[coding](BOMB)) < OVERSIZED // 8
    hook.answer_with(_compressed(coding, BOMB, chunked=chunked))
    async with runner(transport=transport):
        reply = await send(nc, booking())
    assert failed_with(reply, ToolErrorCode.BACKEND_ERROR) and reply.error is not None
    assert "too large" in reply.error.message
    assert len(hook.received) == 1


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_compressed_answer_within_the_limit_is_read(
    nc: NATS, hook: LocalWebhook, runner: Runner, transport: Transport, coding: str
) -> None:
    """The runner asks for gzip or deflate only, and a compressed answer under the limit is decoded and used."""
    hook.answer_with(_compressed(coding, json.dumps(BOOKED).encode(), chunked=True))
    async with runner(transport=transport):
        reply = await send(nc, booking())
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.BOOK_APPOINTMENT
    assert hook.received[0].headers["accept-encoding"] == "gzip, deflate"


async def _html() -> web.StreamResponse:
    return web.Response(text="<html><body>Bad Gateway</body></html>", content_type="text/html")


async def test_retryable_failures_are_retried_until_success(nc: NATS, hook: LocalWebhook, runner: Runner) -> None:
    """A 503 then a 429 with Retry-After: 0 then a good answer gives an ok reply after three attempts."""
    hook.answer_with(
        json_answer({}, status=503),
        json_answer({}, status=429, headers={"Retry-After": "0"}),
        json_answer(BOOKED, status=201),
    )
    async with runner():
        reply = await send(nc, booking())
    assert reply.ok and len(hook.received) == 3
    assert len({r.headers["webhook-id"] for r in hook.received}) == 1


async def test_circuit_breaker_fails_fast_while_the_backend_is_down(
    nc: NATS, hook: LocalWebhook, runner: Runner
) -> None:
    """After four consecutive failures the breaker opens: the next call fails without reaching the backend."""
    hook.answer_with(json_answer({}, status=500))
    async with runner(threshold=4):
        first = await send(nc, booking())
        second = await send(nc, booking())
        third = await send(nc, booking())
    assert failed_with(first, ToolErrorCode.BACKEND_UNAVAILABLE)
    assert failed_with(second, ToolErrorCode.BACKEND_UNAVAILABLE)
    assert failed_with(third, ToolErrorCode.BACKEND_UNAVAILABLE)
    assert third.error is not None and "circuit open" in third.error.message and third.error.retry_after_s
    assert len(hook.received) == 4


async def test_same_key_on_two_replicas_calls_the_backend_once(nc: NATS, hook: LocalWebhook, runner: Runner) -> None:
    """Two replicas sharing the bucket: duplicates (concurrent and later) get the first reply; one backend call."""
    hook.answer_with(delayed(json_answer(BOOKED, status=201), 0.15))
    request = booking()
    async with runner(), runner():
        concurrent = await asyncio.gather(*(send(nc, request) for _ in range(6)))
        later = await send(nc, request)
    assert all(r.ok for r in [*concurrent, later]), [r.error for r in [*concurrent, later]]
    assert {r.result.model_dump_json() for r in [*concurrent, later] if r.result} == {
        concurrent[0].result.model_dump_json()
    }  # type: ignore[union-attr]
    assert len(hook.received) == 1


async def test_transient_failures_are_not_replayed(nc: NATS, hook: LocalWebhook, runner: Runner) -> None:
    """A call that failed retryably runs again when repeated with the same key (the failure is not stored)."""
    hook.answer_with(*[json_answer({}, status=503)] * 3, json_answer(BOOKED, status=201))
    request = booking()
    async with runner():
        first = await send(nc, request)
        second = await send(nc, request)
    assert failed_with(first, ToolErrorCode.BACKEND_UNAVAILABLE)
    assert second.ok and len(hook.received) == 4


async def test_span_per_call_continues_the_callers_trace_without_phi(
    nc: NATS, hook: LocalWebhook, runner: Runner
) -> None:
    """The tool call's span has the caller's trace id, ids and codes as attributes, and no PHI; metrics count it."""
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    registry = CollectorRegistry()
    trace_id = uuid.uuid4().hex
    hook.answer_with(json_answer({}, status=409))
    async with runner(tracer_provider=tracer_provider, registry=registry):
        await send(nc, booking(), headers={"traceparent": f"00-{trace_id}-{'1' * 16}-01"})
    [span] = [s for s in spans.get_finished_spans() if s.name == "tool book_appointment"]
    assert span.context is not None and format(span.context.trace_id, "032x") == trace_id
    assert span.attributes is not None and span.attributes["camille.outcome"] == "slot_unavailable"
    flat = json.dumps({k: str(v) for k, v in span.attributes.items()})
    assert "791234567" not in flat and "Jeanne" not in flat and "contrôle" not in flat
    tool = {"tool": "book_appointment"}
    assert registry.get_sample_value("camille_tool_runner_duration_seconds_count", tool) == 1.0
    errors = registry.get_sample_value("camille_tool_runner_errors_total", tool | {"code": "slot_unavailable"})
    assert errors == 1.0


async def test_logs_carry_no_phi(
    nc: NATS, hook: LocalWebhook, runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    """Failed calls are logged with tool, backend, code and call id, never the patient's name, phone or reason."""
    hook.answer_with(json_answer({"error": "taken", "detail": "Jeanne Martin +41791234567"}, status=409))
    with caplog.at_level("DEBUG"):
        async with runner():
            reply = await send(nc, booking())
    assert failed_with(reply, ToolErrorCode.SLOT_UNAVAILABLE)
    text = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert "slot_unavailable" in text
    assert "Jeanne" not in text and "791234567" not in text and "contrôle" not in text


async def test_retries_stop_at_the_callers_deadline(nc: NATS, hook: LocalWebhook, runner: Runner) -> None:
    """With half a second left, a hanging webhook gets fewer attempts than the policy allows; the reply is timeout."""
    hook.answer_with(delayed(json_answer(BOOKED), 1.0))
    clock = shifted_clock(NOW)
    async with runner(clock=clock):
        request = tool_request(booking().arguments.model_dump(mode="json"), now=clock(), timeout_s=0.5)
        reply = await send(nc, request)
    assert failed_with(reply, ToolErrorCode.TIMEOUT)
    assert 1 <= len(hook.received) <= 2  # 3 attempts of 0.3 s (read timeout) allowed: 0.5 s left room for 2 at most


async def test_a_call_in_flight_when_the_runner_stops_is_still_answered(
    nc: NATS, hook: LocalWebhook, runner: Runner
) -> None:
    """Stopping a replica takes no new calls but still answers the call it had already sent to the webhook."""
    hook.answer_with(delayed(json_answer(BOOKED, status=201), 0.15))
    async with runner():
        pending = asyncio.create_task(send(nc, booking()))
        for _ in range(1000):
            if hook.received:
                break
            await asyncio.sleep(0.01)
    reply = await pending
    assert len(hook.received) == 1
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.BOOK_APPOINTMENT
