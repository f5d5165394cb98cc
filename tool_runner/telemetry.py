"""OpenTelemetry for tool calls: one span per call (parented by the caller's trace), counters and a histogram.

Attributes are ids, names and codes only: never arguments, results or backend bodies (they carry PHI).
"""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry import metrics, trace
from opentelemetry.metrics import Counter, Histogram, MeterProvider
from opentelemetry.trace import Tracer, TracerProvider

SCOPE = "camille.tool_runner"


@dataclass(frozen=True, slots=True)
class Telemetry:
    tracer: Tracer
    requests: Counter
    errors: Counter
    duration_ms: Histogram

    @classmethod
    def create(
        cls, tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None
    ) -> Telemetry:
        meter = (meter_provider or metrics.get_meter_provider()).get_meter(SCOPE)
        return cls(
            tracer=(tracer_provider or trace.get_tracer_provider()).get_tracer(SCOPE),
            requests=meter.create_counter("camille.tool.requests", description="Tool requests received."),
            errors=meter.create_counter("camille.tool.errors", description="Tool requests answered with an error."),
            duration_ms=meter.create_histogram(
                "camille.tool.duration", unit="ms", description="Time from request received to reply sent."
            ),
        )
