"""The HTTP client port: POST bytes, get status, headers and a size-capped body, with connect and read timeouts.

Two implementations: aiohttp used directly (the default: a third of the CPU per call of httpx on aiohttp, and
p99 stays low at 50 in flight) and httpx (with its own transport, or on aiohttp via httpx-aiohttp) for
comparison in `camille bench tools`. The total per-attempt timeout is the caller's (`asyncio.timeout`).

Both read the body as it came over the wire and decode it here (`BoundedBody`): the size limit counts decoded
bytes, and decompression stops one byte past it, so a small gzip answer that inflates to gigabytes is refused
after at most the limit in memory instead of being inflated first and measured after.

An https webhook is verified against the system's trust store, or against `CAMILLE_WEBHOOK_CA_FILE` alone when the
clinic's webhooks carry certificates from its own CA (`webhook_tls`).
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import aiohttp
import httpx

from tool_runner.routing import Timeouts

Transport = Literal["aiohttp", "httpx-aiohttp", "httpx"]
TRANSPORTS: tuple[Transport, ...] = ("aiohttp", "httpx-aiohttp", "httpx")
CHUNK = 64 * 1024
# The only codings BoundedBody decodes, asked for explicitly: left to themselves the clients would also offer br
# or zstd when those libraries happen to be installed.
ACCEPT_ENCODING = "gzip, deflate"
MAX_GZIP_MEMBERS = 16


class TransportFailure(Exception):
    """No usable HTTP answer: `timeout` (connect or read) or `connection` (refused, reset, protocol error)."""

    def __init__(self, kind: Literal["timeout", "connection"], detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


class AnswerTooLarge(Exception):
    """The answer's body exceeded the configured limit (on the wire or once decoded)."""


class UndecodableAnswer(Exception):
    """The answer's body uses a content coding we did not ask for, or its compressed data is corrupt or cut."""


def webhook_tls(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate and host name checked, TLS 1.2 at least; trusting only `ca_file` when it is given."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class BoundedBody:
    """An answer's body, decoded (identity, gzip or deflate) as it arrives, refused past `max_bytes` decoded."""

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise UndecodableAnswer(f"content-encoding {', '.join(codings)[:60]!r} was not asked for")
        self._coding = codings[0] if codings else None
        self._max = max_bytes
        self._data = bytearray()
        self._members = 0
        self._raw = False
        self._inflater = self._new_inflater() if self._coding else None

    def _new_inflater(self) -> zlib._Decompress:
        self._members += 1
        if self._members > MAX_GZIP_MEMBERS:
            raise UndecodableAnswer("too many gzip members")
        if self._coding == "deflate":  # zlib-wrapped as RFC 9110 says, or raw deflate as some servers send it
            return zlib.decompressobj(-zlib.MAX_WBITS if self._raw else zlib.MAX_WBITS)
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _append(self, data: bytes) -> None:
        self._data += data
        if len(self._data) > self._max:
            raise AnswerTooLarge

    def feed(self, chunk: bytes) -> None:
        if self._inflater is None:
            self._append(chunk)
            return
        pending = chunk
        while pending:
            room = self._max - len(self._data) + 1  # one byte past the limit is enough to refuse the answer
            try:
                out = self._inflater.decompress(pending, room)
            except zlib.error:
                if self._coding != "deflate" or self._raw or self._data:
                    raise UndecodableAnswer("corrupt compressed body") from None
                self._raw = True  # not zlib-wrapped: read it again as raw deflate
                self._inflater = self._new_inflater()
                continue
            self._append(out)
            pending = self._inflater.unconsumed_tail
            if self._inflater.eof:
                pending = self._inflater.unused_data
                if pending and self._coding == "deflate":
                    raise UndecodableAnswer("data after the end of the deflate stream")
                if pending:  # gzip allows several members, one after the other
                    self._inflater = self._new_inflater()

    def finish(self) -> bytes:
        if self._inflater is not None and not self._inflater.eof:
            raise UndecodableAnswer("compressed body cut short")
        return bytes(self._data)


def decoded(raw: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """A whole body received at once, decoded under the limit."""
    if not content_encoding and len(raw) <= max_bytes:
        return raw  # the common case: no copy
    body = BoundedBody(content_encoding, max_bytes)
    body.feed(raw)
    return body.finish()


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
    def __init__(self, max_connections: int = 100, tls: ssl.SSLContext | None = None) -> None:
        self._max_connections = max_connections
        self._tls = tls or webhook_tls(None)
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[Timeouts, aiohttp.ClientTimeout] = {}  # one per backend: built once, not per call

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # created in the running loop, on first use
            connector = aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=30, ssl=self._tls)
            # Raw bodies: BoundedBody decodes them under the size limit.
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeouts: Timeouts, max_bytes: int
    ) -> HttpAnswer:
        timeout = self._timeouts.get(timeouts)
        if timeout is None:
            timeout = self._timeouts[timeouts] = aiohttp.ClientTimeout(
                total=None, connect=timeouts.connect_s, sock_connect=timeouts.connect_s, sock_read=timeouts.read_s
            )
        headers = {**headers, "accept-encoding": ACCEPT_ENCODING}
        try:
            async with self._client().post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                encoding = response.headers.get("content-encoding")
                length = response.content_length
                if length is not None:  # announced: refused at once when too large, else read in one piece
                    if length > max_bytes:
                        raise AnswerTooLarge
                    raw = await response.read()
                    return HttpAnswer(response.status, response.headers, decoded(raw, encoding, max_bytes))
                collected = BoundedBody(encoding, max_bytes)
                async for chunk in response.content.iter_chunked(CHUNK):
                    collected.feed(chunk)
                return HttpAnswer(response.status, response.headers, collected.finish())
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
    def create(cls, transport: Transport, max_connections: int = 100, tls: ssl.SSLContext | None = None) -> HttpxPoster:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        verify = tls or webhook_tls(None)
        if transport == "httpx-aiohttp":
            from httpx_aiohttp import AiohttpTransport

            return cls(httpx.AsyncClient(transport=AiohttpTransport(limits=limits, verify=verify), trust_env=False))
        return cls(httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(limits=limits, verify=verify), trust_env=False))

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeouts: Timeouts, max_bytes: int
    ) -> HttpAnswer:
        timeout = httpx.Timeout(
            connect=timeouts.connect_s, read=timeouts.read_s, write=timeouts.read_s, pool=timeouts.connect_s
        )
        headers = {**headers, "accept-encoding": ACCEPT_ENCODING}
        try:
            async with self._client.stream("POST", url, content=body, headers=headers, timeout=timeout) as response:
                length = response.headers.get("content-length")
                if length is not None and length.isdigit() and int(length) > max_bytes:
                    raise AnswerTooLarge
                collected = BoundedBody(response.headers.get("content-encoding"), max_bytes)
                async for chunk in response.aiter_raw():  # as received: BoundedBody decodes under the limit
                    collected.feed(chunk)
                return HttpAnswer(response.status_code, response.headers, collected.finish())
        except httpx.TimeoutException as exc:
            raise TransportFailure("timeout", type(exc).__name__) from None
        except httpx.TransportError as exc:
            raise TransportFailure("connection", type(exc).__name__) from None

    async def aclose(self) -> None:
        await self._client.aclose()


def http_poster(transport: Transport, max_connections: int = 100, ca_file: Path | None = None) -> HttpPoster:
    """One pooled client per backend; https answers only from a certificate the system (or `ca_file`) trusts."""
    tls = webhook_tls(ca_file)
    if transport == "aiohttp":
        return AiohttpPoster(max_connections, tls)
    return HttpxPoster.create(transport, max_connections, tls)
