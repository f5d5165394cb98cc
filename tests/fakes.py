"""Test doubles of the project's own ports: a scenario agent, in-memory result and call-state stores, a shifted
clock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from livekit.agents import Agent, ToolError, function_tool

from tool_runner.call_state import StaleRevision
from tool_runner.idempotency import PENDING, Claim

DEFAULT_OUTPUTS: dict[str, Any] = {
    "check_availability": {"slots": [{"start": "{date}T09:00:00+01:00", "duration_minutes": 20}]},
    "book_appointment": {"appointment_id": "apt-1", "start": "{date}T{time}:00+01:00", "duration_minutes": 20},
    "cancel_appointment": {"appointment_id": "apt-1", "start": "{date}T10:00:00+01:00"},
    "send_sms": {"sms_id": "sms-1", "status": "queued"},
    "redirect_off_topic": "ok",
    "report_emergency": "ok",
}


class ScenarioAgent(Agent):
    """Asks the model to greet on entry, and answers every tool from `outputs`: a dict or string becomes the JSON or
    text output ("{date}"-style fields are filled from the call's arguments), a `ToolError` is raised, None stays
    silent. Every call is recorded in `calls` as (name, arguments)."""

    def __init__(self, outputs: Mapping[str, Any] | None = None, *, greet: bool = True) -> None:
        super().__init__(instructions="Tu es Camille, l'assistante du cabinet du docteur Fillion.")
        self.outputs = {**DEFAULT_OUTPUTS, **(outputs or {})}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._greet = greet

    async def on_enter(self) -> None:
        if self._greet:
            self.session.generate_reply()

    def _answer(self, name: str, arguments: dict[str, Any]) -> str | None:
        self.calls.append((name, arguments))
        output = self.outputs.get(name)
        if isinstance(output, BaseException):
            raise output
        if output is None:
            return None
        text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
        for key, value in arguments.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    @function_tool
    async def check_availability(self, date: str, time: str | None = None, location: str | None = None) -> str | None:
        """Find free slots on a day (date YYYY-MM-DD, optional time HH:MM)."""
        return self._answer("check_availability", {"date": date, "time": time, "location": location})

    @function_tool
    async def book_appointment(
        self, date: str, time: str, patient_name: str, phone: str, reason: str, location: str | None = None
    ) -> str | None:
        """Book one slot for a patient."""
        arguments = {"date": date, "time": time, "patient_name": patient_name, "phone": phone, "reason": reason}
        return self._answer("book_appointment", {**arguments, "location": location})

    @function_tool
    async def cancel_appointment(self, date: str, phone: str, patient_name: str, time: str | None = None) -> str | None:
        """Cancel a patient's appointment found by day, phone number and name."""
        return self._answer(
            "cancel_appointment", {"date": date, "phone": phone, "patient_name": patient_name, "time": time}
        )

    @function_tool
    async def send_sms(
        self, confirmation: str, appointment_id: str | None = None, recipient: str | None = None
    ) -> str | None:
        """Send the clinic's booking or cancellation confirmation."""
        arguments = {"confirmation": confirmation, "appointment_id": appointment_id, "recipient": recipient}
        return self._answer("send_sms", arguments)

    @function_tool
    async def redirect_off_topic(self) -> str | None:
        """Call when the request has nothing to do with appointments."""
        return self._answer("redirect_off_topic", {})

    @function_tool
    async def report_emergency(self, category: str) -> str | None:
        """Call at once when the caller describes a life-threatening emergency."""
        return self._answer("report_emergency", {"category": category})


__all__ = ["DEFAULT_OUTPUTS", "ScenarioAgent", "ToolError"]


class ManualClock:
    """A monotonic clock that moves only when a test sets `now`."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def shifted_clock(now: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock that reads `now` at creation and then moves at the real pace (deadlines still expire)."""
    offset = now - dt.datetime.now(dt.UTC)
    return lambda: dt.datetime.now(dt.UTC) + offset


class MemoryResultStore:
    """An in-process `ResultStore` (the same semantics as the key-value bucket, no TTL)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[int, bytes]] = {}
        self._revision = 0

    async def claim(self, key: str, hold_s: float) -> Claim:
        if key in self.entries:
            value = self.entries[key][1]
            return Claim(done=value) if value != PENDING else Claim()
        self._revision += 1
        self.entries[key] = (self._revision, PENDING)
        return Claim(revision=self._revision)

    async def complete(self, key: str, revision: int, reply: bytes) -> None:
        if self.entries.get(key, (None,))[0] == revision:
            self._revision += 1
            self.entries[key] = (self._revision, reply)

    async def release(self, key: str, revision: int) -> None:
        if self.entries.get(key, (None,))[0] == revision:
            del self.entries[key]


class MemoryCallStateStore:
    """An in-process `CallStateStore` with the bucket's revision check (no TTL); `writes` counts stored changes."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[int, bytes]] = {}
        self.writes = 0
        self._revision = 0

    async def read(self, call_id: str) -> tuple[bytes | None, int]:
        revision, value = self.entries.get(call_id, (0, None))
        return value, revision

    async def write(self, call_id: str, value: bytes, revision: int) -> int:
        if self.entries.get(call_id, (0, b""))[0] != revision:
            raise StaleRevision
        self._revision += 1
        self.entries[call_id] = (self._revision, value)
        self.writes += 1
        return self._revision
