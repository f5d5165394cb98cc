"""The token service's composition root: settings in, a listening HTTP server out."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI

from runtime import logs
from runtime.serve import wait_for_stop_signal
from runtime.telemetry import configure_export
from token_service.app import create_app
from token_service.limits import RateLimiter
from token_service.origins import OriginPolicy
from token_service.settings import TokenServiceSettings
from token_service.tokens import TokenIssuer

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the process that embeds the server owns the signals


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
    config = uvicorn.Config(
        build_app(settings),
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        access_log=False,
        forwarded_allow_ips=settings.web_forwarded_allow_ips,  # None: uvicorn's default, 127.0.0.1 only
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # raises why it could not start
                raise RuntimeError("the token service stopped while starting")
            await asyncio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()
        yield f"http://{'127.0.0.1' if host in {'0.0.0.0', ''} else host}:{bound[1]}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


async def serve(host: str | None, port: int | None) -> None:
    settings = TokenServiceSettings()
    logs.configure(settings.log_level)
    configure_export(settings.otel_exporter_otlp_endpoint, "camille-token-service")
    async with token_service_running(settings, host=host, port=port) as url:
        log.info("call page and token API on %s (LiveKit at %s)", url, settings.livekit_url)
        await wait_for_stop_signal()
