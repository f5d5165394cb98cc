"""ToolRunner.handle with honest fakes of our own ports: it always answers a valid ToolReply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import nats.errors
from opentelemetry.trace import NoOpTracerProvider
from prometheus_client import CollectorRegistry

from contracts.tools import BookAppointmentResult, CheckAvailabilityResult, ToolErrorCode, ToolName, ToolReply
from contracts.webhooks import WebhookOperation
from offline_kit.webhook import tool_request
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE
from tests.fakes import MemoryCallStateStore, MemoryResultStore
from tool_runner.backends import Outcome, WebhookBackend
from tool_runner.idempotency import Claim
from tool_runner.metrics import ToolRunnerMetrics
from tool_runner.runner import ToolRunner
from tool_runner.telemetry import Telemetry

NOW = dt.datetime(2030, 1, 7, 7, 0, tzinfo=dt.UTC)


class FakeBackend:
    """Stands in for a `WebhookBackend`: answers with a fixed outcome, or raises, and counts calls."""

    def __init__(self, outcome: Outcome | Exception) -> None:
        self.name = "fake"
        self.outcome = outcome
        self.calls = 0

    async def call(
        self, operation: WebhookOperation, arguments: Mapping[str, Any], key: str, remaining_s: Callable[[], float]
    ) -> Outcome:
        self.calls += 1
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def runner(backend: FakeBackend, **kwargs: Any) -> ToolRunner:
    fake: Any = backend  # structural stand-in for WebhookBackend
    backends: dict[WebhookOperation, WebhookBackend] = dict.fromkeys(WebhookOperation, fake)
    return ToolRunner(
        clinic=load_clinic(SHIPPED_CLINIC_FILE),
        backends=backends,
        results=MemoryResultStore(),
        call_states=MemoryCallStateStore(),
        telemetry=Telemetry.create(NoOpTracerProvider()),
        metrics=ToolRunnerMetrics(CollectorRegistry()),
        clock=lambda: NOW,
        **kwargs,
    )


def booking() -> bytes:
    arguments = {
        "tool": "book_appointment",
        "date": "2030-01-07",
        "time": "09:00",
        "patient_name": "A B",
        "phone": "06 12 34 56 78",
        "reason": "r",
    }
    return tool_request(arguments, now=NOW).model_dump_json().encode()


async def test_a_bug_in_a_backend_becomes_an_internal_reply() -> None:
    """An exception inside the backend is answered `internal` with the request's ids, and the text is not leaked."""
    reply = ToolReply.model_validate_json(
        await runner(FakeBackend(RuntimeError("+33612345678 broke"))).handle(ToolName.BOOK_APPOINTMENT, booking())
    )
    assert reply.error is not None and reply.error.code is ToolErrorCode.INTERNAL
    assert reply.call_id == "call-1" and "612345678" not in reply.model_dump_json()


async def test_a_reply_over_the_nats_limit_becomes_payload_too_large() -> None:
    """A result too large for one NATS message is replaced by a payload_too_large error that fits."""
    big = Outcome(result=CheckAvailabilityResult(slots=[]))
    data = tool_request({"tool": "check_availability", "date": "2030-01-07"}, now=NOW).model_dump_json().encode()
    encoded = await runner(FakeBackend(big), max_reply_bytes=200).handle(ToolName.CHECK_AVAILABILITY, data)
    reply = ToolReply.model_validate_json(encoded)
    assert reply.error is not None and reply.error.code is ToolErrorCode.PAYLOAD_TOO_LARGE


async def test_stored_outcomes_are_replayed_and_transient_ones_are_not() -> None:
    """A final refusal is replayed to a duplicate without a backend call; a retryable failure is not stored."""
    refused = FakeBackend(Outcome.failed(ToolErrorCode.SLOT_UNAVAILABLE, "taken"))
    tool_runner = runner(refused)
    data = booking()
    first = ToolReply.model_validate_json(await tool_runner.handle(ToolName.BOOK_APPOINTMENT, data))
    second = ToolReply.model_validate_json(await tool_runner.handle(ToolName.BOOK_APPOINTMENT, data))
    assert first.error == second.error and first.message_id != second.message_id and refused.calls == 1

    down = FakeBackend(Outcome.failed(ToolErrorCode.BACKEND_UNAVAILABLE, "down", down=True))
    flaky_runner = runner(down)
    await flaky_runner.handle(ToolName.BOOK_APPOINTMENT, data)
    await flaky_runner.handle(ToolName.BOOK_APPOINTMENT, data)
    assert down.calls == 2


class UnavailableStore(MemoryResultStore):
    async def claim(self, key: str, hold_s: float) -> Claim:
        raise nats.errors.TimeoutError


async def test_an_unavailable_bucket_does_not_stop_tool_calls() -> None:
    """When the idempotency bucket times out, the call still goes to the backend (which dedups by key) and succeeds."""
    booked = Outcome(
        result=BookAppointmentResult(appointment_id="a1", start=NOW + dt.timedelta(hours=2), duration_minutes=20)
    )
    backend = FakeBackend(booked)
    tool_runner = runner(backend)
    tool_runner.results = UnavailableStore()
    reply = ToolReply.model_validate_json(await tool_runner.handle(ToolName.BOOK_APPOINTMENT, booking()))
    assert reply.ok and backend.calls == 1
