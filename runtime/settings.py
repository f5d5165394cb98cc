"""Settings shared by every service. Each service subclasses `CommonSettings` in its own package.

Nothing here is read at import time: a composition root calls `SomeSettings()` once and passes it down.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SHIPPED_CLINIC_FILE = Path(__file__).parent / "clinics" / "fillion.yaml"
# Written into the data dir by a reference scheduling API in local runs, so a tool runner there finds it.
REFERENCE_URL_FILE = "reference-url"
DEFAULT_METRICS_PORT = 9464  # the OpenTelemetry Prometheus exporter's port, free of the services' own ports


def given(value: SecretStr | str | None) -> bool:
    """Set to something besides blanks: Compose turns an unset `${VAR:-}` into an empty string, not an absence."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value is not None and bool(value.strip())


def is_shipped_example(path: Path) -> bool:
    """One of the shipped example clinic files, by path or by content (a copy mounted elsewhere, a ConfigMap)."""
    if path == SHIPPED_CLINIC_FILE:
        return True
    try:
        content = path.read_bytes()
    except OSError:
        return False  # a missing file is reported by the clinic loader, with its own message
    return any(content == example.read_bytes() for example in SHIPPED_CLINIC_FILE.parent.glob("*.yaml"))


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The configuration cannot run: the message lists every problem, by environment variable name."""


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAMILLE_", extra="ignore", frozen=True, hide_input_in_errors=True)

    env: Environment = Field(default=Environment.DEVELOPMENT, description="development or production.")
    nats_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("NATS_URL", "CAMILLE_NATS_URL"),
        description="NATS server URL(s), comma-separated. Unset: an embedded nats-server is started.",
    )
    nats_creds_file: Path | None = Field(
        default=None,
        description="This service's NATS credentials: an NKEY seed or a .creds file (required in production). "
        "Unset in local runs: its seed in <data_dir>/nats/credentials/.",
    )
    nats_ca_file: Path | None = Field(
        default=None, description="CA bundle for TLS to NATS: when set, connections use TLS verified against it."
    )
    clinic_file: Path = Field(default=SHIPPED_CLINIC_FILE, description="The clinic file (YAML).")
    data_dir: Path = Field(default=Path(".camille"), description="Local state: embedded NATS, SQLite, keys.")
    log_level: str = Field(default="INFO", description="Python log level.")
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "CAMILLE_OTEL_ENDPOINT"),
        description="OTLP/HTTP endpoint for traces (the other OTEL_* variables are read by the exporter).",
    )
    metrics_port: int = Field(
        default=DEFAULT_METRICS_PORT,
        ge=0,
        le=65535,
        description="Port of the Prometheus endpoint (/metrics). 0: no endpoint (metrics are still counted).",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Interface the Prometheus endpoint listens on (0.0.0.0 in containers)."
    )

    # Services that connect to NATS need their own credentials in production (the scheduling API and the token
    # service never connect).
    connects_to_nats: ClassVar[bool] = True

    @field_validator("nats_creds_file", "nats_ca_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def production_problems(self) -> list[str]:
        """What makes this configuration unfit for production; subclasses extend the list."""
        problems = []
        if not self.nats_url:
            problems.append("NATS_URL is required in production (no embedded server)")
        if self.connects_to_nats and self.nats_creds_file is None:
            problems.append(
                "CAMILLE_NATS_CREDS_FILE is required in production: this service's NATS credentials (NKEY seed or "
                ".creds file; `camille nats credentials` makes them)"
            )
        if is_shipped_example(self.clinic_file):
            problems.append("CAMILLE_CLINIC_FILE must point at the clinic's own file, not a shipped example")
        return problems

    @model_validator(mode="after")
    def _fit_for_environment(self) -> Self:
        if self.env is Environment.PRODUCTION and (problems := self.production_problems()):
            raise ConfigurationError(
                f"{type(self).__name__}: refusing to start in production:\n- " + "\n- ".join(problems)
            )
        return self
