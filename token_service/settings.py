"""Token service settings (CAMILLE_WEB_*, plus LiveKit's own variable names)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from runtime.settings import CommonSettings

# What `livekit-server --dev` accepts and where it listens: fine on a laptop, refused in production.
DEV_LIVEKIT_URL = "ws://127.0.0.1:7880"
DEV_API_KEY = "devkey"
DEV_API_SECRET = "secret"  # livekit-server --dev's published placeholder
LIVEKIT_MIN_SECRET_LENGTH = 32  # what livekit-server itself demands outside --dev


class TokenServiceSettings(CommonSettings):
    connects_to_nats: ClassVar[bool] = False
    livekit_url: str = Field(
        default=DEV_LIVEKIT_URL,
        validation_alias=AliasChoices("LIVEKIT_URL", "CAMILLE_LIVEKIT_URL"),
        description="The LiveKit server as the caller's browser reaches it (wss://... in production).",
    )
    livekit_api_key: SecretStr = Field(
        default=SecretStr(DEV_API_KEY), validation_alias=AliasChoices("LIVEKIT_API_KEY", "CAMILLE_LIVEKIT_API_KEY")
    )
    livekit_api_secret: SecretStr = Field(
        default=SecretStr(DEV_API_SECRET),
        validation_alias=AliasChoices("LIVEKIT_API_SECRET", "CAMILLE_LIVEKIT_API_SECRET"),
    )
    agent_name: str = Field(default="camille", min_length=1, description="The agent dispatched into each room.")
    web_host: str = Field(default="127.0.0.1", description="Interface the page and the token API listen on.")
    web_port: int = Field(default=8780, ge=0, le=65535, description="TCP port (0: any free port).")
    web_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Other origins (scheme://host[:port]) whose pages may ask for tokens, comma-separated. "
        "The service's own origin is always allowed.",
    )
    web_token_ttl_s: int = Field(default=300, ge=30, le=3600, description="How long a token can be used to join.")
    web_rate_per_minute: float = Field(default=6.0, gt=0, le=600, description="Tokens per client address per minute.")
    web_rate_burst: int = Field(default=5, ge=1, le=100, description="Tokens a client address may take at once.")
    web_forwarded_allow_ips: str | None = Field(
        default=None,
        description="Proxies trusted for X-Forwarded-For (uvicorn's forwarded_allow_ips); the client address is "
        "what the rate limit counts.",
    )

    @field_validator("web_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return tuple(normal_origin(origin) for origin in value)

    @field_validator("livekit_url")
    @classmethod
    def _websocket_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"ws", "wss", "http", "https"} or not parts.hostname:
            raise ValueError("LIVEKIT_URL must be a ws://, wss://, http:// or https:// URL with a host")
        return value

    def production_problems(self) -> list[str]:
        # This service uses neither NATS nor the clinic file.
        problems = [p for p in super().production_problems() if not p.startswith(("NATS_URL", "CAMILLE_CLINIC_FILE"))]
        if urlsplit(self.livekit_url).scheme not in {"wss", "https"}:
            problems.append("LIVEKIT_URL must be the LiveKit server's public wss:// URL in production")
        key, secret = self.livekit_api_key.get_secret_value(), self.livekit_api_secret.get_secret_value()
        if key == DEV_API_KEY or secret == DEV_API_SECRET:
            problems.append(
                "LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be the LiveKit server's own in production "
                "(not livekit-server --dev's devkey/secret)"
            )
        elif len(secret) < LIVEKIT_MIN_SECRET_LENGTH:
            problems.append(f"LIVEKIT_API_SECRET must be at least {LIVEKIT_MIN_SECRET_LENGTH} characters")
        if any(urlsplit(origin).scheme != "https" for origin in self.web_origins):
            problems.append("CAMILLE_WEB_ORIGINS must list https:// origins only in production")
        return problems


def normal_origin(origin: str) -> str:
    """`scheme://host[:port]` as browsers send it in the Origin header (lower case, no default port); anything else,
    a path included, is refused."""
    parts = urlsplit(origin.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    extra = parts.query or parts.fragment or parts.username or parts.password or parts.path not in {"", "/"}
    if parts.scheme not in {"http", "https"} or not parts.hostname or extra or port == -1:
        raise ValueError("each CAMILLE_WEB_ORIGINS entry must be scheme://host[:port], with no path")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default_port = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default_port else "")
