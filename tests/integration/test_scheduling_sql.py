"""The Supabase-ready SQL functions (scheduling_api/sql) against the real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import TupleRow

MIGRATION = Path(__file__).resolve().parents[2] / "scheduling_api" / "sql" / "001_scheduling.sql"
pytestmark = pytest.mark.postgres
ZURICH = ZoneInfo("Europe/Zurich")


def next_monday(weeks: int = 1) -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=7 * weeks + (7 - today.weekday()) % 7)


def zurich_time(start: str) -> str:
    return dt.datetime.fromisoformat(start).astimezone(ZURICH).strftime("%H:%M")


def migrate(url: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(MIGRATION.read_text())


@pytest.fixture
def db(postgres_url: str) -> Iterator[psycopg.Connection[TupleRow]]:
    migrate(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True, connect_timeout=5) as conn:
        yield conn


def call(conn: psycopg.Connection[TupleRow], function: str, headers: dict[str, str] | None = None, **args: Any) -> Any:
    """Call a function the way PostgREST does: named arguments, request headers in `request.headers`."""
    named = ", ".join(f"{name} => %({name})s" for name in args)
    with conn.transaction():
        conn.execute("select set_config('request.headers', %(h)s, true)", {"h": json.dumps(headers or {})})
        row = conn.execute(f"select public.{function}({named})", args).fetchone()
    assert row is not None
    return row[0]


def booking(day: dt.date, time: str = "09:00", phone: str = "+41791234567") -> dict[str, Any]:
    return {"p_date": day, "p_time": time, "p_patient_name": "Jeanne Martin", "p_phone": phone, "p_reason": "contrôle"}


SUPABASE_ROLES = ("anon", "authenticated", "service_role")


def supabase_like(url: str) -> None:
    """Roles and default privileges as Supabase has them: anon and authenticated get EXECUTE on new functions."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        for role in SUPABASE_ROLES:  # roles are server-wide: another test may create them at the same moment
            if conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone() is None:
                with contextlib.suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                    conn.execute(f'create role "{role}" nologin')
        conn.execute("grant usage on schema public to anon, authenticated, service_role")
        conn.execute("alter default privileges in schema public grant execute on functions to anon, authenticated")
        conn.execute("alter default privileges in schema public grant all on tables to anon, authenticated")


def as_role(conn: psycopg.Connection[TupleRow], role: str, sql: str) -> str:
    """Run one statement as `role`; 'ok' or the SQLSTATE it failed with."""
    try:
        with conn.transaction():
            conn.execute(f'set local role "{role}"')
            conn.execute(sql)
    except psycopg.Error as exc:
        return exc.sqlstate or "?"
    return "ok"


def test_only_the_service_role_can_reach_the_functions_and_tables(postgres_url: str) -> None:
    """anon and authenticated cannot run an operation, a helper or read a table; service_role runs the operations."""
    supabase_like(postgres_url)
    migrate(postgres_url)
    day = next_monday().isoformat()
    operation = f"select public.check_availability('{day}'::date, null, null)"
    statements = [
        operation,
        "select public.send_sms('+41791234567', 'x')",
        "select camille_private.request_key()",
        f"select camille_private.free_slots('{day}'::date)",
        "select count(*) from public.camille_appointments",
        "select count(*) from public.camille_idempotency",
    ]
    with psycopg.connect(postgres_url, autocommit=True, connect_timeout=5) as conn:
        for role in ("anon", "authenticated"):
            assert [as_role(conn, role, sql) for sql in statements] == ["42501"] * len(statements), role
        assert as_role(conn, "service_role", operation) == "ok"
        assert as_role(conn, "service_role", "select camille_private.request_key()") == "42501"


def test_postgrest_sees_only_the_five_operations(postgres_url: str) -> None:
    """The public schema, the one PostgREST exposes, holds Camille's five operations and none of its helpers."""
    migrate(postgres_url)
    with psycopg.connect(postgres_url, connect_timeout=5) as conn:
        rows = conn.execute(
            "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'"
        ).fetchall()
    assert sorted(name for (name,) in rows) == [
        "book_appointment", "cancel_appointment", "check_availability", "find_appointments", "send_sms"
    ]  # fmt: skip


def test_migration_runs_twice(postgres_url: str) -> None:
    """Applying the migration again changes nothing and does not fail."""
    migrate(postgres_url)
    migrate(postgres_url)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("select count(*) from camille_opening_hours").fetchone() == (9,)


def test_availability_is_near_the_time_and_skips_booked_slots(db: psycopg.Connection[TupleRow]) -> None:
    """Six slots at most, nearest the asked time, in order, without the booked one."""
    monday = next_monday()
    call(db, "book_appointment", **booking(monday, "10:00"))
    result = call(db, "check_availability", p_date=monday, p_time="10:00", p_location=None)
    zurich = [dt.datetime.fromisoformat(s["start"]).astimezone(ZURICH).strftime("%H:%M") for s in result["slots"]]
    assert zurich == ["09:00", "09:20", "09:40", "10:20", "10:40", "11:00"]
    assert result["slots"][0]["duration_minutes"] == 20


def test_a_slot_is_booked_once(db: psycopg.Connection[TupleRow]) -> None:
    """A second booking of the same slot raises PT409 (HTTP 409 through PostgREST) and adds no row."""
    monday = next_monday()
    first = call(db, "book_appointment", **booking(monday))
    assert set(first) == {"appointment_id", "start", "duration_minutes", "practitioner", "location"}
    with pytest.raises(psycopg.Error) as refused:
        call(db, "book_appointment", **booking(monday, phone="+41791234568"))
    assert refused.value.sqlstate == "PT409"
    assert db.execute("select count(*) from camille_appointments").fetchone() == (1,)


