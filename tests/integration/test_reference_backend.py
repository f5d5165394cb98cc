"""The reference scheduling API over real HTTP: signatures, de-duplication on webhook-id, typed errors, SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from runtime.webhook_secret import development_webhook_secret
from scheduling_api.server import reference_backend_running
from scheduling_api.settings import ReferenceSettings
from tests.fakes import shifted_clock

ZURICH = ZoneInfo("Europe/Zurich")
NOW = dt.datetime(2026, 12, 7, 7, 30, tzinfo=ZURICH)
BOOKING = {
    "tool": "book_appointment",
    "date": "2026-12-07",
    "time": "09:00",
    "patient_name": "Jeanne Martin",
    "phone": "+41791234567",
    "reason": "contrôle",
}


def signed(secret: str, body: bytes, key: str | None = None, at: dt.datetime | None = None) -> dict[str, str]:
    key = key or uuid.uuid4().hex
    at = at or dt.datetime.now(dt.UTC)
    return {
        "content-type": "application/json",
        "webhook-id": key,
        "idempotency-key": key,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(key, at, body.decode()),
    }


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        reference_backend_running(ReferenceSettings(data_dir=tmp_path), clock=shifted_clock(NOW)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client


def bookings(tmp: Path) -> int:
    with sqlite3.connect(tmp / "scheduling.sqlite3") as conn:
        return int(conn.execute("select count(*) from appointments").fetchone()[0])


async def test_defaults_use_sqlite_in_the_data_dir_and_the_shared_dev_secret(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    """With no environment, a request signed with the data dir's development secret books into the SQLite file."""
    body = json.dumps(BOOKING).encode()
    response = await api.post(
        "/v1/book_appointment", content=body, headers=signed(development_webhook_secret(tmp_path), body)
    )
    assert response.status_code == 201 and response.json()["duration_minutes"] == 20
    assert bookings(tmp_path) == 1


