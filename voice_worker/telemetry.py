"""OpenTelemetry export for the worker process: OTLP traces and metrics when OTEL_EXPORTER_OTLP_ENDPOINT is set.

LiveKit's own spans go to the same provider with `allow_pii=False`: its spans would otherwise carry the
conversation (PHI) to every exporter.
"""

from __future__ import annotations

from opentelemetry import metrics, trace

from voice_worker.settings import VoiceWorkerSettings

SERVICE_NAME = "camille-voice-worker"


def configure_telemetry(settings: VoiceWorkerSettings) -> bool:
    """Install OTLP exporters (endpoint and headers from the standard OTEL_* variables); False when not configured."""
    if not settings.otel_exporter_otlp_endpoint:
        return False
    from livekit.agents import telemetry as livekit_telemetry
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": SERVICE_NAME})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    livekit_telemetry.set_tracer_provider(tracer_provider, allow_pii=False)
    reader = PeriodicExportingMetricReader(OTLPMetricExporter())
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    return True
