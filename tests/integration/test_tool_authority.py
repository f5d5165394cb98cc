"""Two tool-runner replicas on a real nats-server share each call's state: what one booked the other may confirm,
and the limits hold however the calls are spread over them (reference scheduling API behind both)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as NATS

from contracts.tools import RefusalReason, ToolErrorCode, ToolName, ToolReply
from offline_kit.webhook import tool_request
from runtime.bus import NatsEndpoint
from scheduling_api.server import reference_backend_running
from scheduling_api.settings import ReferenceSettings
from tests.fakes import shifted_clock
from tool_runner.bootstrap import RunningToolRunner, tool_runner_running
from tool_runner.settings import ToolRunnerSettings

NOW = dt.datetime(2026, 12, 7, 7, 30, tzinfo=dt.UTC)  # a Monday, 08:30 in Paris
PHONE = "+33611223344"


@dataclass
class Replicas:
    a: RunningToolRunner
    b: RunningToolRunner
    tmp: Path
    clock: Any
    bucket: str

    async def send(self, replica: RunningToolRunner, call_id: str, arguments: dict[str, Any]) -> ToolReply:
        request = tool_request(
            arguments, now=self.clock(), call_id=call_id, tool_call_id=uuid.uuid4().hex[:16], timeout_s=10
        )
        tool = ToolName(arguments["tool"])
        return ToolReply.model_validate_json(await replica.runner.handle(tool, request.model_dump_json().encode()))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.tmp / "scheduling.db") as conn:
            return list(conn.execute(sql))


@pytest.fixture
async def replicas(tmp_path: Path, nats: NatsEndpoint, fresh_tool_buckets: None) -> AsyncIterator[Replicas]:
    clock = shifted_clock(NOW)
    reference = ReferenceSettings(data_dir=tmp_path, reference_db_url=f"sqlite:///{tmp_path / 'scheduling.db'}")
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(reference_backend_running(reference, clock=clock))
        settings = ToolRunnerSettings(data_dir=tmp_path, reference_url=url)
        a = await stack.enter_async_context(tool_runner_running(settings, nats, clock=clock))
        b = await stack.enter_async_context(tool_runner_running(settings, nats, clock=clock))
        yield Replicas(a, b, tmp_path, clock, settings.call_state_bucket)


def book(time: str, name: str = "Marie Martin", phone: str = PHONE) -> dict[str, Any]:
    return {
        "tool": "book_appointment",
        "date": "2026-12-08",
        "time": time,
        "patient_name": name,
        "phone": phone,
        "reason": "vaccin",
    }


SMS = {"tool": "send_sms", "confirmation": "booking"}


async def test_what_one_replica_booked_the_other_confirms_and_no_other_call_can(replicas: Replicas) -> None:
    """A booking made on replica A is confirmed by SMS through replica B; another call cannot confirm it at all."""
    call, other = f"call-{uuid.uuid4().hex[:8]}", f"call-{uuid.uuid4().hex[:8]}"
    booked = await replicas.send(replicas.a, call, book("10:00"))
    assert booked.ok and booked.result is not None and booked.result.tool is ToolName.BOOK_APPOINTMENT
    confirmed = await replicas.send(replicas.b, call, SMS)
    stolen = await replicas.send(replicas.b, other, SMS | {"appointment_id": booked.result.appointment_id})
    assert confirmed.ok
    assert stolen.error is not None and stolen.error.code is ToolErrorCode.NOT_PERMITTED
    assert stolen.error.reason is RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL
    [(phone, body)] = replicas.rows("SELECT phone, body FROM sms_outbox")
    assert phone == PHONE and "mardi 8 décembre 2026 à 10h00 avec Dr Fillion" in body


async def test_the_sms_limit_holds_across_replicas_under_concurrent_requests(replicas: Replicas) -> None:
    """Eight SMS requests of one call at once, half on each replica: exactly the clinic's two are sent."""
    call = f"call-{uuid.uuid4().hex[:8]}"
    assert (await replicas.send(replicas.a, call, book("11:00"))).ok
    replies = await asyncio.gather(*(replicas.send(replicas.a if n % 2 else replicas.b, call, SMS) for n in range(8)))
    codes = sorted("ok" if r.ok else str(r.error and r.error.code.value) for r in replies)
    assert codes == ["limit_reached"] * 6 + ["ok"] * 2
    assert replicas.rows("SELECT count(*) FROM sms_outbox") == [(2,)]


async def test_cancellation_attempts_are_limited_across_replicas_and_a_guess_changes_nothing(
    replicas: Replicas,
) -> None:
    """Three wrong names, alternating replicas, leave the booking alone; the fourth try is refused even if right."""
    call = f"call-{uuid.uuid4().hex[:8]}"
    assert (await replicas.send(replicas.a, f"call-{uuid.uuid4().hex[:8]}", book("14:00"))).ok
    cancel = {"tool": "cancel_appointment", "date": "2026-12-08", "phone": PHONE}
    guesses = ["Sophie Bernard", "Marie Bernard", "Martin"]
    for n, name in enumerate(guesses):
        reply = await replicas.send(replicas.b if n % 2 else replicas.a, call, cancel | {"patient_name": name})
        assert reply.error is not None and reply.error.code is ToolErrorCode.NOT_FOUND
    last = await replicas.send(replicas.b, call, cancel | {"patient_name": "Marie Martin"})
    assert last.error is not None and last.error.code is ToolErrorCode.LIMIT_REACHED
    assert last.error.reason is RefusalReason.CANCELLATION_ATTEMPTS_LIMIT
    assert replicas.rows("SELECT status FROM appointments") == [("booked",)]


async def test_the_call_state_bucket_outlives_a_realtime_session(replicas: Replicas, inspect_nc: NATS) -> None:
    """The per-call bucket keeps one revision per call for 30 minutes after its last change."""
    status = await (await inspect_nc.jetstream().key_value(replicas.bucket)).status()
    assert status.ttl == 30 * 60 and status.history == 1
