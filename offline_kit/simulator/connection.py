"""One realtime connection: the conversation, the session, server VAD and scripted responses, as the service does.

Everything a test may want to inspect is kept here: the items, the responses (created, cancelled, failed), the
truncations and deletions, every `session.update`, and the server events in the order they were sent.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime as dt
import itertools
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from offline_kit.simulator.scenario import Call, Fault, Say, Scenario, Step, resolve_dates
from offline_kit.simulator.vad import EnergyVad, SpeechStarted, VadSettings
from offline_kit.speech import SAMPLE_RATE, duration_s

logger = logging.getLogger(__name__)

AUDIO_CHUNK_MS = 100
MIN_COMMIT_MS = 100
Speech = Callable[[str], Awaitable[bytes]]


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def default_session(model: str) -> dict[str, Any]:
    audio_format = {"type": "audio/pcm", "rate": SAMPLE_RATE}
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": new_id("sess"),
        "model": model,
        "output_modalities": ["audio"],
        "instructions": "",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "audio": {
            "input": {
                "format": audio_format,
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 500,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"format": audio_format, "voice": "alloy", "speed": 1.0},
        },
    }


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def item_text(item: dict[str, Any]) -> str:
    """The text of a message item: typed text, or the transcript of its audio."""
    parts = []
    for part in item.get("content") or []:
        text = part.get("text") if part.get("text") is not None else part.get("transcript")
        if text:
            parts.append(text)
    return " ".join(parts)


@dataclass
class ResponseRecord:
    id: str
    trigger: str  # "server_vad" or "client"
    turn: int | None
    step: Step | None
    metadata: dict[str, Any] | None = None
    instructions: str | None = None
    status: str = "in_progress"  # completed | cancelled | failed
    reason: str | None = None
    output_item_ids: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Truncation:
    item_id: str
    content_index: int
    audio_end_ms: int


class ProtocolError(Exception):
    """A client event the service would reject; becomes an `error` event naming the client's event id."""

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.code, self.param = code, param


