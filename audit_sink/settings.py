"""Audit sink settings (environment variables prefixed CAMILLE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from runtime.audit_signature import AuditVerifier, KeyFormatError, development_signer
from runtime.settings import CommonSettings, Environment, given

PRODUCTION_STREAM_REPLICAS = 3


class AuditSinkSettings(CommonSettings):
    audit_db_url: str | None = Field(
        default=None,
        description="postgresql://... or sqlite:///path. Unset: SQLite at <data_dir>/audit.sqlite3.",
    )
    audit_master_key: SecretStr | None = Field(
        default=None,
        description="Master keys as 'id:base64' (32 bytes) or bare base64, comma-separated, current first.",
    )
    audit_index_key: SecretStr | None = Field(
        default=None,
        description="Base64 key for keyed hashes (caller lookup, chain). Unset: derived from the oldest master key.",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="JSON key file (current id, master keys, index key). Unset in development: generated in data_dir.",
    )
    audit_verify_keys: str | None = Field(
        default=None,
        description="The voice workers' audit signing public keys (base64, comma-separated); an event signed by none "
        "of them is refused. Unset in development: the public half of <data_dir>/audit-signing.key.",
    )
    audit_stream_replicas: int = Field(default=1, ge=1, le=5, description="JetStream replicas (3 in production).")
    audit_single_nats_server: bool = Field(
        default=False,
        description="Production on one NATS server (Docker Compose on one host): accept fewer than 3 replicas; "
        "the stream then lives and dies with that host's disk.",
    )
    audit_stream_max_age_s: float = Field(default=7 * 24 * 3600, gt=0, description="How long the stream keeps events.")
    audit_stream_max_bytes: int = Field(default=1 << 30, description="Stream size limit; new publishes fail past it.")
    audit_duplicate_window_s: float = Field(default=120, gt=0, description="JetStream de-duplication window.")
    audit_max_deliver: int = Field(default=5, ge=1, description="Deliveries before a message is dead-lettered.")
    audit_ack_wait_s: float = Field(default=30, gt=0, description="Redelivery delay for an unacknowledged message.")
    audit_batch_size: int = Field(default=256, ge=1, le=4096, description="Messages fetched and committed together.")
    audit_retry_delay_s: float = Field(default=1.0, gt=0, description="Redelivery delay after a rejected message.")
    audit_lag_poll_s: float = Field(
        default=10.0, gt=0, le=300, description="How often the consumer's backlog and the dead letters are read."
    )
    audit_retention_days: int = Field(default=20 * 365, ge=1, description="Calls older than this are shredded.")

    @field_validator("audit_verify_keys")
    @classmethod
    def _verify_keys_format(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            AuditVerifier.from_text(value)
        except KeyFormatError as exc:
            raise ValueError(str(exc)) from None
        return value

    def audit_verifier(self) -> AuditVerifier:
        """The configured public keys, or in development the data dir's key pair (the local voice worker's)."""
        if self.audit_verify_keys is not None:
            return AuditVerifier.from_text(self.audit_verify_keys)
        if self.env is Environment.PRODUCTION:
            raise RuntimeError("CAMILLE_AUDIT_VERIFY_KEYS is required in production")
        return AuditVerifier([development_signer(self.data_dir).verify_key])

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.audit_verify_keys is None:
            problems.append(
                "CAMILLE_AUDIT_VERIFY_KEYS is required in production: the public keys of the voice workers' "
                "CAMILLE_AUDIT_SIGNING_KEY"
            )
        if not given(self.audit_master_key) and self.audit_key_file is None:
            problems.append(
                "CAMILLE_AUDIT_MASTER_KEY or CAMILLE_AUDIT_KEY_FILE is required in production "
                "(the generated development key is refused)"
            )
        if not (self.audit_db_url or "").strip().lower().startswith("postgres"):
            problems.append(
                "CAMILLE_AUDIT_DB_URL must name a PostgreSQL database in production: the sink's replicas share it, "
                "and a SQLite file in a container is lost with it"
            )
        if self.audit_stream_replicas < PRODUCTION_STREAM_REPLICAS and not self.audit_single_nats_server:
            problems.append(
                f"CAMILLE_AUDIT_STREAM_REPLICAS must be {PRODUCTION_STREAM_REPLICAS} in production (one copy of the "
                "stream is lost with its server); on a single NATS server set CAMILLE_AUDIT_SINGLE_NATS_SERVER=true"
            )
        return problems

    def has_env_keys(self) -> bool:
        return given(self.audit_master_key)

    def database_url(self) -> str:
        return self.audit_db_url or f"sqlite:///{self.data_dir / 'audit.sqlite3'}"
