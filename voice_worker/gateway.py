"""The port to the tool runner: send a `ToolRequest`, get a `ToolReply` before the deadline, or fail fast."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.errors import ConnectionClosedError, NoRespondersError, OutboundBufferLimitError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import ValidationError

from contracts.subjects import HEADER_CALL_ID, HEADER_MSG_ID, tool_subject
from contracts.tools import ToolReply, ToolRequest
from runtime.telemetry import inject_headers


class Unreachable(StrEnum):
    """Why a tool request got no reply (a closed set: metric labels and span attributes)."""

    NATS_DISCONNECTED = "nats_disconnected"
    NO_RESPONDERS = "no_responders"
    TIMEOUT = "timeout"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    BAD_REPLY = "bad_reply"
    MISMATCHED_REPLY = "mismatched_reply"


class ToolUnavailable(Exception):
    """No answer: NATS down, no tool runner listening, or the deadline passed. The text is an error code, never PHI."""

    def __init__(self, code: Unreachable) -> None:
        super().__init__(code.value)
        self.code = code


class ToolGateway(Protocol):
    async def request(self, request: ToolRequest, timeout_s: float) -> ToolReply: ...


class NatsToolGateway:
    """Request/reply on `tool_subject(tool)`, answered by the tool runners' queue group."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc

    async def request(self, request: ToolRequest, timeout_s: float) -> ToolReply:
        if timeout_s <= 0:
            raise ToolUnavailable(Unreachable.DEADLINE_EXCEEDED)
        if not self._nc.is_connected:
            # A buffered request would run after the caller gave up.
            raise ToolUnavailable(Unreachable.NATS_DISCONNECTED)
        headers = inject_headers({HEADER_MSG_ID: request.message_id, HEADER_CALL_ID: request.call_id})
        try:
            message = await self._nc.request(
                tool_subject(request.tool), request.model_dump_json().encode(), timeout=timeout_s, headers=headers
            )
        except NoRespondersError:
            raise ToolUnavailable(Unreachable.NO_RESPONDERS) from None
        except NatsTimeoutError:
            raise ToolUnavailable(Unreachable.TIMEOUT) from None
        except (ConnectionClosedError, OutboundBufferLimitError):
            raise ToolUnavailable(Unreachable.NATS_DISCONNECTED) from None
        try:
            reply = ToolReply.model_validate_json(message.data)
        except ValidationError:
            raise ToolUnavailable(Unreachable.BAD_REPLY) from None
        if not answers(reply, request):
            raise ToolUnavailable(Unreachable.MISMATCHED_REPLY)
        return reply


def answers(reply: ToolReply, request: ToolRequest) -> bool:
    """Whether `reply` is the answer to `request`: its id, call, tool call and tool (a reply meant for another
    request, or built to look like one, is not used)."""
    return (reply.request_id, reply.call_id, reply.tool_call_id, reply.tool) == (
        request.message_id,
        request.call_id,
        request.tool_call_id,
        request.tool,
    )