class Connection:
    """The state of one websocket connection, driven by the client's events; `send` writes server events."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        model: str,
        speech: Speech,
        send: Callable[[dict[str, Any]], None],
        close: Callable[[], Awaitable[None]],
        speed: float,
        take_fault: Callable[[], Fault | None],
        today: Callable[[], dt.date],
    ) -> None:
        self.id = new_id("conn")
        self.scenario = scenario
        self.model = model
        self.session = default_session(model)
        self.session_updates: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.responses: list[ResponseRecord] = []
        self.truncations: list[Truncation] = []
        self.deleted_items: list[str] = []
        self.client_events: list[dict[str, Any]] = []
        self.server_events: list[dict[str, Any]] = []
        self.errors_sent: list[dict[str, Any]] = []
        self.unscripted: list[str] = []
        self.closed = False
        self._speech = speech
        self._send = send
        self._close = close
        self._speed = speed
        self._take_fault = take_fault
        self._today = today
        self._event_ids = itertools.count(1)
        self._vad = EnergyVad()
        self._buffer_bytes = 0
        self._speech_item_id: str | None = None
        self._plan: deque[Step] = deque()
        self._turn: int | None = None
        self._greeted = False
        self._awaiting_output: dict[str, Call] = {}
        self._scenario_faults = {f.turn: f.fault for f in scenario.faults if f.turn is not None}
        self._active: ResponseRecord | None = None
        self._active_task: asyncio.Task[None] | None = None
        self._active_item: dict[str, Any] | None = None
        self._audio_sent_ms: dict[str, int] = {}
        self._transcript_sent: dict[str, str] = {}

    # -- inspection ---------------------------------------------------------------------------------------------

    def messages(self, role: str) -> list[str]:
        return [item_text(i) for i in self.items if i.get("type") == "message" and i.get("role") == role]

    def function_calls(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i.get("type") == "function_call"]

    def function_call_outputs(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i.get("type") == "function_call_output"]

    def event_types(self) -> list[str]:
        return [e["type"] for e in self.server_events]

    @property
    def instructions(self) -> str:
        return str(self.session.get("instructions") or "")

    @property
    def tool_names(self) -> list[str]:
        return [str(t.get("name")) for t in self.session.get("tools") or []]

    # -- output -------------------------------------------------------------------------------------------------

    def emit(self, type_: str, **fields: Any) -> dict[str, Any]:
        event = {"type": type_, "event_id": f"event_{self.id[5:13]}_{next(self._event_ids)}", **fields}
        logged = event
        if type_ == "response.output_audio.delta":
            logged = {**event, "delta": f"<{len(event['delta'])} base64 chars>"}
        self.server_events.append(logged)
        if type_ == "error":
            self.errors_sent.append(event["error"])
        self._send(event)
        return event

    def emit_error(
        self, message: str, *, type_: str = "invalid_request_error", code: str | None = None, **extra: Any
    ) -> None:
        self.emit("error", error={"type": type_, "code": code, "message": message, "param": None, **extra})

    def start(self) -> None:
        self.emit("session.created", session=copy.deepcopy(self.session))

    # -- input --------------------------------------------------------------------------------------------------

    async def handle(self, event: dict[str, Any]) -> None:
        type_ = str(event.get("type", ""))
        if type_ == "input_audio_buffer.append":
            self.client_events.append({"type": type_, "bytes": len(str(event.get("audio", ""))) * 3 // 4})
        else:
            self.client_events.append(event)
        handler = _HANDLERS.get(type_)
        try:
            if handler is None:
                raise ProtocolError(f"Invalid value: '{type_}'. Unknown client event type.", code="invalid_value")
            await handler(self, event)
        except ProtocolError as exc:
            self.emit_error(str(exc), code=exc.code, event_id=event.get("event_id"))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # a malformed field in an otherwise known event: say so, as the service does, and keep the connection
            self.emit_error(
                f"Invalid '{type_}' event: {type(exc).__name__}.", code="invalid_value", event_id=event.get("event_id")
            )

    async def _session_update(self, event: dict[str, Any]) -> None:
        update = event.get("session")
        if not isinstance(update, dict):
            raise ProtocolError("Missing required parameter: 'session'.", code="missing_required_parameter")
        if update.get("type") != "realtime":
            raise ProtocolError("Missing required parameter: 'session.type'.", code="missing_required_parameter")
        self.session_updates.append(copy.deepcopy(update))
        _merge(self.session, update)
        self.emit("session.updated", session=copy.deepcopy(self.session))

    def _vad_settings(self) -> VadSettings | None:
        audio = self.session.get("audio") or {}
        return VadSettings.from_session((audio.get("input") or {}).get("turn_detection"))

    async def _append(self, event: dict[str, Any]) -> None:
        try:
            pcm = base64.b64decode(str(event.get("audio", "")), validate=True)
        except ValueError:
            raise ProtocolError("Invalid 'audio': not base64.", code="invalid_value") from None
        self._buffer_bytes += len(pcm)
        settings = self._vad_settings()
        if settings is None:
            self._vad.audio_ms += round(duration_s(pcm) * 1000)
            return
        for transition in self._vad.feed(pcm, settings):
            if isinstance(transition, SpeechStarted):
                self._speech_item_id = new_id("item")
                self.emit(
                    "input_audio_buffer.speech_started",
                    audio_start_ms=transition.audio_start_ms,
                    item_id=self._speech_item_id,
                )
                if self._active is not None and settings.interrupt_response:
                    self.cancel_active("turn_detected")
            else:
                item_id = self._speech_item_id or new_id("item")
                self._speech_item_id = None
                self.emit("input_audio_buffer.speech_stopped", audio_end_ms=transition.audio_end_ms, item_id=item_id)
                await self._commit_user_turn(item_id, respond=settings.create_response)

    async def _commit(self, event: dict[str, Any]) -> None:
        if self._buffer_bytes < SAMPLE_RATE * 2 * MIN_COMMIT_MS // 1000:
            raise ProtocolError(
                "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        self._vad.reset()
        item_id, self._speech_item_id = self._speech_item_id or new_id("item"), None
        await self._commit_user_turn(item_id, respond=False)

    async def _clear(self, event: dict[str, Any]) -> None:
        self._buffer_bytes = 0
        self._vad.reset()
        self._speech_item_id = None
        self.emit("input_audio_buffer.cleared")

    async def _commit_user_turn(self, item_id: str, *, respond: bool) -> None:
        self._buffer_bytes = 0
        turn_index = len(self.messages("user"))
        previous = self.items[-1]["id"] if self.items else None
        self.emit("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        self.items.append(item)
        self.emit("conversation.item.added", previous_item_id=previous, item=copy.deepcopy(item))
        turn = self.scenario.turns[turn_index] if turn_index < len(self.scenario.turns) else None
        self._turn = turn_index
        self._plan = deque(turn.model if turn else ())
        self._awaiting_output.clear()
        if turn is None:
            self.unscripted.append(f"caller turn {turn_index} is beyond the scenario")
        if respond and self._active is None:
            await self.start_response("server_vad")
        if (self.session.get("audio") or {}).get("input", {}).get("transcription"):
            self._transcribe(item, turn.caller if turn else "")

    def _transcribe(self, item: dict[str, Any], text: str) -> None:
        for index, word in enumerate(text.split(" ")):
            delta = word if index == 0 else f" {word}"
            self.emit(
                "conversation.item.input_audio_transcription.delta", item_id=item["id"], content_index=0, delta=delta
            )
        item["content"][0]["transcript"] = text
        self.emit(
            "conversation.item.input_audio_transcription.completed",
            item_id=item["id"],
            content_index=0,
            transcript=text,
            usage={"type": "duration", "seconds": 1},
        )

    async def _item_create(self, event: dict[str, Any]) -> None:
        item = copy.deepcopy(event.get("item"))
        if not isinstance(item, dict) or item.get("type") not in {"message", "function_call", "function_call_output"}:
            raise ProtocolError("Invalid 'item': expected a message, function_call or function_call_output.")
        item.setdefault("id", new_id("item"))
        if any(existing["id"] == item["id"] for existing in self.items):
            raise ProtocolError(f"Item with id '{item['id']}' already exists.", code="item_create_duplicate_item_id")
        previous = event.get("previous_item_id")
        if previous == "root":
            position = 0
        elif previous is None:
            position = len(self.items)
        else:
            position = next((n + 1 for n, i in enumerate(self.items) if i["id"] == previous), -1)
            if position < 0:
                raise ProtocolError(f"previous_item_id '{previous}' does not exist.", code="item_not_found")
        item.update(object="realtime.item", status="completed")
        self.items.insert(position, item)
        anchor = self.items[position - 1]["id"] if position > 0 else None
        self.emit("conversation.item.added", previous_item_id=anchor, item=copy.deepcopy(item))
        self.emit("conversation.item.done", previous_item_id=anchor, item=copy.deepcopy(item))
        if item["type"] == "function_call_output":
            self._on_function_output(str(item.get("call_id")), str(item.get("output") or ""))

    def _on_function_output(self, call_id: str, output: str) -> None:
        step = self._awaiting_output.pop(call_id, None)
        if step is None:
            return
        branch = step.branch_for(output)
        if branch is not None:
            self._plan = deque(branch.then)

    async def _item_delete(self, event: dict[str, Any]) -> None:
        item_id = event.get("item_id")
        if not any(i["id"] == item_id for i in self.items):
            raise ProtocolError(f"Item with item_id '{item_id}' not found.", code="item_not_found")
        self.items = [i for i in self.items if i["id"] != item_id]
        self.deleted_items.append(str(item_id))
        self.emit("conversation.item.deleted", item_id=item_id)

    async def _item_truncate(self, event: dict[str, Any]) -> None:
        item_id = str(event.get("item_id"))
        item = next((i for i in self.items if i["id"] == item_id), None)
        if item is None or item.get("role") != "assistant":
            raise ProtocolError(f"Assistant item '{item_id}' not found.", code="item_not_found")
        audio_end_ms = int(event.get("audio_end_ms", -1))
        sent_ms = self._audio_sent_ms.get(item_id, 0)
        if not 0 <= audio_end_ms <= sent_ms:
            raise ProtocolError(
                f"audio_end_ms {audio_end_ms} is outside the item's audio (0..{sent_ms} ms).", code="invalid_value"
            )
        text = item_text(item)
        kept = text[: round(len(text) * audio_end_ms / sent_ms)] if sent_ms else ""
        item["content"] = [{"type": "output_audio", "transcript": kept}]
        self.truncations.append(Truncation(item_id, int(event.get("content_index", 0)), audio_end_ms))
        self.emit(
            "conversation.item.truncated",
            item_id=item_id,
            content_index=event.get("content_index", 0),
            audio_end_ms=audio_end_ms,
        )

    async def _response_create(self, event: dict[str, Any]) -> None:
        params = event.get("response") or {}
        await self.start_response(
            "client",
            metadata=params.get("metadata"),
            instructions=params.get("instructions"),
            client_event_id=event.get("event_id"),
        )

    async def _response_cancel(self, event: dict[str, Any]) -> None:
        wanted = event.get("response_id")
        if self._active is None or (wanted and wanted != self._active.id):
            raise ProtocolError("Cancellation failed: no active response found", code="response_cancel_not_active")
        self.cancel_active("client_cancelled")

    # -- responses ----------------------------------------------------------------------------------------------

    async def start_response(
        self,
        trigger: str,
        *,
        metadata: dict[str, Any] | None = None,
        instructions: str | None = None,
        client_event_id: str | None = None,
    ) -> None:
        if self._active is not None:
            raise ProtocolError(
                f"Conversation already has an active response in progress: {self._active.id}.",
                code="conversation_already_has_active_response",
            )
        fault = self._take_fault()
        if fault is None and self._turn is not None:
            fault = self._scenario_faults.pop(self._turn, None)
        if fault is not None and await self.apply_fault(fault, metadata=metadata):
            return
        if not self._plan and not self.messages("user") and not self._greeted:
            self._greeted = True
            self._plan = deque(self.scenario.greeting)
        step: Step | None = self._plan.popleft() if self._plan else None
        if step is None and trigger == "client":
            self.unscripted.append(f"response.create with nothing scripted (turn {self._turn})")
            step = Say(say=self.scenario.fallback)
        record = ResponseRecord(new_id("resp"), trigger, self._turn, step, metadata, instructions)
        self.responses.append(record)
        self._active = record
        self.emit("response.created", response=self._response_body(record))
        self._active_task = asyncio.create_task(self._run(record), name=f"simulator.{record.id}")

    def _response_body(self, record: ResponseRecord, output: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "id": record.id,
            "object": "realtime.response",
            "status": record.status,
            "status_details": None,
            "output": output or [],
            "metadata": record.metadata,
            "output_modalities": ["audio"],
            "conversation_id": "conv_" + self.id[5:],
            "usage": None,
        }

    async def _run(self, record: ResponseRecord) -> None:
        try:
            output: list[dict[str, Any]] = []
            if isinstance(record.step, Say):
                output.append(await self._speak(record, record.step.say))
            elif isinstance(record.step, Call):
                output.append(self._call(record, record.step))
            record.status = "completed"
            self._active = self._active_task = self._active_item = None
            self.emit("response.done", response=self._response_body(record, output))
        except asyncio.CancelledError:
            return  # cancel_active() already sent the events that end this response
        except Exception:
            logger.exception("simulated response failed")
            record.status = "failed"
            self._active = self._active_task = self._active_item = None
            self.emit("response.done", response=self._response_body(record))

    def _ids(self, record: ResponseRecord, item_id: str) -> dict[str, Any]:
        return {"response_id": record.id, "item_id": item_id, "output_index": 0}

    async def _speak(self, record: ResponseRecord, text: str) -> dict[str, Any]:
        pcm = await self._speech(text)
        item_id = new_id("item")
        record.output_item_ids.append(item_id)
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        previous = self.items[-1]["id"] if self.items else None
        self.items.append(item)
        self._active_item = item
        self._audio_sent_ms[item_id] = 0
        self._transcript_sent[item_id] = ""
        self.emit("response.output_item.added", response_id=record.id, output_index=0, item=copy.deepcopy(item))
        self.emit("conversation.item.added", previous_item_id=previous, item=copy.deepcopy(item))
        ids = {**self._ids(record, item_id), "content_index": 0}
        self.emit("response.content_part.added", **ids, part={"type": "audio", "transcript": ""})
        chunk = SAMPLE_RATE * AUDIO_CHUNK_MS // 1000 * 2
        chunks = [pcm[start : start + chunk] for start in range(0, len(pcm), chunk)]
        words = text.split(" ")
        started = time.monotonic()
        for index, audio in enumerate(chunks):
            # words are spread evenly over the audio, so a truncation keeps roughly what was heard
            words_due = round(len(words) * (index + 1) / len(chunks))
            said = len(self._transcript_sent[item_id].split()) if self._transcript_sent[item_id] else 0
            if words_due > said:
                delta = " ".join(words[said:words_due])
                delta = delta if said == 0 else f" {delta}"
                self._transcript_sent[item_id] += delta
                self.emit("response.output_audio_transcript.delta", **ids, delta=delta)
            self.emit("response.output_audio.delta", **ids, delta=base64.b64encode(audio).decode())
            self._audio_sent_ms[item_id] += round(duration_s(audio) * 1000)
            due = started + (index + 1) * AUDIO_CHUNK_MS / 1000 / self._speed
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        return self._finish_message(record, item, "completed")

    def _finish_message(self, record: ResponseRecord, item: dict[str, Any], status: str) -> dict[str, Any]:
        ids = {**self._ids(record, item["id"]), "content_index": 0}
        transcript = self._transcript_sent.get(item["id"], "")
        self.emit("response.output_audio.done", **ids)
        self.emit("response.output_audio_transcript.done", **ids, transcript=transcript)
        self.emit("response.content_part.done", **ids, part={"type": "audio", "transcript": transcript})
        item.update(status=status, content=[{"type": "output_audio", "transcript": transcript}])
        self.emit("response.output_item.done", response_id=record.id, output_index=0, item=copy.deepcopy(item))
        return copy.deepcopy(item)

    def _call(self, record: ResponseRecord, step: Call) -> dict[str, Any]:
        item_id, call_id = new_id("item"), new_id("call")
        arguments = json.dumps(resolve_dates(step.arguments, self._today()), ensure_ascii=False)
        record.output_item_ids.append(item_id)
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "call_id": call_id,
            "name": step.call,
            "arguments": "",
        }
        previous = self.items[-1]["id"] if self.items else None
        self.emit("response.output_item.added", response_id=record.id, output_index=0, item=copy.deepcopy(item))
        self.emit("conversation.item.added", previous_item_id=previous, item=copy.deepcopy(item))
        ids = {**self._ids(record, item_id), "call_id": call_id}
        self.emit("response.function_call_arguments.delta", **ids, delta=arguments)
        self.emit("response.function_call_arguments.done", **ids, arguments=arguments)
        item.update(status="completed", arguments=arguments)
        self.items.append(item)
        self._awaiting_output[call_id] = step
        self.emit("response.output_item.done", response_id=record.id, output_index=0, item=copy.deepcopy(item))
        return copy.deepcopy(item)

    def cancel_active(self, reason: str) -> None:
        record, task, item = self._active, self._active_task, self._active_item
        if record is None:
            return
        self._active = self._active_task = self._active_item = None
        if task is not None:
            task.cancel()
        output = [self._finish_message(record, item, "incomplete")] if item is not None else []
        record.status, record.reason = "cancelled", reason
        body = self._response_body(record, output)
        body["status_details"] = {"type": "cancelled", "reason": reason}
        self.emit("response.done", response=body)

    async def apply_fault(
        self, fault: Fault, *, metadata: dict[str, Any] | None = None, in_response: bool = True
    ) -> bool:
        """Send what the service sends for this failure: as a failed response when one is being started
        (`in_response`), else as a bare `error` event. True when it replaced the response being started."""
        logger.info("simulator injects %s", fault.value)
        if fault is Fault.DROP_SOCKET:
            await self._close()
            return True
        if fault is Fault.INVALID_API_KEY:
            self.emit_error("Incorrect API key provided.", code="invalid_api_key")
            await self._close()
            return True
        error = _FAULT_ERRORS[fault]
        if fault is Fault.SERVER_ERROR or not in_response:
            self.emit("error", error={**error, "param": None})
            return True
        record = ResponseRecord(new_id("resp"), "fault", self._turn, None, metadata, status="failed")
        record.reason = fault.value
        self.responses.append(record)
        created = self._response_body(record)
        created["status"] = "in_progress"
        self.emit("response.created", response=created)
        body = self._response_body(record)
        body["status_details"] = {"type": "failed", "error": error}
        self.emit("response.done", response=body)
        return True

    async def aclose(self) -> None:
        self.closed = True
        if self._active_task is not None:
            self._active_task.cancel()
        self._active = self._active_task = self._active_item = None


_FAULT_ERRORS: dict[Fault, dict[str, Any]] = {
    Fault.INSUFFICIENT_QUOTA: {
        "type": "insufficient_quota",
        "code": "insufficient_quota",
        "message": "You exceeded your current quota, please check your plan and billing details.",
    },
    Fault.RATE_LIMITED: {
        "type": "invalid_request_error",
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached for requests. Please try again later.",
    },
    Fault.SERVER_ERROR: {
        "type": "server_error",
        "code": None,
        "message": "The server had an error while processing your request. Sorry about that!",
    },
}

_HANDLERS: dict[str, Callable[[Connection, dict[str, Any]], Awaitable[None]]] = {
    "session.update": Connection._session_update,
    "input_audio_buffer.append": Connection._append,
    "input_audio_buffer.commit": Connection._commit,
    "input_audio_buffer.clear": Connection._clear,
    "conversation.item.create": Connection._item_create,
    "conversation.item.delete": Connection._item_delete,
    "conversation.item.truncate": Connection._item_truncate,
    "response.create": Connection._response_create,
    "response.cancel": Connection._response_cancel,
}
