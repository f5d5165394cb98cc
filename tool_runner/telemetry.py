"""OpenTelemetry traces of tool calls: one span per call, parented by the caller's trace (metrics are Prometheus's,
in `tool_runner.metrics`).

Attributes are ids, names and codes only: never arguments, results or backend bodies (they carry PHI).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Tracer, TracerProvider

from runtime.telemetry import extract_context

SCOPE = "camille.tool_runner"


@dataclass(frozen=True, slots=True)
class Telemetry:
    tracer: Tracer
    follows_global: bool = False  # the tracer is the global provider's: it may have none behind it yet

    @classmethod
    def create(cls, tracer_provider: TracerProvider | None = None) -> Telemetry:
        return cls(
            tracer=(tracer_provider or trace.get_tracer_provider()).get_tracer(SCOPE),
            follows_global=tracer_provider is None,
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