@pytest.mark.parametrize("forgery", ["unsigned", "tampered", "stale", "wrong-secret", "garbage-signature"])
async def test_bad_signatures_are_refused_and_change_nothing(
    api: httpx.AsyncClient, tmp_path: Path, forgery: str
) -> None:
    """Unsigned, tampered, stale, foreign-secret or malformed signatures get 401 and no booking."""
    secret = development_webhook_secret(tmp_path)
    body = json.dumps(BOOKING).encode()
    headers = signed(secret, body)
    if forgery == "unsigned":
        headers = {"content-type": "application/json"}
    elif forgery == "tampered":
        body = body.replace(b"09:00", b"09:20")
    elif forgery == "stale":
        headers = signed(secret, body, at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    elif forgery == "wrong-secret":
        headers = signed("whsec_" + "A" * 43 + "=", body)
    else:
        headers["webhook-signature"] = "v1"
    response = await api.post("/v1/book_appointment", content=body, headers=headers)
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert bookings(tmp_path) == 0


async def test_idempotency_key_replays_and_refuses_reuse(api: httpx.AsyncClient, tmp_path: Path) -> None:
    """The same key and body twice: the same 201 answer and one booking; the key with another body: 422."""
    secret = development_webhook_secret(tmp_path)
    body = json.dumps(BOOKING).encode()
    key = uuid.uuid4().hex
    first = await api.post("/v1/book_appointment", content=body, headers=signed(secret, body, key))
    again = await api.post("/v1/book_appointment", content=body, headers=signed(secret, body, key))
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = json.dumps({**BOOKING, "time": "09:20"}).encode()
    reused = await api.post("/v1/book_appointment", content=other, headers=signed(secret, other, key))
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert bookings(tmp_path) == 1


def outbox(tmp: Path) -> int:
    with sqlite3.connect(tmp / "scheduling.sqlite3") as conn:
        return int(conn.execute("select count(*) from sms_outbox").fetchone()[0])


@pytest.mark.parametrize("idempotency_key", ["another-key", None], ids=["changed", "dropped"])
async def test_a_replayed_request_is_deduplicated_on_its_signed_webhook_id(
    api: httpx.AsyncClient, tmp_path: Path, idempotency_key: str | None
) -> None:
    """A captured request sent again with its unsigned Idempotency-Key changed or dropped replays the first answer."""
    secret = development_webhook_secret(tmp_path)
    sms = json.dumps({"tool": "send_sms", "to": "+41791234567", "text": "Rendez-vous confirmé."}).encode()
    booking = json.dumps(BOOKING).encode()
    for operation, body, status in [("send_sms", sms, 202), ("book_appointment", booking, 201)]:
        headers = signed(secret, body)
        first = await api.post(f"/v1/{operation}", content=body, headers=headers)
        replayed = {k: v for k, v in headers.items() if k != "idempotency-key"}
        if idempotency_key is not None:
            replayed["idempotency-key"] = idempotency_key
        again = await api.post(f"/v1/{operation}", content=body, headers=replayed)
        assert first.status_code == again.status_code == status and first.json() == again.json()
    assert outbox(tmp_path) == 1 and bookings(tmp_path) == 1


async def test_invalid_arguments_name_the_field_without_echoing_it(api: httpx.AsyncClient, tmp_path: Path) -> None:
    """A bad phone gets 422 naming `phone` and the number is not in the answer."""
    body = json.dumps({**BOOKING, "phone": "0899 123 456"}).encode()
    response = await api.post(
        "/v1/book_appointment", content=body, headers=signed(development_webhook_secret(tmp_path), body)
    )
    assert response.status_code == 422 and response.json()["field"] == "phone"
    assert "0899" not in response.text


async def test_off_grid_and_closed_times_are_refused(api: httpx.AsyncClient, tmp_path: Path) -> None:
    """A time between slots and a time outside opening hours both get 422 naming `time`."""
    secret = development_webhook_secret(tmp_path)
    for time in ("09:07", "12:30"):
        body = json.dumps({**BOOKING, "time": time}).encode()
        response = await api.post("/v1/book_appointment", content=body, headers=signed(secret, body))
        assert response.status_code == 422 and response.json()["field"] == "time", time
    assert bookings(tmp_path) == 0


async def test_beyond_the_booking_horizon_nothing_is_free_and_nothing_is_booked(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Past the clinic's 60 days, availability is empty and booking gets 422 naming `date`; the 60th day has slots."""
    secret = development_webhook_secret(tmp_path)

    async def post(operation: str, arguments: dict[str, str]) -> httpx.Response:
        body = json.dumps(arguments).encode()
        return await api.post(f"/v1/{operation}", content=body, headers=signed(secret, body))

    last, beyond = "2027-02-05", "2027-02-08"  # the 60th day (a Friday) and a Monday three days later
    assert (await post("check_availability", {"tool": "check_availability", "date": last})).json()["slots"]
    empty = await post("check_availability", {"tool": "check_availability", "date": beyond})
    assert empty.status_code == 200 and empty.json() == {"tool": "check_availability", "slots": []}
    refused = await post("book_appointment", {**BOOKING, "date": beyond})
    assert refused.status_code == 422
    assert refused.json() == {
        "error": "invalid_arguments", "message": "date: beyond the booking horizon", "field": "date"
    }  # fmt: skip
    assert bookings(tmp_path) == 0


@pytest.mark.postgres
async def test_postgresql_by_url(tmp_path: Path, postgres_url: str) -> None:
    """With CAMILLE_REFERENCE_DB_URL on PostgreSQL, a slot is booked once and the second attempt gets 409."""
    settings = ReferenceSettings(data_dir=tmp_path, reference_db_url=postgres_url)
    secret = development_webhook_secret(tmp_path)
    body = json.dumps(BOOKING).encode()
    async with (
        reference_backend_running(settings, clock=shifted_clock(NOW)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        first = await client.post("/v1/book_appointment", content=body, headers=signed(secret, body))
        second = await client.post("/v1/book_appointment", content=body, headers=signed(secret, body))
        slots = await client.post(
            "/v1/check_availability",
            content=(b := json.dumps({"tool": "check_availability", "date": "2026-12-07", "time": "09:00"}).encode()),
            headers=signed(secret, b),
        )
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["error"] == "slot_unavailable"
    starts: list[Any] = [s["start"] for s in slots.json()["slots"]]
    assert first.json()["start"] not in starts and len(starts) == 6
