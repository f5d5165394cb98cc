"""The reference scheduling API over HTTP: five signed endpoints, plus /admin staging hooks in development.

Every request to /v1 must carry a valid Standard Webhooks signature (unsigned, tampered or stale: 401, nothing
changes). Requests are de-duplicated on the signed `webhook-id` (a repeat gets the first answer, nothing changes);
the Idempotency-Key header carries the same value but is not signed, so a replayed request cannot dodge the
de-duplication by changing or dropping it.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from standardwebhooks.webhooks import Webhook
from starlette.concurrency import run_in_threadpool

from contracts.tools import (
    BookAppointmentArgs,
    BookAppointmentResult,
    CancelAppointmentResult,
    CheckAvailabilityArgs,
    CheckAvailabilityResult,
    SendSmsResult,
)
from contracts.webhooks import (
    CancelAppointmentByIdArgs,
    FindAppointmentsArgs,
    FindAppointmentsResult,
    SmsMessage,
    WebhookOperation,
)
from scheduling_api.store import Answer, SchedulingStore


class ErrorBody(BaseModel):
    error: str = Field(description="slot_unavailable, not_found, invalid_arguments, unauthorized, ...")
    message: str
    field: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing, invalid or stale Standard Webhooks signature."},
    404: {"model": ErrorBody, "description": "No such appointment booked for that phone on that day (cancel)."},
    409: {"model": ErrorBody, "description": "The slot is taken (book)."},
    422: {"model": ErrorBody, "description": "Arguments refused; `field` names the argument."},
    503: {"model": ErrorBody, "description": "Temporarily unavailable; may carry Retry-After."},
}


@dataclass
class Fault:
    status: int
    remaining: int  # -1: until cleared
    tools: frozenset[str]
    retry_after_s: int | None = None


@dataclass
class Faults:
    """Injected failures for staging 'the backend is failing' without mocks."""

    active: list[Fault] = field(default_factory=list)

    def take(self, tool: str) -> Fault | None:
        for fault in self.active:
            if (not fault.tools or tool in fault.tools) and fault.remaining != 0:
                fault.remaining -= 1 if fault.remaining > 0 else 0
                return fault
        return None


class FaultRequest(BaseModel):
    status: int = Field(ge=400, le=599)
    count: int = Field(default=1, ge=-1, description="How many calls fail; -1 until cleared.")
    tools: list[WebhookOperation] = Field(default_factory=list, description="Empty: every operation.")
    retry_after_s: int | None = Field(default=None, ge=0)


class DayRequest(BaseModel):
    date: dt.date


def create_app(store: SchedulingStore, secret: str, *, admin: bool = False) -> FastAPI:
    app = FastAPI(
        title="Camille scheduling webhooks",
        version="1.0.0",
        description=(
            "The five operations Camille's tool runner calls. Requests are signed with Standard Webhooks "
            "(webhook-id, webhook-timestamp, webhook-signature). A repeated webhook-id gets the first answer; "
            "Idempotency-Key equals webhook-id but, being unsigned, is not what requests are de-duplicated on."
        ),
    )
    verifier = Webhook(secret)
    faults = Faults()
    app.state.store, app.state.faults = store, faults

    async def signed(
        request: Request,
        webhook_id: Annotated[
            str | None, Header(description="Signed; requests are de-duplicated on it (a repeat replays).")
        ] = None,
        webhook_timestamp: Annotated[str | None, Header(description="Unix seconds; older than 5 min: 401.")] = None,
        webhook_signature: Annotated[str | None, Header(description="v1,<base64 HMAC-SHA256>.")] = None,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", description="Equals webhook-id; unsigned, not used.")
        ] = None,
    ) -> bytes:
        body = await request.body()
        try:
            verifier.verify(body, dict(request.headers), json_parse=False)
        except Exception:  # any malformed header is as bad as a wrong signature
            raise HTTPException(401, detail={"error": "unauthorized", "message": "bad or missing signature"}) from None
        return body

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, dict) else {"error": "http_error", "message": str(exc.detail)}
        return JSONResponse(detail, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        name = ".".join(loc) or "body"  # never echo the input: it may be PHI
        return JSONResponse({"error": "invalid_arguments", "message": f"{name}: {first['msg']}", "field": name}, 422)

    async def answer(
        operation: WebhookOperation, request: Request, body: bytes, work: Callable[[], Answer], *, replay: bool = True
    ) -> Response:
        if (fault := faults.take(operation.value)) is not None:
            headers = {"retry-after": str(fault.retry_after_s)} if fault.retry_after_s is not None else {}
            injected = {"error": "injected", "message": f"injected HTTP {fault.status}"}
            return JSONResponse(injected, fault.status, headers)
        key = request.headers["webhook-id"] if replay else None  # present and signed: `signed` verified it
        status, payload = await run_in_threadpool(store.run, key, operation.value, body, work)
        return Response(json.dumps(payload), status_code=status, media_type="application/json")

    @app.post("/v1/check_availability", response_model=CheckAvailabilityResult, responses=ERRORS)
    async def check_availability(
        args: CheckAvailabilityArgs, request: Request, body: Annotated[bytes, Depends(signed)]
    ) -> Response:
        """Free slots on a day (at most six, nearest the preferred time first); empty when nothing is free."""
        return await answer(WebhookOperation.CHECK_AVAILABILITY, request, body, lambda: store.check_availability(args))

    @app.post("/v1/book_appointment", status_code=201, response_model=BookAppointmentResult, responses=ERRORS)
    async def book_appointment(
        args: BookAppointmentArgs, request: Request, body: Annotated[bytes, Depends(signed)]
    ) -> Response:
        """Book one slot; 409 when it is taken."""
        return await answer(WebhookOperation.BOOK_APPOINTMENT, request, body, lambda: store.book_appointment(args))

    @app.post("/v1/find_appointments", response_model=FindAppointmentsResult, responses=ERRORS)
    async def find_appointments(
        args: FindAppointmentsArgs, request: Request, body: Annotated[bytes, Depends(signed)]
    ) -> Response:
        """The booked appointments of a phone number on a day, with the patient's name (read only, never replayed:
        the names are not copied into the idempotency table)."""
        return await answer(
            WebhookOperation.FIND_APPOINTMENTS, request, body, lambda: store.find_appointments(args), replay=False
        )

    @app.post("/v1/cancel_appointment", response_model=CancelAppointmentResult, responses=ERRORS)
    async def cancel_appointment(
        args: CancelAppointmentByIdArgs, request: Request, body: Annotated[bytes, Depends(signed)]
    ) -> Response:
        """Cancel one appointment by id, if it is booked on that day for that phone number; 404 otherwise."""
        return await answer(WebhookOperation.CANCEL_APPOINTMENT, request, body, lambda: store.cancel_appointment(args))

    @app.post("/v1/send_sms", status_code=202, response_model=SendSmsResult, responses=ERRORS)
    async def send_sms(args: SmsMessage, request: Request, body: Annotated[bytes, Depends(signed)]) -> Response:
        """Queue a text message in the outbox."""
        return await answer(WebhookOperation.SEND_SMS, request, body, lambda: store.send_sms(args))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if admin:
        _mount_admin(app, store, faults)
    return app


def _mount_admin(app: FastAPI, store: SchedulingStore, faults: Faults) -> None:
    @app.post("/admin/closed-days", status_code=204, include_in_schema=False)
    async def close_day(day: DayRequest) -> Response:
        await run_in_threadpool(store.close_day, day.date)
        return Response(status_code=204)

    @app.delete("/admin/closed-days/{day}", status_code=204, include_in_schema=False)
    async def reopen_day(day: dt.date) -> Response:
        await run_in_threadpool(store.reopen_day, day)
        return Response(status_code=204)

    @app.post("/admin/faults", status_code=204, include_in_schema=False)
    async def add_fault(fault: FaultRequest) -> Response:
        tools = frozenset(tool.value for tool in fault.tools)
        faults.active.append(Fault(fault.status, fault.count, tools, fault.retry_after_s))
        return Response(status_code=204)

    @app.delete("/admin/faults", status_code=204, include_in_schema=False)
    async def clear_faults() -> Response:
        faults.active.clear()
        return Response(status_code=204)
