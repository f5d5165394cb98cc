"""Tool calls from the voice worker over a real NATS server, answered by a test responder on the tool subjects."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from livekit.agents import ToolError
from livekit.agents.llm import ToolResult
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from prometheus_client import CollectorRegistry

from contracts.audit import AuditEvent, Payload, ToolRefused
from contracts.clinic import PhraseKey
from contracts.phi import PHI
from contracts.subjects import TOOLS_WILDCARD
from contracts.tools import (
    CheckAvailabilityResult,
    RefusalReason,
    SendSmsResult,
    Slot,
    ToolErrorCode,
    ToolFailure,
    ToolName,
    ToolReply,
    ToolRequest,
    idempotency_key_for,
)
from runtime.bus import NatsEndpoint, connect
from runtime.clinic import load_clinic
from runtime.identities import Identity
from runtime.settings import SHIPPED_CLINIC_FILE
from tests.nats_sync import settled
from voice_worker import tools
from voice_worker.audit import AuditPublisher
from voice_worker.call import CallContext
from voice_worker.gateway import NatsToolGateway
from voice_worker.metrics import CallMetrics, VoiceMetrics

NOW = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)  # a Tuesday, 08:00 in Zurich
ZURICH = load_clinic(SHIPPED_CLINIC_FILE).zone


class RecordingPlayer:
    """Honest fake of the PhrasePlayer port: records which fixed phrases were asked for."""

    def __init__(self) -> None:
        self.keys: list[PhraseKey] = []

    def play(self, key: PhraseKey, *, interrupt: bool = False) -> RecordingPlayer:
        self.keys.append(key)
        return self

    async def wait(self, timeout_s: float) -> bool:
        return True


class MemoryAuditTransport:
    """Honest fake of the AuditTransport port: keeps what was published."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self.alerts: list[bytes] = []

    async def publish_event(self, subject: str, data: bytes, headers: dict[str, str], timeout_s: float) -> None:
        self.events.append(AuditEvent.model_validate_json(data))

    async def publish_alert(self, subject: str, data: bytes) -> None:
        self.alerts.append(data)

    def payloads(self) -> list[Payload]:
        return [event.payload for event in self.events]


Responder = Callable[[ToolRequest], ToolReply | None]


def slots_reply(request: ToolRequest) -> ToolReply:
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=ZURICH)
    return ToolReply.success(request, CheckAvailabilityResult(slots=[Slot(start=start, duration_minutes=20)]))


class FakeToolRunner:
    """Stand-in for the tool runner on the real tool subjects: answers with `handler`, or never when it returns None."""

    def __init__(self) -> None:
        self.handler: Responder = slots_reply
        self.seen: list[ToolRequest] = []
        self.headers: list[dict[str, str]] = []

    async def handle(self, msg: Msg) -> None:
        request = ToolRequest.model_validate_json(msg.data)
        self.seen.append(request)
        self.headers.append(dict(msg.headers or {}))
        if (reply := self.handler(request)) is not None:
            await msg.respond(reply.model_dump_json().encode())


@pytest.fixture
async def runner(nats: NatsEndpoint) -> AsyncIterator[FakeToolRunner]:
    """The stand-in signs in as the tool runner: only that identity may take tool requests."""
    fake = FakeToolRunner()
    runner_nc = await connect(nats, Identity.TOOL_RUNNER, name="fake-tool-runner")
    await runner_nc.subscribe(TOOLS_WILDCARD, queue="tool-runner", cb=fake.handle)
    await settled(runner_nc)
    yield fake
    await runner_nc.close()


def make_ctx(
    nc: NATS, *, filler_delay_s: float = 0.8, deadline_s: float = 2.0, horizon_days: int = 60
) -> tuple[CallContext, Any, Any]:
    transport = MemoryAuditTransport()
    player = RecordingPlayer()
    metrics = VoiceMetrics(CollectorRegistry())
    clinic = load_clinic(SHIPPED_CLINIC_FILE).model_copy(update={"booking_horizon_days": horizon_days})
    ctx = CallContext(
        call_id="call-1",
        clinic=clinic,
        gateway=NatsToolGateway(nc),
        audit=AuditPublisher(transport, "call-1", buffer_size=100, metrics=metrics),
        player=player,
        call_control=None,  # type: ignore[arg-type]  # tools never touch call control
        metrics=CallMetrics(metrics),
        clock=lambda: NOW,
        tool_deadline_s=deadline_s,
        filler_delay_s=filler_delay_s,
    )
    ctx.audit.start()
    return ctx, player, transport


