"""The supabase and n8n backend kinds through a real tool runner: Supabase as a local PostgREST-convention server
over the SQL functions in the real PostgreSQL, n8n as a local webhook with Header Auth."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from aiohttp import web
from nats.aio.client import Client as NATS

from contracts.subjects import tool_subject
from contracts.tools import ToolErrorCode, ToolName, ToolReply, ToolRequest
from offline_kit.webhook import LocalWebhook, json_answer, tool_request
from runtime.bus import NatsEndpoint
from tool_runner.bootstrap import tool_runner_running
from tool_runner.settings import ToolRunnerSettings

PHONE = "+33612345678"
PARIS = ZoneInfo("Europe/Paris")
MIGRATION = Path(__file__).resolve().parents[2] / "scheduling_api" / "sql" / "001_scheduling.sql"
SERVICE_KEY = "service-role-key-for-tests"
N8N_SECRET = "n8n-header-secret"
FUNCTION = re.compile(r"^/rest/v1/rpc/([a-z_]+)$")
OPERATIONS = {"check_availability", "book_appointment", "find_appointments", "cancel_appointment", "send_sms"}


def next_monday() -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=7 + (7 - today.weekday()) % 7)


class PostgrestLike:
    """What PostgREST does for RPC, reduced to what these tests need: auth headers, named arguments, request
    headers as `request.headers`, and errors as {code, message, details, hint} with PTxxx -> HTTP xxx."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.server = LocalWebhook([self.respond])

    async def respond(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if (
            request.headers.get("apikey") != SERVICE_KEY
            or request.headers.get("authorization") != f"Bearer {SERVICE_KEY}"
        ):
            return web.json_response(
                {"code": "PGRST301", "message": "JWT invalid", "details": None, "hint": None}, status=401
            )
        match = FUNCTION.match(request.path)
        if match is None or match.group(1) not in OPERATIONS:
            error = {"code": "PGRST202", "message": "Could not find the function", "details": None, "hint": None}
            return web.json_response(error, status=404)
        args = json.loads(body)
        named = ", ".join(f"{name} => %({name})s" for name in args)
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            async with await psycopg.AsyncConnection.connect(self.db_url, autocommit=True) as conn, conn.transaction():
                await conn.execute("select set_config('request.headers', %(h)s, true)", {"h": json.dumps(headers)})
                cursor = await conn.execute(f"select public.{match.group(1)}({named})", args)
                row = await cursor.fetchone()
        except psycopg.Error as exc:
            code = exc.sqlstate or "XX000"
            status = int(code[2:]) if code.startswith("PT") else 409 if code == "23505" else 400
            error = {
                "code": code,
                "message": exc.diag.message_primary,
                "details": exc.diag.message_detail,
                "hint": exc.diag.message_hint,
            }
            return web.json_response(error, status=status)
        assert row is not None
        return web.json_response(row[0])


ROUTING = """
backends:
  supabase:
    kind: supabase
    url: ${SUPABASE_URL}
    signing_secret_env: CAMILLE_WEBHOOK_SECRET
    api_key_env: SUPABASE_SERVICE_ROLE_KEY
    retry: {max_attempts: 2, base_delay_s: 0.01, max_delay_s: 0.02}
  n8n:
    kind: n8n
    url: ${N8N_URL}
    signing_secret_env: CAMILLE_WEBHOOK_SECRET
    auth_header: X-Camille-Auth
    auth_secret_env: N8N_WEBHOOK_SECRET
    retry: {max_attempts: 2, base_delay_s: 0.01, max_delay_s: 0.02}
tools:
  check_availability: {backend: supabase, path: check_availability}
  book_appointment: {backend: supabase, path: book_appointment}
  find_appointments: {backend: supabase, path: find_appointments}
  cancel_appointment: {backend: supabase, path: cancel_appointment}
  send_sms: {backend: n8n, path: /webhook/camille-sms}
"""
# Everything on n8n: a clinic whose whole diary is an n8n workflow.
N8N_ROUTING = (
    ROUTING.split("tools:")[0]
    + """tools:
  check_availability: {backend: n8n, path: /webhook/camille-check}
  book_appointment: {backend: n8n, path: /webhook/camille-book}
  find_appointments: {backend: n8n, path: /webhook/camille-find}
  cancel_appointment: {backend: n8n, path: /webhook/camille-cancel}
  send_sms: {backend: n8n, path: /webhook/camille-sms}
"""
)


@pytest.fixture
async def n8n() -> AsyncIterator[LocalWebhook]:
    async def respond(request: web.Request, body: bytes) -> web.StreamResponse:
        if request.headers.get("X-Camille-Auth") != N8N_SECRET:
            return web.Response(text="Authorization data is wrong!", status=403)
        if request.path == "/webhook/camille-book":
            start = dt.datetime.combine(dt.date.fromisoformat(json.loads(body)["date"]), dt.time(9), tzinfo=PARIS)
            booked = {"appointment_id": "n8n-apt-1", "start": start.isoformat(), "duration_minutes": 20}
            return web.json_response(booked | {"practitioner": "Dr Fillion"}, status=201)
        if request.path != "/webhook/camille-sms":
            message = f'The requested webhook "POST {request.path.removeprefix("/webhook/")}" is not registered.'
            return web.json_response({"code": 404, "message": message}, status=404)
        return web.json_response({"sms_id": "n8n-1", "status": "queued"})

    hook = LocalWebhook([respond])
    await hook.start()
    yield hook
    await hook.stop()


@pytest.fixture
async def supabase(postgres_url: str) -> AsyncIterator[PostgrestLike]:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(MIGRATION.read_text())
    server = PostgrestLike(postgres_url)
    await server.server.start()
    yield server
    await server.server.stop()


@contextlib.asynccontextmanager
async def runner(tmp: Path, nats: NatsEndpoint, environ: dict[str, str], routes: str = ROUTING) -> AsyncIterator[None]:
    routing = tmp / "tools.yaml"
    routing.write_text(routes)
    settings = ToolRunnerSettings(data_dir=tmp, routing_file=routing)
    async with tool_runner_running(settings, nats, environ=environ):
        yield


def environ(supabase_url: str, n8n_url: str, key: str = SERVICE_KEY, n8n_secret: str = N8N_SECRET) -> dict[str, str]:
    return {
        "SUPABASE_URL": supabase_url,
        "SUPABASE_SERVICE_ROLE_KEY": key,
        "N8N_URL": n8n_url,
        "N8N_WEBHOOK_SECRET": n8n_secret,
    }


async def send(nc: NATS, arguments: dict[str, Any], call_id: str = "") -> ToolReply:
    request: ToolRequest = tool_request(
        arguments,
        now=dt.datetime.now(dt.UTC),
        call_id=call_id or f"c-{uuid.uuid4().hex[:8]}",
        tool_call_id=uuid.uuid4().hex,
        timeout_s=10,
    )
    msg = await nc.request(tool_subject(request.tool), request.model_dump_json().encode(), timeout=20)
    return ToolReply.model_validate_json(msg.data)


def booking(day: dt.date, time: str = "09:00") -> dict[str, Any]:
    return {
        "tool": "book_appointment",
        "date": day.isoformat(),
        "time": time,
        "patient_name": "Jeanne Martin",
        "phone": PHONE,
        "reason": "contrôle",
    }


@pytest.mark.postgres
async def test_supabase_kind_books_checks_and_maps_postgrest_errors(
    tmp_path: Path,
    nats: NatsEndpoint,
    fresh_tool_buckets: None,
    nc: NATS,
    supabase: PostgrestLike,
    n8n: LocalWebhook,
    postgres_url: str,
) -> None:
    """Through PostgREST RPC: booking works, the same slot is slot_unavailable, an unknown cancel is not_found."""
    monday = next_monday()
    async with runner(tmp_path, nats, environ(supabase.server.url, n8n.url)):
        booked = await send(nc, booking(monday))
        taken = await send(nc, booking(monday))
        slots = await send(nc, {"tool": "check_availability", "date": monday.isoformat(), "time": "09:00"})
        missing = await send(
            nc, {"tool": "cancel_appointment", "date": monday.isoformat(), "phone": "+33698765432", "patient_name": "X"}
        )
        off_grid = await send(nc, booking(monday, "09:10"))
    assert booked.ok and booked.result is not None and booked.result.tool is ToolName.BOOK_APPOINTMENT
    assert taken.error is not None and taken.error.code is ToolErrorCode.SLOT_UNAVAILABLE
    assert missing.error is not None and missing.error.code is ToolErrorCode.NOT_FOUND
    assert off_grid.error is not None and off_grid.error.code is ToolErrorCode.INVALID_ARGUMENTS
    assert off_grid.error.field == "time"
    assert slots.ok and slots.result is not None and slots.result.tool is ToolName.CHECK_AVAILABILITY
    assert booked.result.start not in {slot.start for slot in slots.result.slots}
    assert len(slots.result.slots) == 6
    received = supabase.server.received[0]
    assert json.loads(received.body)["p_phone"] == PHONE and "p_tool" not in json.loads(received.body)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("select count(*) from camille_appointments").fetchone() == (1,)


@pytest.mark.postgres
async def test_supabase_kind_cancels_only_with_the_name_then_n8n_texts_the_clinics_words(
    tmp_path: Path,
    nats: NatsEndpoint,
    fresh_tool_buckets: None,
    nc: NATS,
    supabase: PostgrestLike,
    n8n: LocalWebhook,
    postgres_url: str,
) -> None:
    """A wrong name leaves the row booked; the right one cancels it by id; the SMS n8n gets is the clinic's text."""
    monday, call_id = next_monday(), f"c-{uuid.uuid4().hex[:8]}"
    cancel = {"tool": "cancel_appointment", "date": monday.isoformat(), "phone": PHONE}
    async with runner(tmp_path, nats, environ(supabase.server.url, n8n.url)):
        assert (await send(nc, booking(monday, "11:00"))).ok
        wrong = await send(nc, cancel | {"patient_name": "Sophie Bernard"}, call_id)
        with psycopg.connect(postgres_url) as conn:
            assert conn.execute("select status from camille_appointments").fetchall() == [("booked",)]
        right = await send(nc, cancel | {"patient_name": "MARTIN Jeanne"}, call_id)
        texted = await send(nc, {"tool": "send_sms", "confirmation": "cancellation"}, call_id)
    assert wrong.error is not None and wrong.error.code is ToolErrorCode.NOT_FOUND
    assert right.ok and texted.ok
    rpc = [(r.path.rsplit("/", 1)[1], json.loads(r.body)) for r in supabase.server.received]
    assert [name for name, _ in rpc] == [
        "book_appointment",
        "find_appointments",
        "find_appointments",
        "cancel_appointment",
    ]
    assert set(rpc[-1][1]) == {"p_appointment_id", "p_date", "p_phone"}
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("select status from camille_appointments").fetchall() == [("cancelled",)]
    sms = n8n.received[-1].json()
    assert sms["to"] == PHONE and set(sms) == {"tool", "to", "text"}
    assert sms["text"].startswith("Cabinet du Dr Fillion : votre rendez-vous du ") and "11h00 est annulé" in sms["text"]


@pytest.mark.postgres
async def test_supabase_kind_with_a_wrong_key_is_a_backend_error(
    tmp_path: Path, nats: NatsEndpoint, fresh_tool_buckets: None, nc: NATS, supabase: PostgrestLike, n8n: LocalWebhook
) -> None:
    """A refused service key is a non-retryable backend_error, not a success and not retried."""
    async with runner(tmp_path, nats, environ(supabase.server.url, n8n.url, key="wrong")):
        reply = await send(nc, booking(next_monday()))
    assert reply.error is not None and reply.error.code is ToolErrorCode.BACKEND_ERROR and not reply.error.retryable
    assert len(supabase.server.received) == 1


async def test_n8n_kind_sends_header_auth_and_reads_the_respond_node(
    tmp_path: Path, nats: NatsEndpoint, fresh_tool_buckets: None, nc: NATS, n8n: LocalWebhook
) -> None:
    """A diary on n8n: header auth sent, answers read, send_sms(to, text) as before; a refused secret is an error."""
    call_id = f"c-{uuid.uuid4().hex[:8]}"
    sms = {"tool": "send_sms", "confirmation": "booking"}
    async with runner(tmp_path, nats, environ("http://127.0.0.1:9", n8n.url), N8N_ROUTING):
        assert (await send(nc, booking(next_monday()), call_id)).ok
        reply = await send(nc, sms, call_id)
    assert reply.ok and reply.result is not None and reply.result.tool is ToolName.SEND_SMS
    assert n8n.received[-1].headers["x-camille-auth"] == N8N_SECRET
    body = n8n.received[-1].json()
    assert set(body) == {"tool", "to", "text"} and (body["tool"], body["to"]) == ("send_sms", PHONE)
    assert "confirmé le " in body["text"] and " à 9h00 avec Dr Fillion" in body["text"]
    async with runner(tmp_path, nats, environ("http://127.0.0.1:9", n8n.url, n8n_secret="wrong"), N8N_ROUTING):
        refused = await send(nc, booking(next_monday()))
    assert refused.error is not None and refused.error.code is ToolErrorCode.BACKEND_ERROR


async def test_n8n_unregistered_webhook_is_not_a_missing_appointment(
    tmp_path: Path, nats: NatsEndpoint, fresh_tool_buckets: None, nc: NATS, n8n: LocalWebhook
) -> None:
    """n8n's own 404 for an inactive workflow maps to backend_error, not not_found."""
    n8n.answer_with(json_answer({"code": 404, "message": 'The requested webhook "POST x" is not registered.'}, 404))
    async with runner(tmp_path, nats, environ("http://127.0.0.1:9", n8n.url), N8N_ROUTING):
        reply = await send(nc, booking(next_monday()))
    assert reply.error is not None and reply.error.code is ToolErrorCode.BACKEND_ERROR
    assert "not registered" in reply.error.message
