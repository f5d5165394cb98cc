"""OpenTelemetry traces for every service: OTLP export set up once per process, and trace context across NATS (W3C
`traceparent` in message headers, both ways).

Metrics are Prometheus's (`runtime.metrics`), not OpenTelemetry's: one source of truth, so the same thing is never
counted twice by two pieces of code that drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import TracerProvider


def inject_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """Headers carrying the current trace context (added to `headers` when given)."""
    carrier = dict(headers or {})
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The trace context a message carried, to parent the consumer's span."""
    return propagate.extract(dict(headers or {}))


def configure_export(endpoint: str | None, service_name: str) -> TracerProvider | None:
    """Install the OTLP trace exporter as the global provider (endpoint from the setting, headers and the rest from
    the standard OTEL_* variables). Returns the tracer provider, or None when no endpoint is configured."""
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": service_name})
    tracer_provider = SdkTracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=_signal_url(endpoint, "traces"))))
    trace.set_tracer_provider(tracer_provider)
    return tracer_provider


def _signal_url(endpoint: str, signal: str) -> str:
    """The per-signal URL the OTLP/HTTP exporters expect when given an endpoint explicitly."""
    return f"{endpoint.rstrip('/')}/v1/{signal}"