async def test_availability_success_returns_json_and_audits(nc: NATS, runner: FakeToolRunner) -> None:
    """A found slot comes back as JSON in local time; the request carried the derived idempotency key; audited."""
    ctx, player, transport = make_ctx(nc)
    output = await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "call_abc")
    assert isinstance(output, str)
    slot = json.loads(output)["slots"][0]
    assert slot == {"day": "mercredi 25 novembre 2026", "date": "2026-11-25", "time": "09:00", "duration_minutes": 20,
                    "practitioner": None, "location": None}  # fmt: skip
    request = runner.seen[0]
    assert request.idempotency_key == idempotency_key_for("call-1", "call_abc")
    assert request.deadline == NOW + dt.timedelta(seconds=2)
    await ctx.audit.close(2)
    kinds = [p.kind for p in transport.payloads()]
    assert kinds == ["tool_requested", "tool_completed", "latency_metric"]
    assert player.keys == []


async def test_empty_availability_plays_the_fixed_phrase(nc: NATS, runner: FakeToolRunner) -> None:
    """No free slot: the no-availability phrase plays and the model is asked not to reply."""
    runner.handler = lambda r: ToolReply.success(r, CheckAvailabilityResult(slots=[]))
    ctx, player, _ = make_ctx(nc)
    output = await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "t1")
    assert isinstance(output, ToolResult) and output.reply_required is False
    assert player.keys == [PhraseKey.NO_AVAILABILITY]


async def test_booking_backend_error_plays_tool_failure(nc: NATS, runner: FakeToolRunner) -> None:
    """A backend error on booking plays the tool-failure phrase, no reply, and never a confirmation."""
    failure = ToolFailure.of(ToolErrorCode.BACKEND_ERROR, "backend said 500")
    runner.handler = lambda r: ToolReply.failed(r, failure)
    ctx, player, transport = make_ctx(nc)
    args = {"date": "2026-11-25", "time": "09:00", "patient_name": "Marie Curie", "phone": "079 123 45 67",
            "reason": "contrôle"}  # fmt: skip
    output = await tools.invoke(ctx, ToolName.BOOK_APPOINTMENT, args, "t2")
    assert isinstance(output, ToolResult) and output.reply_required is False
    assert json.loads(output.output)["confirmed"] is False
    assert player.keys == [PhraseKey.TOOL_FAILURE]
    await ctx.audit.close(2)
    assert "tool_failed" in [p.kind for p in transport.payloads()]


async def test_slot_taken_is_a_speakable_error(nc: NATS, runner: FakeToolRunner) -> None:
    """A slot taken meanwhile is a French ToolError the model can act on, with no phrase played."""
    runner.handler = lambda r: ToolReply.failed(r, ToolFailure.of(ToolErrorCode.SLOT_UNAVAILABLE, "taken"))
    ctx, player, _ = make_ctx(nc)
    args = {"date": "2026-11-25", "time": "09:00", "patient_name": "Marie Curie", "phone": "0791234567",
            "reason": "contrôle"}  # fmt: skip
    with pytest.raises(ToolError, match="plus libre"):
        await tools.invoke(ctx, ToolName.BOOK_APPOINTMENT, args, "t3")
    assert player.keys == []


async def test_invalid_arguments_never_reach_nats_nor_echo_phi(nc: NATS, runner: FakeToolRunner) -> None:
    """A bad phone or a closed hour is refused before sending, in French, without the caller's values."""
    ctx, _, _ = make_ctx(nc)
    args = {"date": "2026-11-25", "time": "09:00", "patient_name": "Marie Curie", "phone": "12", "reason": "x"}
    with pytest.raises(ToolError) as bad_phone:
        await tools.invoke(ctx, ToolName.BOOK_APPOINTMENT, args, "t4")
    assert "numéro" in bad_phone.value.message and "Marie" not in bad_phone.value.message
    with pytest.raises(ToolError, match="fermé"):
        await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25", "time": "13:00"}, "t5")
    with pytest.raises(ToolError, match="passée"):
        await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-01"}, "t6")
    assert runner.seen == []


@pytest.mark.parametrize("horizon_days", [60, 14])
async def test_a_day_beyond_the_horizon_is_refused_aloud_with_the_clinics_horizon(
    nc: NATS, runner: FakeToolRunner, horizon_days: int
) -> None:
    """A day past the clinic's horizon is a French ToolError naming its number of days, and nothing is sent."""
    ctx, _, transport = make_ctx(nc, horizon_days=horizon_days)
    last = NOW.date() + dt.timedelta(days=horizon_days)
    with pytest.raises(ToolError) as refused:
        await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": str(last + dt.timedelta(days=1))}, "t13")
    assert refused.value.message == f"On ne prend pas de rendez-vous à plus de {horizon_days} jours."
    assert runner.seen == []
    await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": last.isoformat()}, "t14")
    assert len(runner.seen) == 1
    await ctx.audit.close(2)
    kinds = [p.kind for p in transport.payloads()]
    assert kinds == ["tool_failed", "tool_requested", "tool_completed", "latency_metric"]


