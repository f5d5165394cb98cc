"""Build a service's settings from exactly the environment a deployment gives it (Compose or Kubernetes)."""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest

from audit_sink.settings import AuditSinkSettings
from runtime.settings import CommonSettings
from scheduling_api.settings import ReferenceSettings
from token_service.settings import TokenServiceSettings
from tool_runner.settings import ToolRunnerSettings
from voice_worker.settings import VoiceWorkerSettings

# The first word of the container's command (`camille <verb>`) -> the settings that verb reads.
SETTINGS_OF: dict[str, type[CommonSettings]] = {
    "audit-sink": AuditSinkSettings,
    "audit": AuditSinkSettings,
    "tool-runner": ToolRunnerSettings,
    "scheduling-api": ReferenceSettings,
    "voice-worker": VoiceWorkerSettings,
    "phrases": VoiceWorkerSettings,
    "token-service": TokenServiceSettings,
}
_READ_PREFIXES = ("CAMILLE_", "NATS_", "LIVEKIT_", "OPENAI_", "AZURE_", "OTEL_")


def settings_in(verb: str, environment: Mapping[str, str], monkeypatch: pytest.MonkeyPatch) -> CommonSettings:
    """The settings `camille <verb>` would read in a container whose whole environment is `environment`."""
    for name in list(os.environ):
        if name.startswith(_READ_PREFIXES):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return SETTINGS_OF[verb]()
