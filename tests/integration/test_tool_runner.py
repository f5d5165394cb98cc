"""The tool runner end to end: NATS request/reply -> tool runner -> the reference scheduling API (real servers)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import nats.errors
import pytest
from nats.aio.client import Client as NATS

from contracts.subjects import tool_subject
from contracts.tools import ToolErrorCode, ToolName, ToolReply, ToolRequest
from offline_kit.webhook import tool_request
from runtime.bus import NatsEndpoint
from scheduling_api.server import reference_backend_running
from scheduling_api.settings import ReferenceSettings
from tests.fakes import shifted_clock
from tool_runner.bootstrap import tool_runner_running
from tool_runner.settings import ToolRunnerSettings

ZURICH = ZoneInfo("Europe/Zurich")
MONDAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 7, 7, 30, tzinfo=ZURICH)
PHONE = "+33 6 12 34 56 78"


@dataclass
class System:
    nc: NATS
    clock: object
    reference_url: str
    tmp: Path

    def request(
        self, arguments: dict[str, object], *, timeout_s: float = 8.0, tool_call_id: str = "", call_id: str = ""
    ) -> ToolRequest:
        return tool_request(
            arguments,
            now=self.clock(),  # type: ignore[operator]
            call_id=call_id or f"call-{uuid.uuid4().hex[:12]}",
            tool_call_id=tool_call_id or f"tc-{uuid.uuid4().hex[:8]}",
            timeout_s=timeout_s,
        )

    async def send(self, request: ToolRequest) -> ToolReply:
        return await send(self.nc, request.tool, request.model_dump_json().encode())

    async def admin(self, method: str, path: str, body: object = None) -> None:
        async with httpx.AsyncClient(base_url=self.reference_url, timeout=5) as client:
            (await client.request(method, path, json=body)).raise_for_status()


async def send(nc: NATS, tool: ToolName, data: bytes) -> ToolReply:
    reply = await nc.request(tool_subject(tool), data, timeout=15, headers={"Camille-Call-Id": "call-x"})
    return ToolReply.model_validate_json(reply.data)


def book_args(time: str = "09:00", day: dt.date = MONDAY) -> dict[str, object]:
    return {
        "tool": "book_appointment",
        "date": day.isoformat(),
        "time": time,
        "patient_name": "Jeanne Martin",
        "phone": PHONE,
        "reason": "contrôle annuel",
    }


def settings_for(tmp: Path, reference_url: str) -> ToolRunnerSettings:
    return ToolRunnerSettings(data_dir=tmp, reference_url=reference_url)


@pytest.fixture
async def system(tmp_path: Path, nc: NATS, nats: NatsEndpoint, fresh_tool_buckets: None) -> AsyncIterator[System]:
    clock = shifted_clock(NOW)
    reference = ReferenceSettings(data_dir=tmp_path, reference_db_url=f"sqlite:///{tmp_path / 'scheduling.db'}")
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(reference_backend_running(reference, clock=clock))
        await stack.enter_async_context(tool_runner_running(settings_for(tmp_path, url), nats, clock=clock))
        yield System(nc, clock, url, tmp_path)


def rows(tmp: Path, sql: str) -> list[tuple[object, ...]]:
    import sqlite3

    with sqlite3.connect(tmp / "scheduling.db") as conn:
        return list(conn.execute(sql))


async def test_booking_through_nats_books_the_slot(system: System) -> None:
    """A valid book_appointment request is answered ok with the booked slot, and the backend holds one booking."""
    reply = await system.send(system.request(book_args("09:00")))
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.BOOK_APPOINTMENT
    assert reply.result.start == dt.datetime(2026, 12, 7, 9, 0, tzinfo=ZURICH)
    assert rows(system.tmp, "SELECT phone, status FROM appointments") == [("+33612345678", "booked")]


async def test_availability_lists_free_slots_near_the_time_and_none_on_a_full_day(system: System) -> None:
    """Availability offers at most six free slots near the asked time, skipping booked ones; none on a full day."""
    await system.send(system.request(book_args("10:00")))
    reply = await system.send(system.request({"tool": "check_availability", "date": "2026-12-07", "time": "10:00"}))
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.CHECK_AVAILABILITY
    starts = [slot.start.astimezone(ZURICH).strftime("%H:%M") for slot in reply.result.slots]
    assert starts == ["09:00", "09:20", "09:40", "10:20", "10:40", "11:00"]
    await system.admin("POST", "/admin/closed-days", {"date": "2026-12-08"})
    full = await system.send(system.request({"tool": "check_availability", "date": "2026-12-08"}))
    assert full.ok and full.result is not None and full.result.tool is ToolName.CHECK_AVAILABILITY
    assert full.result.slots == []


async def test_taken_slot_is_slot_unavailable(system: System) -> None:
    """Booking a slot someone already has is answered slot_unavailable and adds no booking."""
    assert (await system.send(system.request(book_args("11:00")))).ok
    second = await system.send(system.request(book_args("11:00")))
    assert not second.ok and second.error is not None and second.error.code is ToolErrorCode.SLOT_UNAVAILABLE
    assert rows(system.tmp, "SELECT count(*) FROM appointments") == [(1,)]


async def test_cancel_needs_the_name_and_then_is_not_found(system: System) -> None:
    """A wrong name changes nothing and is not_found; name, phone and day cancel it; a second cancel is not_found."""
    await system.send(system.request(book_args("14:00")))
    cancel = {"tool": "cancel_appointment", "date": "2026-12-07", "phone": "+33 6 12 34 56 78"}
    wrong = await system.send(system.request(cancel | {"patient_name": "Paul Durand"}))
    assert wrong.error is not None and wrong.error.code is ToolErrorCode.NOT_FOUND
    assert rows(system.tmp, "SELECT status FROM appointments") == [("booked",)]
    first = await system.send(system.request(cancel | {"patient_name": "martin jeanne"}))
    assert first.ok and first.result is not None and first.result.tool is ToolName.CANCEL_APPOINTMENT
    again = await system.send(system.request(cancel | {"patient_name": "Jeanne Martin"}))
    assert again.error == wrong.error
    assert rows(system.tmp, "SELECT status FROM appointments") == [("cancelled",)]


async def test_send_sms_queues_the_clinics_confirmation_of_this_calls_booking(system: System) -> None:
    """send_sms after a booking in the same call queues the clinic's template, filled in, to the booking's phone."""
    call_id = f"call-{uuid.uuid4().hex[:12]}"
    assert (await system.send(system.request(book_args("10:40"), call_id=call_id))).ok
    reply = await system.send(system.request({"tool": "send_sms", "confirmation": "booking"}, call_id=call_id))
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.SEND_SMS
    assert reply.result.status == "queued"
    [(phone, body)] = rows(system.tmp, "SELECT phone, body FROM sms_outbox")
    assert phone == "+33612345678"
    assert body == (
        "Cabinet du Dr Fillion : votre rendez-vous est confirmé le lundi 7 décembre 2026 à 10h40 avec Dr Fillion. "
        "Pour annuler, appelez le +33 1 99 00 12 34."
    )


async def test_malformed_requests_get_typed_invalid_arguments(system: System) -> None:
    """Garbage, a bad phone and a past day are each answered invalid_arguments naming the field; nothing is booked."""
    garbage = await send(system.nc, ToolName.BOOK_APPOINTMENT, b"\xff not json")
    assert garbage.error is not None and garbage.error.code is ToolErrorCode.INVALID_ARGUMENTS
    assert (garbage.call_id, garbage.tool_call_id, garbage.request_id) == ("unknown", "unknown", "unknown")

    good = json.loads(system.request(book_args()).model_dump_json())
    bad_phone = {**good, "arguments": {**good["arguments"], "phone": "12"}}
    reply = await send(system.nc, ToolName.BOOK_APPOINTMENT, json.dumps(bad_phone).encode())
    assert reply.error is not None and reply.error.field == "arguments.phone"
    assert (reply.call_id, reply.tool_call_id, reply.request_id) == (
        good["call_id"],
        good["tool_call_id"],
        good["message_id"],
    )
    assert "12" not in reply.error.message

    past = {**good, "arguments": {**good["arguments"], "date": "2026-12-04"}}
    reply = await send(system.nc, ToolName.BOOK_APPOINTMENT, json.dumps(past).encode())
    assert reply.error is not None and reply.error.field == "arguments.date"

    wrong_subject = await send(system.nc, ToolName.CHECK_AVAILABILITY, json.dumps(good).encode())
    assert wrong_subject.error is not None and wrong_subject.error.field == "arguments.tool"
    assert rows(system.tmp, "SELECT count(*) FROM appointments") == [(0,)]


async def test_expired_deadline_is_answered_and_not_executed(system: System) -> None:
    """A request whose deadline has passed is answered deadline_exceeded and books nothing."""
    expired = system.request(book_args("15:00"), timeout_s=-1.0)
    reply = await system.send(expired)
    assert reply.error is not None and reply.error.code is ToolErrorCode.DEADLINE_EXCEEDED
    assert rows(system.tmp, "SELECT count(*) FROM appointments") == [(0,)]


async def test_injected_backend_failure_is_a_retryable_error_and_changes_nothing(system: System) -> None:
    """While the backend answers 503, a booking is answered backend_unavailable (retryable) and nothing is stored."""
    await system.admin("POST", "/admin/faults", {"status": 503, "count": -1, "tools": ["book_appointment"]})
    reply = await system.send(system.request(book_args("16:00")))
    assert reply.error is not None and reply.error.code is ToolErrorCode.BACKEND_UNAVAILABLE and reply.error.retryable
    await system.admin("DELETE", "/admin/faults")
    assert (await system.send(system.request(book_args("16:00")))).ok
    assert rows(system.tmp, "SELECT count(*) FROM appointments") == [(1,)]


async def test_request_over_the_nats_limit_fails_at_the_caller_and_the_runner_still_answers(system: System) -> None:
    """A request larger than the server's max payload is refused by the client; the next request is answered."""
    huge = b'{"padding": "' + b"x" * (system.nc.max_payload + 1) + b'"}'
    with pytest.raises(nats.errors.MaxPayloadError):
        await system.nc.request(tool_subject(ToolName.SEND_SMS), huge, timeout=5)
    reply = await system.send(system.request({"tool": "check_availability", "date": "2026-12-09"}))
    assert reply.ok


