"""OpenTelemetry for tool calls: one span per call (parented by the caller's trace), counters and a histogram.

Attributes are ids, names and codes only: never arguments, results or backend bodies (they carry PHI).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry import metrics, trace
from opentelemetry.metrics import Counter, Histogram, MeterProvider
from opentelemetry.trace import Span, SpanKind, Tracer, TracerProvider

from runtime.telemetry import extract_context

SCOPE = "camille.tool_runner"


@dataclass(frozen=True, slots=True)
class Telemetry:
    tracer: Tracer
    requests: Counter
    errors: Counter
    refusals: Counter
    duration_ms: Histogram
    follows_global: bool = False  # the tracer is the global provider's: it may have none behind it yet

    @classmethod
    def create(
        cls, tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None
    ) -> Telemetry:
        meter = (meter_provider or metrics.get_meter_provider()).get_meter(SCOPE)
        return cls(
            tracer=(tracer_provider or trace.get_tracer_provider()).get_tracer(SCOPE),
            follows_global=tracer_provider is None,
            requests=meter.create_counter("camille.tool.requests", description="Tool requests received."),
            errors=meter.create_counter("camille.tool.errors", description="Tool requests answered with an error."),
            refusals=meter.create_counter(
                "camille.tool.refusals",
                description="Actions the tool runner refused (labels: camille.tool, camille.refusal_reason).",
            ),
            duration_ms=meter.create_histogram(
                "camille.tool.duration", unit="ms", description="Time from request received to reply sent."
            ),
        )

    def span(
        self, name: str, headers: Mapping[str, str] | None, attributes: Mapping[str, str]
    ) -> contextlib.AbstractContextManager[Span]:
        """The call's span (a context manager), parented by the trace context in the request's headers."""
        if self.follows_global and isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            # No SDK installed (yet): the span would record nothing, and extracting the caller's context and
            # opening a no-op span cost ~10 us per call. Checked per call: a provider installed later is used.
            return contextlib.nullcontext(trace.INVALID_SPAN)
        context = extract_context(headers)
        return self.tracer.start_as_current_span(name, context=context, kind=SpanKind.CONSUMER, attributes=attributes)