async def test_concurrent_bookings_of_one_slot_leave_one_booking(postgres_url: str) -> None:
    """Eight connections booking the same slot at once: exactly one succeeds, the others get PT409."""
    migrate(postgres_url)
    monday = next_monday()

    def attempt(index: int) -> str:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            try:
                call(conn, "book_appointment", **booking(monday, "14:00", phone=f"+4179123456{index}"))
                return "ok"
            except psycopg.Error as exc:
                return exc.sqlstate or "?"

    outcomes = await asyncio.gather(*(asyncio.to_thread(attempt, i) for i in range(8)))
    assert sorted(outcomes) == ["PT409"] * 7 + ["ok"]


def test_find_lists_a_phones_appointments_of_the_day_with_the_names(db: psycopg.Connection[TupleRow]) -> None:
    """find_appointments returns the phone's booked appointments of that day, in order, with the patient's name."""
    monday = next_monday()
    first = call(db, "book_appointment", **booking(monday, "09:00"))
    call(db, "book_appointment", **booking(monday, "14:00") | {"p_patient_name": "Paul Martin"})
    call(db, "book_appointment", **booking(monday, "10:00", phone="+41791234568"))
    call(db, "book_appointment", **booking(monday + dt.timedelta(days=1), "09:00"))
    found = call(db, "find_appointments", p_date=monday, p_phone="+41791234567")["appointments"]
    assert [(a["patient_name"], zurich_time(a["start"])) for a in found] == [
        ("Jeanne Martin", "09:00"),
        ("Paul Martin", "14:00"),
    ]
    assert found[0]["appointment_id"] == first["appointment_id"] and found[0]["practitioner"] == "Dr Fillion"
    assert call(db, "find_appointments", p_date=monday, p_phone="+41790000000") == {"appointments": []}


def test_cancel_by_id_needs_its_phone_and_day_then_is_not_found(db: psycopg.Connection[TupleRow]) -> None:
    """Cancel by id refuses another phone or day (PT404); cancelled once, it is PT404; the slot is free again."""
    monday = next_monday()
    booked = call(db, "book_appointment", **booking(monday, "15:00"))
    by_id = {"p_appointment_id": booked["appointment_id"], "p_date": monday, "p_phone": "+41791234567"}
    for wrong in ({"p_phone": "+41791234568"}, {"p_date": monday + dt.timedelta(days=1)}):
        with pytest.raises(psycopg.Error) as refused:
            call(db, "cancel_appointment", **by_id | wrong)
        assert refused.value.sqlstate == "PT404"
    cancelled = call(db, "cancel_appointment", **by_id)
    assert cancelled["appointment_id"] == booked["appointment_id"]
    with pytest.raises(psycopg.Error) as missing:
        call(db, "cancel_appointment", **by_id)
    assert missing.value.sqlstate == "PT404"
    assert call(db, "book_appointment", **booking(monday, "15:00"))["appointment_id"] != booked["appointment_id"]


def test_the_old_cancel_by_phone_and_day_is_gone(db: psycopg.Connection[TupleRow]) -> None:
    """No function cancels by phone and day alone any more: only by an id the tool runner chose."""
    with pytest.raises(psycopg.errors.UndefinedFunction):
        call(db, "cancel_appointment", p_date=next_monday(), p_phone="+41791234567", p_time=None, p_appointment_id=None)


def test_idempotency_key_replays_the_first_booking(db: psycopg.Connection[TupleRow]) -> None:
    """The same Idempotency-Key header twice returns the first booking and stores one row."""
    monday = next_monday()
    headers = {"idempotency-key": "a" * 64}
    first = call(db, "book_appointment", headers, **booking(monday, "16:00"))
    again = call(db, "book_appointment", headers, **booking(monday, "16:00"))
    assert first == again
    assert db.execute("select count(*) from camille_appointments").fetchone() == (1,)


def test_refusals_name_the_argument(db: psycopg.Connection[TupleRow]) -> None:
    """A past day and an off-grid time raise PT422 with the argument in the hint."""
    with pytest.raises(psycopg.Error) as past:
        call(db, "check_availability", p_date=dt.date.today() - dt.timedelta(days=2), p_time=None, p_location=None)
    assert (past.value.sqlstate, past.value.diag.message_hint) == ("PT422", "p_date")
    with pytest.raises(psycopg.Error) as off_grid:
        call(db, "book_appointment", **booking(next_monday(), "09:07"))
    assert (off_grid.value.sqlstate, off_grid.value.diag.message_hint) == ("PT422", "p_time")


def test_closed_day_offers_nothing_and_refuses_bookings(db: psycopg.Connection[TupleRow]) -> None:
    """A day in camille_closed_days has no free slot and refuses bookings with PT409."""
    monday = next_monday(2)
    db.execute("insert into camille_closed_days (day) values (%s)", (monday,))
    assert call(db, "check_availability", p_date=monday, p_time=None, p_location=None) == {"slots": []}
    with pytest.raises(psycopg.Error) as refused:
        call(db, "book_appointment", **booking(monday))
    assert refused.value.sqlstate == "PT409"


def test_send_sms_queues_in_the_outbox(db: psycopg.Connection[TupleRow]) -> None:
    """send_sms returns queued and stores one outbox row with the text."""
    result = call(db, "send_sms", p_to="+41791234567", p_text="Rendez-vous confirmé.")
    assert result["status"] == "queued"
    assert db.execute("select phone, body from camille_sms_outbox").fetchall() == [
        ("+41791234567", "Rendez-vous confirmé.")
    ]