async def test_no_responders_when_no_runner_is_up(nc: NATS) -> None:
    """With no tool runner subscribed, a request fails at once with no-responders instead of waiting."""
    with pytest.raises(nats.errors.NoRespondersError):
        await nc.request("camille.v1.tools.nobody_here", b"{}", timeout=5)


async def test_many_concurrent_calls_are_all_answered(system: System) -> None:
    """Twenty concurrent availability checks are all answered ok."""
    requests = [system.request({"tool": "check_availability", "date": "2026-12-09"}) for _ in range(20)]
    replies = await asyncio.gather(*(system.send(r) for r in requests))
    assert all(r.ok for r in replies)
    assert {r.tool_call_id for r in replies} == {r.tool_call_id for r in requests}


async def test_default_settings_find_each_other_on_a_free_port(
    tmp_path: Path, nc: NATS, nats: NatsEndpoint, fresh_tool_buckets: None
) -> None:
    """With only a data dir, the tool runner finds the reference API's free port and both share the dev secret."""
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(reference_backend_running(ToolRunnerSettings(data_dir=tmp_path)))
        settings = ToolRunnerSettings(data_dir=tmp_path)
        await stack.enter_async_context(tool_runner_running(settings, nats))
        request = tool_request(
            {"tool": "check_availability", "date": (dt.date.today() + dt.timedelta(days=7)).isoformat()},
            now=dt.datetime.now(dt.UTC),
            call_id=f"c-{uuid.uuid4().hex[:8]}",
        )
        reply = await send(nc, request.tool, request.model_dump_json().encode())
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.CHECK_AVAILABILITY
    assert not (tmp_path / "reference-url").exists()
