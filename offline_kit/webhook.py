"""For tests and benchmarks of the tool path (ours and the voice worker's): requests, and a real local webhook
server with scripted answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from contracts.tools import ToolRequest

Responder = Callable[["web.Request", bytes], Awaitable["web.StreamResponse"]]


def tool_request(
    arguments: dict[str, Any],
    *,
    now: dt.datetime,
    call_id: str = "call-1",
    tool_call_id: str = "tc-1",
    timeout_s: float = 5.0,
) -> ToolRequest:
    return ToolRequest.create(
        call_id=call_id,
        tool_call_id=tool_call_id,
        deadline=now + dt.timedelta(seconds=timeout_s),
        arguments=arguments,
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def json_answer(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Responder:
    async def respond(request: web.Request, body: bytes) -> web.StreamResponse:
        return web.json_response(payload, status=status, headers=headers)

    return respond


@dataclass
class LocalWebhook:
    """A real HTTP server on a free loopback port. Each request is recorded, then answered by the next scripted
    responder (the last one repeats)."""

    responders: list[Responder] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    def answer_with(self, *responders: Responder) -> None:
        self.responders[:] = list(responders)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(Received(request.path, {k.lower(): v for k, v in request.headers.items()}, body))
        responder = self.responders[min(len(self.received), len(self.responders)) - 1]
        return await responder(request, body)

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def delayed(responder: Responder, delay_s: float) -> Responder:
    async def respond(request: web.Request, body: bytes) -> web.StreamResponse:
        await asyncio.sleep(delay_s)
        return await responder(request, body)

    return respond


def trickle(payload: bytes, chunk_delay_s: float, chunk_size: int = 4) -> Responder:
    """Answer 200 but send the body a few bytes at a time (each gap shorter than a read timeout)."""

    async def respond(request: web.Request, body: bytes) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"content-type": "application/json"})
        await response.prepare(request)
        for start in range(0, len(payload), chunk_size):
            await response.write(payload[start : start + chunk_size])
            await asyncio.sleep(chunk_delay_s)
        await response.write_eof()
        return response

    return respond
