"""Audit events: one envelope per event, with a typed payload per kind.

Each payload names the fields that carry PHI in `phi_fields`; the audit sink encrypts exactly those and keeps
the rest (ids, kinds, timings, metrics) queryable.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from contracts.base import AwareDatetime, CallId, Contract, Identifier, MessageId, SafeText, new_message_id
from contracts.emergency import DetectorLayer, EmergencyCategory
from contracts.phi import PhoneNumber, Transcript
from contracts.tools import RefusalReason, ToolArguments, ToolErrorCode, ToolName, ToolResult

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Payload(Contract):
    phi_fields: ClassVar[frozenset[str]] = frozenset()


class Channel(StrEnum):
    SIP = "sip"
    WEB = "web"
    MOBILE = "mobile"
    SIMULATOR = "simulator"


class CallStarted(Payload):
    kind: Literal["call_started"] = "call_started"
    channel: Channel
    participant_hash: Sha256Hex | None = Field(default=None, description="Keyed hash of the caller's identity.")
    caller_phone: PhoneNumber | None = Field(default=None, description="Caller id on SIP lines, when known.")
    agent_version: SafeText | None = None
    phi_fields: ClassVar[frozenset[str]] = frozenset({"caller_phone"})


class CallEndReason(StrEnum):
    CALLER_HUNG_UP = "caller_hung_up"
    AGENT_ENDED = "agent_ended"
    EMERGENCY_TRANSFER = "emergency_transfer"
    EMERGENCY_HANGUP = "emergency_hangup"
    REALTIME_FATAL = "realtime_fatal"
    WORKER_SHUTDOWN = "worker_shutdown"
    ERROR = "error"


class CallEnded(Payload):
    kind: Literal["call_ended"] = "call_ended"
    reason: CallEndReason
    duration_ms: float = Field(ge=0)
    detail: SafeText | None = None


class GreetingPlayed(Payload):
    kind: Literal["greeting_played"] = "greeting_played"
    latency_ms: float | None = Field(default=None, ge=0, description="Participant join to first greeting frame.")
    interrupted: bool = False


class Speaker(StrEnum):
    USER = "user"
    AGENT = "agent"


class TranscriptSegment(Payload):
    kind: Literal["transcript_segment"] = "transcript_segment"
    speaker: Speaker
    text: Transcript
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    phi_fields: ClassVar[frozenset[str]] = frozenset({"text"})


class ToolRequested(Payload):
    kind: Literal["tool_requested"] = "tool_requested"
    tool: ToolName
    tool_call_id: Identifier
    request_id: Identifier
    arguments: ToolArguments
    phi_fields: ClassVar[frozenset[str]] = frozenset({"arguments"})


class ToolCompleted(Payload):
    kind: Literal["tool_completed"] = "tool_completed"
    tool: ToolName
    tool_call_id: Identifier
    duration_ms: float = Field(ge=0)
    result: ToolResult
    phi_fields: ClassVar[frozenset[str]] = frozenset({"result"})


class ToolFailed(Payload):
    kind: Literal["tool_failed"] = "tool_failed"
    tool: ToolName
    tool_call_id: Identifier
    duration_ms: float = Field(ge=0)
    code: ToolErrorCode
    retryable: bool


class ToolRefused(Payload):
    """The tool runner refused the action (not permitted in this call, or a limit reached): nothing was done, and
    Camille said the clinic's not_permitted phrase."""

    kind: Literal["tool_refused"] = "tool_refused"
    tool: ToolName
    tool_call_id: Identifier
    code: ToolErrorCode
    reason: RefusalReason | None = None


class EmergencySource(StrEnum):
    DETECTOR = "detector"
    MODEL = "model"


class EmergencyAction(StrEnum):
    TRANSFER = "transfer"
    HANGUP = "hangup"


class EmergencyDetected(Payload):
    kind: Literal["emergency_detected"] = "emergency_detected"
    category: EmergencyCategory
    source: EmergencySource
    rule: SafeText | None = None
    action: EmergencyAction
    text: Transcript | None = Field(default=None, description="The caller's words that raised it.")
    phi_fields: ClassVar[frozenset[str]] = frozenset({"text"})


class EmergencyCheckFailed(Payload):
    """A part of the emergency detector raised while reading a caller transcript: the turn is unknown, not safe."""

    kind: Literal["emergency_check_failed"] = "emergency_check_failed"
    layers: list[DetectorLayer] = Field(min_length=1, description="The parts that raised.")
    error: SafeText = Field(description="The exception's type name (never its message).")
    final: bool = Field(description="Whether the transcript was final (else partial).")
    phrase_played: bool = Field(description="Whether the emergency phrase was played because of it.")
    text: Transcript | None = Field(default=None, description="The caller's words that could not be read (the end).")
    phi_fields: ClassVar[frozenset[str]] = frozenset({"text"})


class Guardrail(StrEnum):
    MEDICAL_ADVICE = "medical_advice"
    OFF_SCRIPT = "off_script"
    TOOL_FAILURE_PHRASE = "tool_failure_phrase"
    NO_AVAILABILITY_PHRASE = "no_availability_phrase"
    FALLBACK = "fallback"


class GuardrailTriggered(Payload):
    kind: Literal["guardrail_triggered"] = "guardrail_triggered"
    guardrail: Guardrail
    rule: SafeText | None = None
    text: Transcript | None = None
    phi_fields: ClassVar[frozenset[str]] = frozenset({"text"})


class LatencyMetricName(StrEnum):
    GREETING = "greeting"
    RESPONSE = "response"
    TOOL_ROUND_TRIP = "tool_round_trip"


class LatencyMetric(Payload):
    kind: Literal["latency_metric"] = "latency_metric"
    metric: LatencyMetricName
    value_ms: float = Field(ge=0)
    tool: ToolName | None = None


AuditPayload = Annotated[
    CallStarted
    | CallEnded
    | GreetingPlayed
    | TranscriptSegment
    | ToolRequested
    | ToolCompleted
    | ToolFailed
    | ToolRefused
    | EmergencyDetected
    | EmergencyCheckFailed
    | GuardrailTriggered
    | LatencyMetric,
    Field(discriminator="kind"),
]


class AuditEvent(Contract):
    message_id: MessageId = Field(default_factory=new_message_id)
    call_id: CallId
    seq: int = Field(ge=0, description="Position of the event within its call, from 0, without gaps.")
    occurred_at: AwareDatetime
    schema_version: Literal[1] = 1
    payload: AuditPayload

    @property
    def kind(self) -> str:
        return self.payload.kind

    @property
    def dedup_id(self) -> str:
        """The `Nats-Msg-Id` of this event: a retried publish of the same event is stored once. The random message
        id makes it unguessable, so nobody can take an event's place in the stream by publishing first; a second
        event at the same call and sequence reaches the sink, which keeps the first and alerts."""
        return f"{self.call_id}:{self.seq}:{self.message_id}"
