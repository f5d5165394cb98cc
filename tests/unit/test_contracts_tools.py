"""Tool-call contracts reject bad input with errors that name the field and never echo the value."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from contracts.tools import (
    BookAppointmentResult,
    BookingRules,
    ToolErrorCode,
    ToolFailure,
    ToolReply,
    ToolRequest,
    idempotency_key_for,
)
from contracts.webhooks import SmsMessage
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE

ZURICH = ZoneInfo("Europe/Zurich")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZURICH)  # a Tuesday
HOURS = {d: ((dt.time(8), dt.time(12)), (dt.time(14), dt.time(18))) for d in range(1, 6)}
RULES = BookingRules(timezone=ZURICH, now=NOW, opening_hours=HOURS, phone_region="CH")
BOOKING = {
    "tool": "book_appointment",
    "date": "2026-11-25",
    "time": "09:00",
    "patient_name": "Jeanne Canari",
    "phone": "079 123 45 67",
    "reason": "contrôle annuel",
}


def request(arguments: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    base = {
        "call_id": "call-1",
        "tool_call_id": "fc_1",
        "idempotency_key": idempotency_key_for("call-1", "fc_1"),
        "deadline": "2026-11-24T09:00:05Z",
        "arguments": arguments,
    }
    return base | overrides


def errors(data: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as info:
        ToolRequest.model_validate(data, context=RULES.context())
    assert "Jeanne" not in str(info.value) and "079" not in str(info.value)
    return [(e["loc"], e["type"]) for e in info.value.errors()]


def test_valid_booking_normalises_the_phone_to_e164() -> None:
    """A well-formed booking validates and its phone number comes out in E.164."""
    req = ToolRequest.model_validate(request(BOOKING), context=RULES.context())
    assert req.arguments.phone.reveal() == "+41791234567"  # type: ignore[union-attr]
    assert req.tool == "book_appointment"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("079 123 45 67", "+41791234567"),
        ("0791234567", "+41791234567"),
        ("+41 79 123 45 67", "+41791234567"),
        ("0041 79 123 45 67", "+41791234567"),
        ("044 555 01 23", "+41445550123"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 1 42 68 53 00", "+33142685300"),
    ],
)
def test_swiss_and_french_phone_formats_normalise(raw: str, e164: str) -> None:
    """Swiss and French phone formats normalise to E.164."""
    req = ToolRequest.model_validate(request(BOOKING | {"phone": raw}), context=RULES.context())
    assert req.arguments.phone.reveal() == e164  # type: ignore[union-attr]


def test_french_local_format_follows_the_clinic_region() -> None:
    """A national-format French number is read as French when the clinic's region is FR."""
    rules = BookingRules(timezone=ZURICH, now=NOW, opening_hours=HOURS, phone_region="FR")
    req = ToolRequest.model_validate(request(BOOKING | {"phone": "06 12 34 56 78"}), context=rules.context())
    assert req.arguments.phone.reveal() == "+33612345678"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("079 123", "phone_invalid"),
        ("not a number", "phone_unparsable"),
        ("0900 123 456", "phone_premium"),
        ("+41 90 123 45 67", "phone_premium"),
        ("+33 8 99 12 34 56", "phone_premium"),
        ("1" * 40, "phone_unparsable"),
    ],
)
def test_invalid_and_premium_phones_are_rejected(raw: str, code: str) -> None:
    """Invalid, oversized and premium-rate numbers are rejected on the phone field."""
    assert errors(request(BOOKING | {"phone": raw})) == [(("arguments", "book_appointment", "phone"), code)]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"date": "2026-02-31"}, "date", "date_from_datetime_parsing"),
        ({"date": "31/02"}, "date", "date_from_datetime_parsing"),
        ({"date": "2026-11-23"}, "date", "date_past"),
        ({"date": "2026-11-24", "time": "09:00"}, "time", "time_past"),
        ({"time": "12:30"}, "time", "time_closed"),
        ({"time": "07:59"}, "time", "time_closed"),
        ({"date": "2026-11-28"}, "time", "time_closed"),
        ({"time": "25:00"}, "time", "time_parsing"),
        ({"time": "09:00:30"}, "time", "time_format"),
        ({"patient_name": "x" * 121}, "patient_name", "string_too_long"),
        ({"patient_name": "   "}, "patient_name", "string_too_short"),
        ({"reason": "r" * 301}, "reason", "string_too_long"),
    ],
)
def test_bad_slots_and_texts_name_the_field(change: dict[str, str], field: str, code: str) -> None:
    """Impossible dates, past slots, closed hours and oversized texts fail on the right field."""
    assert errors(request(BOOKING | change)) == [(("arguments", "book_appointment", field), code)]


