"""OpenTelemetry metrics of the voice path, plus the per-call values the demo and the bench read back."""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry import metrics, trace

from contracts.tools import ToolName

meter = metrics.get_meter("camille.voice_worker")
tracer = trace.get_tracer("camille.voice_worker")

_greeting = meter.create_histogram("camille.voice.greeting_latency", unit="ms", description="Join -> first frame.")
_response = meter.create_histogram(
    "camille.voice.response_latency", unit="ms", description="Caller stops speaking -> first agent audio."
)
_tool = meter.create_histogram("camille.voice.tool_round_trip", unit="ms", description="Tool request -> reply.")
_barge_ins = meter.create_counter("camille.voice.barge_ins", description="Caller speech over Camille's speech.")
_calls = meter.create_counter("camille.voice.calls", description="Calls ended, by reason.")


@dataclass
class CallMetrics:
    """What one call measured (no PHI: numbers and tool names)."""

    greeting_ms: float | None = None
    response_ms: list[float] = field(default_factory=list)
    tool_ms: list[tuple[ToolName, float]] = field(default_factory=list)
    barge_ins: int = 0

    def greeting(self, value_ms: float) -> None:
        self.greeting_ms = value_ms
        _greeting.record(value_ms)

    def response(self, value_ms: float) -> None:
        self.response_ms.append(value_ms)
        _response.record(value_ms)

    def tool(self, tool: ToolName, value_ms: float, outcome: str) -> None:
        self.tool_ms.append((tool, value_ms))
        _tool.record(value_ms, {"tool": tool.value, "outcome": outcome})

    def barge_in(self) -> None:
        self.barge_ins += 1
        _barge_ins.add(1)

    @staticmethod
    def call_ended(reason: str) -> None:
        _calls.add(1, {"reason": reason})
