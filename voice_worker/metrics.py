"""The voice worker's Prometheus metrics, and what one call measured (read back by the demo, the bench and tests).

A job process builds `VoiceMetrics` once at prewarm and every call of that process records into it; under LiveKit
the values go to the worker's metric files (multiprocess mode), which the worker's one endpoint adds up. Labels come
from closed sets only: tools, error codes, end reasons, channels, categories, guardrails and their rule names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from opentelemetry import trace
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from contracts.audit import EmergencyDetected, EmergencySource, GuardrailTriggered, Payload
from contracts.clinic import PhraseKey
from contracts.emergency import DetectorLayer, EmergencyCategory
from contracts.tools import ToolName
from voice_worker.advice import RULES as MEDICAL_ADVICE_RULES

tracer = trace.get_tracer("camille.voice_worker")

# Seconds. The 2 s bound is a bucket edge so "p95 over 2 s" is read exactly, not interpolated.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)
TOOL_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
# Tool replies that refuse on the clinic's authority rather than fail; the codes come with the refusal rules.
REFUSAL_CODES = frozenset({"not_permitted", "limit_reached"})
GUARDRAIL_RULES = frozenset(rule.name for rule in MEDICAL_ADVICE_RULES) | {key.value for key in PhraseKey} | {"model"}
OTHER = "other"


class VoiceMetrics:
    """Every metric the voice path records, registered on `registry` (fresh per test; per process under LiveKit)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls_active = Gauge(
            "camille_calls_active",
            "Calls in progress (a caller has joined).",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.calls_started = Counter(
            "camille_calls_started", "Calls started, by channel.", ["channel"], registry=registry
        )
        self.calls_ended = Counter("camille_calls_ended", "Calls ended, by reason.", ["reason"], registry=registry)
        self.greeting = Histogram(
            "camille_greeting_latency_seconds",
            "Caller joined -> first audio of the greeting.",
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )
        self.response = Histogram(
            "camille_response_latency_seconds",
            "Caller stopped speaking -> Camille's first audio, per turn.",
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )
        self.tool_round_trip = Histogram(
            "camille_tool_round_trip_seconds",
            "Tool request sent -> reply (or failure) back, by tool.",
            ["tool"],
            registry=registry,
            buckets=TOOL_BUCKETS,
        )
        self.tool_errors = Counter(
            "camille_tool_round_trip_errors",
            "Tool round trips that ended in an error, by tool and code.",
            ["tool", "code"],
            registry=registry,
        )
        self.refusals = Counter(
            "camille_tool_refusals",
            "Tool calls the services refused, by tool and reason.",
            ["tool", "reason"],
            registry=registry,
        )
        self.barge_ins = Counter("camille_barge_ins", "Caller speech over Camille's speech.", registry=registry)
        self.audit_published = Counter(
            "camille_audit_events_published",
            "Audit events accepted by JetStream, by kind.",
            ["kind"],
            registry=registry,
        )
        self.audit_dropped = Counter(
            "camille_audit_events_dropped",
            "Audit events dropped because the call's buffer was full.",
            registry=registry,
        )
        self.emergencies = Counter(
            "camille_emergencies",
            "Emergencies raised, by category and source (detector or model).",
            ["category", "source"],
            registry=registry,
        )
        self.guardrails = Counter(
            "camille_guardrail_hits",
            "Guardrails triggered, by guardrail and rule.",
            ["guardrail", "rule"],
            registry=registry,
        )
        self.emergency_detector_failures = Counter(
            "camille_emergency_detector_failures",
            "Caller transcripts the emergency detector could not read, by the part that raised.",
            ["layer"],
            registry=registry,
        )
        for layer in DetectorLayer:
            self.emergency_detector_failures.labels(layer.value)
        for category in EmergencyCategory:  # born at 0, so the first emergency is an increase an alert sees
            for source in EmergencySource:
                self.emergencies.labels(category.value, source.value)

    def observe_event(self, payload: Payload) -> None:
        """Count the domain events the audit trail records (called for every event, before it is queued)."""
        if isinstance(payload, EmergencyDetected):
            self.emergencies.labels(payload.category.value, payload.source.value).inc()
        elif isinstance(payload, GuardrailTriggered):
            rule = payload.rule if payload.rule in GUARDRAIL_RULES else OTHER
            self.guardrails.labels(payload.guardrail.value, rule).inc()


@dataclass
class CallMetrics:
    """What one call measured (no PHI: numbers, tool names and codes), recorded into the process's metrics too."""

    recorder: VoiceMetrics
    greeting_ms: float | None = None
    response_ms: list[float] = field(default_factory=list)
    tool_ms: list[tuple[ToolName, float]] = field(default_factory=list)
    barge_ins: int = 0
    active: bool = False

    def call_started(self, channel: str) -> None:
        if not self.active:
            self.active = True
            self.recorder.calls_active.inc()
            self.recorder.calls_started.labels(channel).inc()

    def call_ended(self, reason: str) -> None:
        if self.active:
            self.active = False
            self.recorder.calls_active.dec()
        self.recorder.calls_ended.labels(reason).inc()

    def emergency_check_failed(self, layers: Iterable[DetectorLayer]) -> None:
        """One caller transcript the emergency detector could not read (every check counts, audited or not)."""
        for layer in layers:
            self.recorder.emergency_detector_failures.labels(layer.value).inc()

    def greeting(self, value_ms: float) -> None:
        self.greeting_ms = value_ms
        self.recorder.greeting.observe(value_ms / 1000)

    def response(self, value_ms: float) -> None:
        self.response_ms.append(value_ms)
        self.recorder.response.observe(value_ms / 1000)

    def tool(self, tool: ToolName, value_ms: float, outcome: str) -> None:
        """One round trip; `outcome` is "ok" or an error code (a `ToolErrorCode` or an unreachable reason)."""
        self.tool_ms.append((tool, value_ms))
        self.recorder.tool_round_trip.labels(tool.value).observe(value_ms / 1000)
        if outcome != "ok":
            self.recorder.tool_errors.labels(tool.value, outcome).inc()
            if outcome in REFUSAL_CODES:
                self.recorder.refusals.labels(tool.value, outcome).inc()

    def barge_in(self) -> None:
        self.barge_ins += 1
        self.recorder.barge_ins.inc()