def test_oversized_sms_is_rejected() -> None:
    """An SMS to the backend longer than three segments is rejected."""
    with pytest.raises(ValidationError) as info:
        SmsMessage.model_validate({"to": "+41791234567", "text": "a" * 481})
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("text",), "string_too_long")]


def test_a_send_sms_request_cannot_carry_a_number_or_words() -> None:
    """A tool request that gives send_sms a number or a text is refused on those fields: they are not the model's."""
    sms = {"tool": "send_sms", "confirmation": "booking", "to": "+12025550142", "text": "payez ici"}
    assert errors(request(sms)) == [
        (("arguments", "send_sms", "to"), "extra_forbidden"),
        (("arguments", "send_sms", "text"), "extra_forbidden"),
    ]


def test_the_caller_number_travels_beside_the_arguments_and_is_masked() -> None:
    """The SIP caller number is a field of the request (E.164, masked when printed), not an argument."""
    req = ToolRequest.model_validate(
        request({"tool": "send_sms", "confirmation": "booking"}, caller_phone="06 12 34 56 78"),
        context={**RULES.context(), "phone_region": "FR"},
    )
    assert req.caller_phone is not None and req.caller_phone.reveal() == "+33612345678"
    assert "612345678" not in repr(req) and "612345678" not in str(req)


def test_a_cancellation_needs_the_patients_name() -> None:
    """cancel_appointment without patient_name is refused on that field."""
    cancel = {"tool": "cancel_appointment", "date": "2026-11-25", "phone": "079 123 45 67"}
    assert errors(request(cancel)) == [(("arguments", "cancel_appointment", "patient_name"), "missing")]


def test_unknown_tool_is_rejected() -> None:
    """A tool name that does not exist fails on the arguments' discriminator."""
    assert errors(request({"tool": "prescribe", "date": "2026-11-25"})) == [(("arguments",), "union_tag_invalid")]


def test_unknown_fields_are_rejected() -> None:
    """Extra argument fields are refused rather than silently dropped."""
    assert errors(request(BOOKING | {"dose": "2 comprimés"})) == [
        (("arguments", "book_appointment", "dose"), "extra_forbidden")
    ]


def test_idempotency_key_must_derive_from_the_ids() -> None:
    """A key that is not derived from (call id, tool call id) is rejected."""
    bad = request(BOOKING, idempotency_key=idempotency_key_for("call-1", "other"))
    assert errors(bad) == [((), "idempotency_key")]


def test_idempotency_key_is_stable_and_distinct() -> None:
    """The same ids give the same key; different tool calls give different keys."""
    assert idempotency_key_for("c", "t") == idempotency_key_for("c", "t")
    assert idempotency_key_for("c", "t1") != idempotency_key_for("c", "t2")
    assert idempotency_key_for("c1", "t") != idempotency_key_for("c", "1t")


def test_subject_unsafe_ids_are_rejected() -> None:
    """Call ids travel in NATS subjects, so dots, spaces and wildcards are refused."""
    for bad in ["a.b", "a b", "a*", ">", ""]:
        data = request(BOOKING, call_id=bad, idempotency_key=idempotency_key_for(bad, "fc_1"))
        assert ("call_id",) in [loc for loc, _ in errors(data)]


def test_naive_deadline_is_rejected() -> None:
    """A deadline without a time zone is ambiguous and refused."""
    assert errors(request(BOOKING, deadline="2026-11-24T10:00:05")) == [(("deadline",), "value_error")]


