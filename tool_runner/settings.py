"""Tool runner settings (environment variables prefixed CAMILLE_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, FilePath, SecretStr

from contracts.subjects import CALL_STATE_BUCKET, IDEMPOTENCY_BUCKET
from runtime.settings import REFERENCE_URL_FILE, CommonSettings, given

SHIPPED_ROUTING_FILE = Path(__file__).parent / "tools.yaml"
DEFAULT_REFERENCE_URL = "http://127.0.0.1:8765"


class ToolRunnerSettings(CommonSettings):
    routing_file: Path = Field(
        default=SHIPPED_ROUTING_FILE,
        description="Routing file (YAML): which backend answers each tool. The shipped one uses the reference API.",
    )
    reference_url: str | None = Field(
        default=None,
        description="Base URL of the reference scheduling API; fills ${CAMILLE_REFERENCE_URL} in the routing file. "
        "Unset: the URL a reference API started on the same data dir announced, else http://127.0.0.1:8765.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Standard Webhooks signing secret (whsec_...). Unset in development: generated in the data dir.",
    )
    idempotency_bucket: str = Field(default=IDEMPOTENCY_BUCKET, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    idempotency_retention_s: float = Field(default=24 * 3600, gt=0, description="How long a result is replayed.")
    call_state_bucket: str = Field(default=CALL_STATE_BUCKET, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    call_state_ttl_s: float = Field(
        default=30 * 60,
        ge=20 * 60,
        description="How long a call's state (counts, appointments of the call) outlives its last tool call; at "
        "least a realtime session (20 min).",
    )
    call_state_replicas: int = Field(
        default=1, ge=1, le=5, description="JetStream replicas of the call-state bucket (3 in production)."
    )
    http_transport: Literal["aiohttp", "httpx-aiohttp", "httpx"] = Field(
        default="aiohttp", description="HTTP client: aiohttp (default), httpx-aiohttp or httpx (see the benchmark)."
    )
    tool_concurrency: int = Field(default=64, ge=1, le=10_000, description="Calls in flight per tool per replica.")
    webhook_max_response_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Larger webhook answers are errors."
    )
    webhook_ca_file: FilePath | None = Field(
        default=None,
        description="CA bundle (PEM) that https webhooks' certificates must chain to, instead of the system's "
        "trust store: for a clinic whose webhooks carry certificates from its own CA.",
    )

    def resolved_reference_url(self) -> str:
        if self.reference_url:
            return self.reference_url
        announced = self.data_dir / REFERENCE_URL_FILE
        if announced.is_file() and (url := announced.read_text().strip()):
            return url
        return DEFAULT_REFERENCE_URL

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not given(self.webhook_secret):
            problems.append("CAMILLE_WEBHOOK_SECRET is required in production (Standard Webhooks signing secret)")
        return problems
