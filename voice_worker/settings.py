"""Voice worker settings (environment variables prefixed CAMILLE_, plus LiveKit's and OpenAI's own names)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator

from runtime.audit_signature import AuditSigner, KeyFormatError, development_signer
from runtime.settings import CommonSettings, Environment, given

DEVELOPMENT_IDENTITY_HASH_KEY = "camille-development-only"
# The hash of a caller's identity (on a phone line, their number) is only as strong as its key: a short one lets
# whoever reads the logs or the audit trail try every phone number. 32 characters: `openssl rand -base64 32` gives 44.
MIN_IDENTITY_HASH_KEY_CHARS = 32


class TurnDetectionMode(StrEnum):
    SEMANTIC_VAD = "semantic_vad"
    SERVER_VAD = "server_vad"


class VoiceWorkerSettings(CommonSettings):
    # LiveKit (their own variable names, as `livekit-agents` reads them).
    livekit_url: str | None = Field(default=None, validation_alias=AliasChoices("LIVEKIT_URL", "CAMILLE_LIVEKIT_URL"))
    livekit_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LIVEKIT_API_KEY", "CAMILLE_LIVEKIT_API_KEY")
    )
    livekit_api_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LIVEKIT_API_SECRET", "CAMILLE_LIVEKIT_API_SECRET")
    )
    agent_name: str = Field(default="camille", description="LiveKit explicit-dispatch agent name.")
    drain_timeout_s: int = Field(default=1800, ge=0, description="How long SIGTERM waits for live calls to end.")

    # OpenAI Realtime (or Azure OpenAI).
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "CAMILLE_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "CAMILLE_OPENAI_BASE_URL")
    )
    realtime_model: str = "gpt-realtime"
    voice: str = "marin"
    azure_deployment: str | None = Field(default=None, description="Set to use Azure OpenAI instead of OpenAI.")
    azure_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_ENDPOINT", "CAMILLE_AZURE_ENDPOINT")
    )
    azure_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_API_KEY", "CAMILLE_AZURE_API_KEY")
    )

    # Turn detection and transcription.
    turn_detection: TurnDetectionMode = TurnDetectionMode.SEMANTIC_VAD
    semantic_vad_eagerness: str = Field(default="medium", pattern="^(low|medium|high|auto)$")
    server_vad_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    server_vad_prefix_padding_ms: int = Field(default=300, ge=0, le=2000)
    server_vad_silence_duration_ms: int = Field(default=500, ge=100, le=5000)
    transcription_model: str = "gpt-4o-mini-transcribe"
    transcription_language: str = "fr"

    # Timings.
    tool_deadline_s: float = Field(default=4.0, gt=0, le=30, description="How long a caller waits for a tool.")
    filler_delay_s: float = Field(default=0.8, ge=0, le=10, description="Tool wait before the filler phrase.")
    greeting_delay_ms: int = Field(default=0, ge=0, le=500, description="Join -> greeting pause (track settle).")
    phrase_timeout_s: float = Field(default=15.0, gt=0, description="Longest wait for a fixed phrase to play out.")

    # Fixed phrases.
    phrase_cache_dir: Path = Field(default=Path(".camille/phrases"), description="Pre-rendered phrase audio.")
    tts_model: str = Field(default="gpt-4o-mini-tts", description="OpenAI TTS model for `camille phrases render`.")

    # Emergency detector: its model's weights, loaded and checked at start-up (a bad file stops the worker).
    emergency_weights: Path | None = Field(
        default=None, description="Weights of the emergency detector's model. Unset: the package's weights.npz."
    )

    # Audit.
    audit_buffer_size: int = Field(default=1000, ge=1, description="Audit events held before dropping.")
    audit_flush_timeout_s: float = Field(default=3.0, ge=0, description="Wait at call end for audit to publish.")
    audit_publish_timeout_s: float = Field(default=2.0, gt=0, description="One JetStream publish attempt.")
    audit_signing_key: SecretStr | None = Field(
        default=None,
        description="Ed25519 key (32-byte seed, base64) that signs every audit event; the sink holds its public half. "
        "Unset in development: <data_dir>/audit-signing.key, generated.",
    )
    identity_hash_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_IDENTITY_HASH_KEY),
        description="Key of the participant-identity hash in logs and audit.",
    )

    # Metrics: every job process writes its own files here; the worker's endpoint adds them up. LiveKit empties the
    # directory when the worker starts, so it must belong to this worker alone.
    metric_files_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "CAMILLE_METRIC_FILES_DIR"),
        description="Directory of the job processes' metric files. Unset: <data_dir>/voice-worker-metrics.",
    )

    @field_validator("audit_signing_key")
    @classmethod
    def _signing_key_format(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        try:
            AuditSigner.from_text(value.get_secret_value())
        except KeyFormatError as exc:
            raise ValueError(str(exc)) from None
        return value

    def audit_signer(self) -> AuditSigner:
        """The configured key, or in development the data dir's (shared with the local audit sink)."""
        if self.audit_signing_key is not None:
            return AuditSigner.from_text(self.audit_signing_key.get_secret_value())
        if self.env is Environment.PRODUCTION:
            raise RuntimeError("CAMILLE_AUDIT_SIGNING_KEY is required in production")
        return development_signer(self.data_dir)

    def resolved_metric_files_dir(self) -> Path:
        return self.metric_files_dir or self.data_dir / "voice-worker-metrics"

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not (given(self.livekit_url) and given(self.livekit_api_key) and given(self.livekit_api_secret)):
            problems.append("LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET are required in production")
        if self.azure_deployment:
            if not (given(self.azure_api_key) and given(self.azure_endpoint)):
                problems.append("AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT are required with Azure")
        elif not given(self.openai_api_key):
            problems.append("OPENAI_API_KEY is required in production")
        if self.audit_signing_key is None:
            problems.append(
                "CAMILLE_AUDIT_SIGNING_KEY is required in production (`camille audit signing-key` makes a pair; the "
                "audit sink gets the public half in CAMILLE_AUDIT_VERIFY_KEYS)"
            )
        key = self.identity_hash_key.get_secret_value().strip()
        if key == DEVELOPMENT_IDENTITY_HASH_KEY or len(key) < MIN_IDENTITY_HASH_KEY_CHARS:
            problems.append(
                f"CAMILLE_IDENTITY_HASH_KEY must be a secret of at least {MIN_IDENTITY_HASH_KEY_CHARS} characters in "
                "production (e.g. `openssl rand -base64 32`)"
            )
        return problems