async def test_arguments_as_the_model_sends_them_nulls_omitted_and_unknown_keys_ignored(
    nc: NATS, runner: FakeToolRunner
) -> None:
    """A null is an omitted argument and a key the contract does not know is ignored; a missing one is asked for."""
    ctx, _, _ = make_ctx(nc)
    sent = {"date": "2026-11-25", "time": None, "location": None, "mood": "pressé", "tool": "send_sms"}
    await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, sent, "t15")
    assert runner.seen[0].arguments.model_dump() == {
        "tool": "check_availability", "date": dt.date(2026, 11, 25), "time": None, "location": None
    }  # fmt: skip
    with pytest.raises(ToolError, match="Il manque une information : date"):
        await tools.invoke(ctx, ToolName.CANCEL_APPOINTMENT, {"phone": "0612345678", "date": None}, "t16")


async def test_no_responders_fails_fast_with_the_phrase(nc: NATS) -> None:
    """With no tool runner listening the call fails at once with the tool-failure phrase."""
    ctx, player, _ = make_ctx(nc, deadline_s=3.0, filler_delay_s=5.0)
    output = await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "t7")
    assert isinstance(output, ToolResult) and output.reply_required is False
    assert player.keys == [PhraseKey.TOOL_FAILURE]


async def test_slow_tool_plays_filler_once_then_times_out(nc: NATS, runner: FakeToolRunner) -> None:
    """A tool that never answers gets the filler once per call, then the failure phrase at the deadline."""
    silent: Any = lambda r: None  # noqa: E731
    runner.handler = silent
    ctx, player, _ = make_ctx(nc, deadline_s=0.6, filler_delay_s=0.05)
    await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "t8")
    await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-26"}, "t9")
    assert player.keys == [PhraseKey.FILLER, PhraseKey.TOOL_FAILURE, PhraseKey.TOOL_FAILURE]


async def test_tool_request_carries_the_call_trace(nc: NATS, runner: FakeToolRunner) -> None:
    """The NATS request's traceparent belongs to the call's trace, so the tool runner's spans join it."""
    from opentelemetry.sdk.trace import TracerProvider

    ctx, _, _ = make_ctx(nc)
    ctx.call_span = TracerProvider().get_tracer("test").start_span("camille.call")
    await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "t10")
    trace_id = format(ctx.call_span.get_span_context().trace_id, "032x")
    assert runner.headers[0]["traceparent"].split("-")[1] == trace_id
    assert runner.headers[0]["Camille-Call-Id"] == "call-1"


async def test_call_started_without_nats_fails_tools_fast(nc: NATS) -> None:
    """A call that began while NATS was unreachable answers tool calls with the tool-failure phrase at once."""
    import asyncio

    from voice_worker.worker import DeferredBus, connect_or_none

    ctx, player, _ = make_ctx(nc)
    ctx.gateway = DeferredBus(asyncio.create_task(connect_or_none("nats://127.0.0.1:9", "doomed", 0.5)))
    output = await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "t11")
    assert isinstance(output, ToolResult) and output.reply_required is False
    assert player.keys == [PhraseKey.TOOL_FAILURE]


async def test_deferred_bus_sends_once_connected(nc: NATS, nats: NatsEndpoint, runner: FakeToolRunner) -> None:
    """A call built before its NATS connection is up sends its tool request once the connection is made."""
    import asyncio

    from voice_worker.worker import DeferredBus, connect_or_none

    ctx, player, _ = make_ctx(nc)
    bus = DeferredBus(asyncio.create_task(connect_or_none(nats, "deferred")))
    ctx.gateway = bus
    output = await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "t12")
    await bus.close()
    assert isinstance(output, str)
    assert json.loads(output)["slots"] and player.keys == [] and len(runner.seen) == 1


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (ToolErrorCode.NOT_PERMITTED, RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL),
        (ToolErrorCode.LIMIT_REACHED, RefusalReason.SMS_LIMIT),
    ],
)
async def test_a_refusal_plays_the_not_permitted_phrase_audits_it_and_silences_the_model(
    nc: NATS, runner: FakeToolRunner, code: ToolErrorCode, reason: RefusalReason
) -> None:
    """A tool runner refusal plays the clinic's not_permitted phrase, is audited as tool_refused, and asks no reply."""
    runner.handler = lambda r: ToolReply.failed(r, ToolFailure.of(code, "refused", reason=reason))
    ctx, player, transport = make_ctx(nc)
    output = await tools.invoke(ctx, ToolName.SEND_SMS, {"confirmation": "booking"}, "t20")
    assert isinstance(output, ToolResult) and output.reply_required is False
    assert json.loads(output.output) == {"error": code.value, "note": tools.PHRASE_PLAYED, "done": False}
    assert player.keys == [PhraseKey.NOT_PERMITTED]
    await ctx.audit.close(2)
    refused = [p for p in transport.payloads() if isinstance(p, ToolRefused)]
    assert [(p.tool, p.code, p.reason) for p in refused] == [(ToolName.SEND_SMS, code, reason)]
    assert "tool_failed" not in [p.kind for p in transport.payloads()]