def test_stored_requests_validate_without_booking_rules() -> None:
    """Without booking rules (reading history) past dates are accepted: only new requests are judged."""
    old = request(BOOKING | {"date": "2020-01-06"})
    assert ToolRequest.model_validate(old).arguments.date == dt.date(2020, 1, 6)


def test_the_booking_horizon_counts_whole_days_from_the_clinics_today() -> None:
    """With a 60-day horizon the 60th day from the clinic's today is bookable and the 61st is not; None has no limit."""
    rules = BookingRules(timezone=ZURICH, now=NOW, horizon_days=60)
    assert rules.within_horizon(dt.date(2027, 1, 23)) and not rules.within_horizon(dt.date(2027, 1, 24))
    assert BookingRules(timezone=ZURICH, now=NOW).within_horizon(dt.date(2099, 1, 1))


def test_a_day_beyond_the_horizon_fails_on_the_date_with_the_horizon_in_its_context() -> None:
    """Beyond the clinic's horizon the date fails as date_beyond_horizon and the error carries the number of days."""
    rules = BookingRules(timezone=ZURICH, now=NOW, opening_hours=HOURS, horizon_days=60)
    far = request(BOOKING | {"date": "2027-01-26"})  # a Tuesday, 63 days ahead
    with pytest.raises(ValidationError) as info:
        ToolRequest.model_validate(far, context=rules.context())
    [error] = info.value.errors()
    assert (error["loc"], error["type"]) == (("arguments", "book_appointment", "date"), "date_beyond_horizon")
    assert error["msg"] == "beyond the booking horizon" and error.get("ctx") == {"horizon_days": 60}
    history = ToolRequest.model_validate(far)  # read without rules: no horizon
    assert history.arguments.model_dump()["date"] == dt.date(2027, 1, 26)


def test_the_clinic_gives_its_booking_horizon_to_the_booking_rules() -> None:
    """`ClinicProfile.booking_rules` carries the clinic's booking_horizon_days."""
    clinic = load_clinic(SHIPPED_CLINIC_FILE).model_copy(update={"booking_horizon_days": 14})
    assert clinic.booking_rules(NOW).horizon_days == 14


def test_phi_is_masked_in_repr_and_str_but_serialised_for_transport() -> None:
    """PHI fields print as *** and travel as plain JSON."""
    req = ToolRequest.model_validate(request(BOOKING), context=RULES.context())
    for text in (repr(req), str(req), f"{req.arguments}"):
        assert "Jeanne" not in text and "+4179" not in text and "contrôle" not in text
    wire = req.model_dump_json()
    assert "Jeanne Canari" in wire and "+41791234567" in wire
    assert ToolRequest.model_validate_json(wire) == req


def test_reply_carries_exactly_one_outcome() -> None:
    """A reply is ok with a result or failed with an error, never both or neither."""
    req = ToolRequest.model_validate(request(BOOKING), context=RULES.context())
    result = BookAppointmentResult(appointment_id="a1", start=NOW, duration_minutes=20)
    ok = ToolReply.success(req, result)
    assert ToolReply.model_validate_json(ok.model_dump_json()) == ok
    failure = ToolFailure.of(ToolErrorCode.TIMEOUT, "backend timed out")
    assert failure.retryable and not ToolFailure.of(ToolErrorCode.NOT_FOUND, "x").retryable
    with pytest.raises(ValidationError):
        ToolReply(
            request_id="r",
            call_id="c",
            tool_call_id="t",
            tool=req.tool,
            ok=True,
            result=result,
            error=failure,
        )
    with pytest.raises(ValidationError):
        ToolReply(request_id="r", call_id="c", tool_call_id="t", tool=req.tool, ok=False)


def test_reply_result_must_match_its_tool() -> None:
    """A booking result cannot answer an availability request."""
    result = BookAppointmentResult(appointment_id="a1", start=NOW, duration_minutes=20)
    with pytest.raises(ValidationError):
        ToolReply(request_id="r", call_id="c", tool_call_id="t", tool="check_availability", ok=True, result=result)


def test_models_are_frozen() -> None:
    """Contract instances cannot be modified after validation."""
    req = ToolRequest.model_validate(request(BOOKING), context=RULES.context())
    with pytest.raises(ValidationError):
        req.call_id = "other"  # type: ignore[misc]
