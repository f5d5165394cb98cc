"""The HTTP client port: POST bytes, get status, headers and a size-capped body, with connect and read timeouts.

Two implementations: aiohttp used directly (the default: a third of the CPU per call of httpx on aiohttp, and
p99 stays low at 50 in flight) and httpx (with its own transport, or on aiohttp via httpx-aiohttp) for
comparison in `camille bench tools`. The total per-attempt timeout is the caller's (`asyncio.timeout`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

import aiohttp
import httpx

from tool_runner.routing import Timeouts

Transport = Literal["aiohttp", "httpx-aiohttp", "httpx"]
TRANSPORTS: tuple[Transport, ...] = ("aiohttp", "httpx-aiohttp", "httpx")
CHUNK = 64 * 1024


class TransportFailure(Exception):
    """No usable HTTP answer: `timeout` (connect or read) or `connection` (refused, reset, protocol error)."""

    def __init__(self, kind: Literal["timeout", "connection"], detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


class AnswerTooLarge(Exception):
    """The answer's body exceeded the configured limit."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]  # case-insensitive in both implementations
    body: bytes


class HttpPoster(Protocol):
    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeouts: Timeouts, max_bytes: int
    ) -> HttpAnswer: ...

    async def aclose(self) -> None: ...


class AiohttpPoster:
    def __init__(self, max_connections: int = 100) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[Timeouts, aiohttp.ClientTimeout] = {}  # one per backend: built once, not per call

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # created in the running loop, on first use
            connector = aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True)
        return self._session

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeouts: Timeouts, max_bytes: int
    ) -> HttpAnswer:
        timeout = self._timeouts.get(timeouts)
        if timeout is None:
            timeout = self._timeouts[timeouts] = aiohttp.ClientTimeout(
                total=None, connect=timeouts.connect_s, sock_connect=timeouts.connect_s, sock_read=timeouts.read_s
            )
        try:
            async with self._client().post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                length = response.content_length
                if length is not None:  # announced: refused at once when too large, else read in one piece
                    if length > max_bytes:
                        raise AnswerTooLarge
                    return HttpAnswer(response.status, response.headers, await response.read())
                data = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    data += chunk
                    if len(data) > max_bytes:
                        raise AnswerTooLarge
                return HttpAnswer(response.status, response.headers, bytes(data))
        except (aiohttp.ServerTimeoutError, aiohttp.ConnectionTimeoutError) as exc:
            raise TransportFailure("timeout", type(exc).__name__) from None
        except aiohttp.ClientError as exc:
            raise TransportFailure("connection", type(exc).__name__) from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class HttpxPoster:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    @classmethod
    def create(cls, transport: Transport, max_connections: int = 100) -> HttpxPoster:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        if transport == "httpx-aiohttp":
            from httpx_aiohttp import AiohttpTransport

            return cls(httpx.AsyncClient(transport=AiohttpTransport(limits=limits), trust_env=False))
        return cls(httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(limits=limits), trust_env=False))

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeouts: Timeouts, max_bytes: int
    ) -> HttpAnswer:
        timeout = httpx.Timeout(
            connect=timeouts.connect_s, read=timeouts.read_s, write=timeouts.read_s, pool=timeouts.connect_s
        )
        try:
            async with self._client.stream("POST", url, content=body, headers=headers, timeout=timeout) as response:
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise AnswerTooLarge
                return HttpAnswer(response.status_code, response.headers, bytes(data))
        except httpx.TimeoutException as exc:
            raise TransportFailure("timeout", type(exc).__name__) from None
        except httpx.TransportError as exc:
            raise TransportFailure("connection", type(exc).__name__) from None

    async def aclose(self) -> None:
        await self._client.aclose()


def http_poster(transport: Transport, max_connections: int = 100) -> HttpPoster:
    """One pooled client per backend."""
    if transport == "aiohttp":
        return AiohttpPoster(max_connections)
    return HttpxPoster.create(transport, max_connections)
