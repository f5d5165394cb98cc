"""The NATS face of the tool runner: one FastStream subscriber per tool, all in one queue group.

Subscribers take the raw message (so that a malformed request still gets a typed reply) and hand it to
`ToolRunner.handle`; the parameter type documents the payload as `ToolRequest` in the AsyncAPI schema.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import nats.errors
from faststream import AckPolicy, FastStream
from faststream.nats import NatsBroker, NatsMessage
from faststream.nats.security import NatsCredentials, NatsNKey
from faststream.security import BaseSecurity
from faststream.specification import AsyncAPI
from nats.aio.msg import Msg

from contracts.subjects import TOOLS_QUEUE_GROUP, tool_subject
from contracts.tools import ToolName, ToolRequest

log = logging.getLogger(__name__)
Handle = Callable[[ToolName, bytes, Mapping[str, str]], Awaitable[bytes]]


class RawToolRequest:
    """A tool request as it came off the wire: the handler validates it itself (see `runner.py`) and answers it."""

    __slots__ = ("body", "headers", "message")

    def __init__(self, body: bytes, headers: Mapping[str, str], message: Msg) -> None:
        self.body = body
        self.headers = headers
        self.message = message

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        # Only used for the AsyncAPI document (the broker runs with apply_types=False): it is a ToolRequest.
        return handler.generate_schema(ToolRequest)


async def _raw(message: NatsMessage) -> RawToolRequest:
    return RawToolRequest(message.body, dict(message.headers or {}), message.raw_message)


class InFlight:
    """Tool calls answered in their own tasks, at most `limit` at a time per tool; `drain` waits for them.

    FastStream's `max_workers` does the same through an anyio memory stream, task group and semaphore per message;
    a handler that only starts a task measured 0.36-0.39 instead of 0.51-0.59 ms of CPU per call in all.
    """

    def __init__(self, handle: Handle, limit: int) -> None:
        self._handle = handle
        self._limit = limit
        self._slots: dict[ToolName, asyncio.Semaphore] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, tool: ToolName, request: RawToolRequest) -> None:
        slots = self._slots.get(tool) or self._slots.setdefault(tool, asyncio.Semaphore(self._limit))
        await slots.acquire()  # at the limit, the subscriber waits: the next requests stay in the NATS client
        task = asyncio.create_task(self._answer(tool, request, slots))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, tool: ToolName, request: RawToolRequest, slots: asyncio.Semaphore) -> None:
        try:
            reply = await self._handle(tool, request.body, request.headers)
            if request.message.reply:
                await request.message.respond(reply)
        except nats.errors.Error as exc:  # the connection went away: the caller times out and may retry
            log.warning("tool call %s answered but the reply was not sent: %s", tool.value, type(exc).__name__)
        finally:
            slots.release()

    async def drain(self, timeout_s: float) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)


def _subscriber(broker: NatsBroker, tool: ToolName, in_flight: InFlight) -> None:
    @broker.subscriber(
        tool_subject(tool),
        queue=TOOLS_QUEUE_GROUP,
        decoder=_raw,
        # The call runs in its own task, which answers the request itself: FastStream's reply publisher and
        # acknowledgement steps are not needed (a core NATS request has nothing to acknowledge).
        no_reply=True,
        ack_policy=AckPolicy.MANUAL,
        title=tool.value,
        description=f"Request/reply: a ToolRequest for {tool.value}; the reply is a ToolReply (JSON).",
    )
    async def answer(request: RawToolRequest) -> None:
        await in_flight.start(tool, request)


async def stop_serving(broker: NatsBroker, in_flight: InFlight, timeout_s: float) -> None:
    """Take no new calls, answer the ones already started (within `timeout_s`), then close the connection."""
    for subscriber in broker.subscribers:
        await subscriber.stop()
    await in_flight.drain(timeout_s)
    await broker.stop()


def _faststream_logger() -> logging.Logger:
    logger = logging.getLogger("tool_runner.faststream")
    logger.setLevel(logging.WARNING)  # FastStream narrates worker start/stop at INFO; keep warnings and errors
    return logger


def build_broker(
    nats_url: str, handle: Handle, *, concurrency: int = 64, **connection: Any
) -> tuple[NatsBroker, InFlight]:
    """`connection`: nats-py connect options (credentials, inbox prefix, `tls` as an SSL context)."""
    in_flight = InFlight(handle, concurrency)
    if (security := _security(connection)) is not None:
        connection["security"] = security
    broker = NatsBroker(
        [server.strip() for server in nats_url.split(",")],
        apply_types=False,
        connect_timeout=2,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        graceful_timeout=10.0,
        log_level=logging.DEBUG,
        logger=_faststream_logger(),  # one line per message at INFO is noise (and costs time) at 50 calls in flight
        **connection,
    )
    for tool in ToolName:
        _subscriber(broker, tool, in_flight)
    return broker, in_flight


def _security(connection: dict[str, Any]) -> BaseSecurity | None:
    """nats-py's credential and TLS options in FastStream's spelling (taken out of `connection`)."""
    tls = connection.pop("tls", None)
    if (seed := connection.pop("nkeys_seed_str", None)) is not None:
        return NatsNKey.from_seed(seed, ssl_context=tls)
    if (creds := connection.pop("user_credentials", None)) is not None:
        return NatsCredentials.from_file(creds, ssl_context=tls)
    return BaseSecurity(ssl_context=tls) if tls is not None else None


def build_app(broker: NatsBroker) -> FastStream:
    return FastStream(broker, specification=asyncapi(broker))


def asyncapi(broker: NatsBroker) -> AsyncAPI:
    return AsyncAPI(
        broker,
        title="Camille tool runner",
        version="1.0.0",
        description="Tool calls from the voice worker, answered by the clinic's webhooks (request/reply).",
    )


async def _no_handle(tool: ToolName, body: bytes, headers: Mapping[str, str]) -> bytes:
    raise RuntimeError("documentation app: not for serving")


def docs_app() -> FastStream:
    """Factory for `faststream docs gen --factory tool_runner.service:docs_app` (no connection is made)."""
    return build_app(build_broker("nats://localhost:4222", _no_handle)[0])