async def test_a_model_given_number_or_text_never_leaves_the_voice_worker(nc: NATS, runner: FakeToolRunner) -> None:
    """send_sms with a `to` and a `text` sends only the confirmation kind: the number and the words are dropped."""
    ctx, _, _ = make_ctx(nc)
    runner.handler = lambda r: ToolReply.success(r, SendSmsResult(sms_id="s1", status="queued"))
    sent = {"confirmation": "booking", "to": "+12025550142", "text": "Votre colis est bloqué, payez ici"}
    await tools.invoke(ctx, ToolName.SEND_SMS, sent, "t21")
    wire = runner.seen[0].model_dump_json()
    assert "12025550142" not in wire and "colis" not in wire
    assert runner.seen[0].arguments.model_dump(mode="json") == {
        "tool": "send_sms", "confirmation": "booking", "appointment_id": None, "recipient": "patient"
    }  # fmt: skip


async def test_the_sip_caller_number_rides_in_every_request_and_never_in_the_arguments(
    nc: NATS, runner: FakeToolRunner
) -> None:
    """The caller number the call started with is in each ToolRequest, beside the model's arguments."""
    ctx, _, _ = make_ctx(nc)
    ctx.caller_phone = PHI("+33644556677")
    await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25", "caller_phone": "+1202"}, "t22")
    assert runner.seen[0].caller_phone == PHI("+33644556677")
    assert "caller_phone" not in runner.seen[0].arguments.model_dump()


async def test_several_appointments_of_the_caller_that_day_ask_for_the_time(nc: NATS, runner: FakeToolRunner) -> None:
    """A cancellation the tool runner found ambiguous asks the model for the time, in French."""
    several = ToolFailure.of(ToolErrorCode.INVALID_ARGUMENTS, "time: several appointments that day", field="time")
    runner.handler = lambda r: ToolReply.failed(r, several)
    ctx, player, _ = make_ctx(nc)
    args = {"date": "2026-11-25", "phone": "0612345678", "patient_name": "Marie Curie"}
    with pytest.raises(ToolError, match="demandez-lui l'heure"):
        await tools.invoke(ctx, ToolName.CANCEL_APPOINTMENT, args, "t23")
    assert player.keys == []


@pytest.mark.parametrize("field", ["request_id", "call_id", "tool_call_id", "tool"])
async def test_a_reply_that_does_not_answer_the_request_is_not_used(
    nc: NATS, runner: FakeToolRunner, field: str
) -> None:
    """A reply for another request, call, tool call or tool is refused like no reply: the failure phrase, nothing
    confirmed to the model, the cause counted as mismatched_reply."""
    other = {"request_id": "r-other", "call_id": "call-other", "tool_call_id": "tc-other", "tool": "book_appointment"}

    def elsewhere(request: ToolRequest) -> ToolReply:
        reply = slots_reply(request)
        if field == "tool":  # a whole reply of another tool
            failure = ToolFailure.of(ToolErrorCode.BACKEND_ERROR, "x")
            return ToolReply.failure(
                request_id=request.message_id, call_id=request.call_id, tool_call_id=request.tool_call_id,
                tool=ToolName.BOOK_APPOINTMENT, error=failure,
            )  # fmt: skip
        return reply.model_copy(update={field: other[field]})

    runner.handler = elsewhere
    ctx, player, _ = make_ctx(nc)
    output = await tools.invoke(ctx, ToolName.CHECK_AVAILABILITY, {"date": "2026-11-25"}, "t-mismatch")
    assert isinstance(output, ToolResult) and output.reply_required is False
    assert player.keys == [PhraseKey.TOOL_FAILURE]
    counted = {
        (sample.labels["tool"], sample.labels["code"]): sample.value
        for family in ctx.metrics.recorder.tool_errors.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    }
    assert counted == {("check_availability", "mismatched_reply"): 1.0}
