"""The routing file: which backend answers each tool, how to reach it, and how hard to try.

A clinic moves from one backend to another (Supabase to n8n, say) by editing this file. `${NAME}` placeholders are
filled from a mapping the composition root passes (settings first, then the environment); secrets are never
written in the file, only the names of the environment variables that hold them.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from contracts.webhooks import WebhookOperation

EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]{0,127}$")]
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Timeouts(_Model):
    connect_s: float = Field(default=1.0, gt=0, le=30)
    read_s: float = Field(default=4.0, gt=0, le=60, description="Longest silence between two bytes of the answer.")
    total_s: float = Field(default=5.0, gt=0, le=120, description="One attempt, end to end (slow trickles end here).")


class RetryPolicy(_Model):
    max_attempts: int = Field(default=3, ge=1, le=10)
    base_delay_s: float = Field(default=0.1, ge=0, le=10)
    max_delay_s: float = Field(default=1.0, ge=0, le=60)


class BreakerPolicy(_Model):
    failure_threshold: int = Field(default=5, ge=1, le=1000, description="Consecutive failures that open it.")
    reset_after_s: float = Field(default=10.0, gt=0, le=600, description="Open this long before one trial call.")


class Backend(_Model):
    kind: Literal["http", "supabase", "n8n"]
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    signing_secret_env: EnvName = Field(description="Environment variable holding the whsec_ signing secret.")
    api_key_env: EnvName | None = Field(default=None, description="supabase: the key sent as apikey and Bearer.")
    auth_header: HeaderName | None = Field(default=None, description="n8n: header of the webhook's Header Auth.")
    auth_secret_env: EnvName | None = Field(default=None, description="n8n: variable holding that header's value.")
    headers: dict[HeaderName, Annotated[str, StringConstraints(max_length=500)]] = Field(default_factory=dict)
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerPolicy = BreakerPolicy()

    @model_validator(mode="after")
    def _auth_for_kind(self) -> Self:
        if self.kind == "supabase" and self.api_key_env is None:
            raise ValueError("a supabase backend needs api_key_env")
        if self.kind == "n8n" and (self.auth_header is None or self.auth_secret_env is None):
            raise ValueError("an n8n backend needs auth_header and auth_secret_env (Header Auth)")
        return self


class Route(_Model):
    backend: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,64}$")]
    path: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_./-]{1,200}$")] | None = Field(
        default=None, description="http and n8n: appended to the backend URL. supabase: the RPC function name."
    )


class Routing(_Model):
    backends: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,64}$")], Backend]
    tools: dict[WebhookOperation, Route] = Field(description="A route for every webhook operation.")

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if missing := set(WebhookOperation) - set(self.tools):
            raise ValueError(f"no route for operations {sorted(missing)}")
        for tool, route in self.tools.items():
            if route.backend not in self.backends:
                raise ValueError(f"{tool.value}: unknown backend {route.backend!r}")
        return self

    def secret_env_names(self) -> set[str]:
        names: set[str] = set()
        for backend in self.backends.values():
            names.update(n for n in (backend.signing_secret_env, backend.api_key_env, backend.auth_secret_env) if n)
        return names


class RoutingFileError(ValueError):
    """The routing file is unreadable, refers to an unset placeholder, or fails validation (fields are named)."""


def _filled(data: Any, placeholders: Mapping[str, str]) -> Any:
    """Fill ${NAME} in string values only (after parsing, so a value can never inject YAML)."""
    if isinstance(data, str):
        return string.Template(data).substitute(placeholders)
    if isinstance(data, dict):
        return {key: _filled(value, placeholders) for key, value in data.items()}
    if isinstance(data, list):
        return [_filled(value, placeholders) for value in data]
    return data


def load_routing(path: Path, placeholders: Mapping[str, str]) -> Routing:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutingFileError(f"cannot read routing file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RoutingFileError(f"routing file {path} is not valid YAML: {exc}") from None
    try:
        return Routing.model_validate(_filled(data, placeholders))
    except (KeyError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise RoutingFileError(f"routing file {path} is invalid:\n{exc}") from None
        raise RoutingFileError(f"routing file {path}: placeholder {exc} is not set") from None
    except ValidationError as exc:
        raise RoutingFileError(f"routing file {path} is invalid:\n{exc}") from None
