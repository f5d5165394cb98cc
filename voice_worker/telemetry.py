"""OpenTelemetry export for the worker process: OTLP traces when OTEL_EXPORTER_OTLP_ENDPOINT is set.

LiveKit's own spans go to the same provider with `allow_pii=False`: its spans would otherwise carry the
conversation (PHI) to every exporter.
"""

from __future__ import annotations

from runtime.telemetry import configure_export
from voice_worker.settings import VoiceWorkerSettings

SERVICE_NAME = "camille-voice-worker"


def configure_telemetry(settings: VoiceWorkerSettings) -> bool:
    """Install the OTLP exporters and hand LiveKit the tracer provider; False when no endpoint is configured."""
    tracer_provider = configure_export(settings.otel_exporter_otlp_endpoint, SERVICE_NAME)
    if tracer_provider is None:
        return False
    from livekit.agents import telemetry as livekit_telemetry

    livekit_telemetry.set_tracer_provider(tracer_provider, allow_pii=False)
    return True
