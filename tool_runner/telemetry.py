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


def configure_export(endpoint: str | None, service_name: str = "camille-tool-runner") -> bool:
    """Install OTLP exporters (endpoint and headers from the standard OTEL_* variables); False when not configured."""
    if not endpoint:
        return False
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider as SdkMeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": service_name})
    tracer_provider = SdkTracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    reader = PeriodicExportingMetricReader(OTLPMetricExporter())
    metrics.set_meter_provider(SdkMeterProvider(resource=resource, metric_readers=[reader]))
    return True
