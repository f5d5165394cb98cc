"""The token service's composition root: settings in, a listening HTTP server out."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from runtime import logs
from runtime.serve import asgi_served, wait_for_stop_signal
from runtime.telemetry import configure_export
from token_service.app import create_app
from token_service.limits import RateLimiter
from token_service.origins import OriginPolicy
from token_service.settings import TokenServiceSettings
from token_service.tokens import TokenIssuer

log = logging.getLogger(__name__)


def build_app(settings: TokenServiceSettings) -> FastAPI:
    issuer = TokenIssuer(
        livekit_url=settings.livekit_url,
        api_key=settings.livekit_api_key.get_secret_value(),
        api_secret=settings.livekit_api_secret.get_secret_value(),
        agent_name=settings.agent_name,
        ttl=dt.timedelta(seconds=settings.web_token_ttl_s),
    )
    limiter = RateLimiter(settings.web_rate_per_minute, settings.web_rate_burst)
    return create_app(issuer, OriginPolicy(frozenset(settings.web_origins)), limiter)


@contextlib.asynccontextmanager
async def token_service_running(
    settings: TokenServiceSettings, *, host: str | None = None, port: int | None = None
) -> AsyncIterator[str]:
    """Serve the page and the token API until exit; yields the base URL (port 0 picks a free one)."""
    host = host if host is not None else settings.web_host
    port = port if port is not None else settings.web_port
    app = build_app(settings)
    # forwarded_allow_ips None: uvicorn's default, 127.0.0.1 only
    async with asgi_served(app, host=host, port=port, forwarded_allow_ips=settings.web_forwarded_allow_ips) as bound:
        yield f"http://{'127.0.0.1' if host in {'0.0.0.0', ''} else host}:{bound}"


async def serve(host: str | None, port: int | None) -> None:
    settings = TokenServiceSettings()
    logs.configure(settings.log_level)
    configure_export(settings.otel_exporter_otlp_endpoint, "camille-token-service")
    async with token_service_running(settings, host=host, port=port) as url:
        log.info("call page and token API on %s (LiveKit at %s)", url, settings.livekit_url)
        await wait_for_stop_signal()
