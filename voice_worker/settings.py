"""Voice worker settings (environment variables prefixed CAMILLE_, plus LiveKit's and OpenAI's own names)."""

from __future__ import annotations

from camille.settings import CommonSettings


class VoiceWorkerSettings(CommonSettings):
    pass
