"""Audit events: one envelope, typed kinds, PHI masked and marked for encryption."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from contracts.alerts import Alert
from contracts.audit import AuditEvent, CallStarted, EmergencyDetected, ToolFailed, TranscriptSegment
from contracts.subjects import AUDIT_WILDCARD, alert_subject, audit_subject, tool_subject

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def event(payload: dict[str, object], seq: int = 0) -> AuditEvent:
    return AuditEvent(call_id="call-1", seq=seq, occurred_at=NOW, payload=payload)  # type: ignore[arg-type]


def test_every_kind_round_trips_through_json() -> None:
    """Each payload kind survives a JSON round trip inside the envelope."""
    payloads = [
        {"kind": "call_started", "channel": "sip", "caller_phone": "+41791234567"},
        {"kind": "call_ended", "reason": "caller_hung_up", "duration_ms": 61000},
        {"kind": "greeting_played", "latency_ms": 420.5},
        {"kind": "transcript_segment", "speaker": "user", "text": "je voudrais un rendez-vous"},
        {
            "kind": "tool_failed",
            "tool": "book_appointment",
            "tool_call_id": "fc_1",
            "duration_ms": 12,
            "code": "slot_unavailable",
            "retryable": False,
        },
        {
            "kind": "emergency_detected",
            "category": "chest_pain",
            "source": "detector",
            "action": "hangup",
            "text": "j'ai mal à la poitrine",
        },
        {"kind": "guardrail_triggered", "guardrail": "medical_advice", "rule": "dose"},
        {"kind": "latency_metric", "metric": "response", "value_ms": 640},
    ]
    for seq, payload in enumerate(payloads):
        original = event(payload, seq)
        assert AuditEvent.model_validate_json(original.model_dump_json()) == original
        assert original.kind == payload["kind"]


def test_phi_fields_are_declared_and_masked() -> None:
    """Payloads declare which fields hold PHI, and those fields print masked."""
    started = event({"kind": "call_started", "channel": "sip", "caller_phone": "079 123 45 67"})
    segment = event({"kind": "transcript_segment", "speaker": "user", "text": "Jeanne Canari"})
    assert CallStarted.phi_fields == {"caller_phone"}
    assert TranscriptSegment.phi_fields == {"text"}
    assert EmergencyDetected.phi_fields == {"text"}
    assert ToolFailed.phi_fields == frozenset()
    assert "+4179" not in repr(started) and "Jeanne" not in repr(segment)


def test_dedup_id_is_call_sequence_and_an_unguessable_id() -> None:
    """The JetStream message id of an event is its call id, its sequence and its random message id: nobody can
    publish first under the id of an event still to come."""
    first, second = event({"kind": "greeting_played"}, seq=7), event({"kind": "greeting_played"}, seq=7)
    assert first.dedup_id == f"call-1:7:{first.message_id}"
    assert first.dedup_id != second.dedup_id and len(first.message_id) == 32


def test_negative_sequence_and_unknown_kind_are_rejected() -> None:
    """Sequences start at 0 and kinds are a closed set."""
    with pytest.raises(ValidationError):
        event({"kind": "greeting_played"}, seq=-1)
    with pytest.raises(ValidationError):
        event({"kind": "diagnosis"})


def test_subjects_are_versioned_and_phi_free() -> None:
    """Subjects carry the version and only opaque ids."""
    assert tool_subject("book_appointment") == "camille.v1.tools.book_appointment"
    assert audit_subject("call-1") == "camille.v1.audit.call-1"
    assert AUDIT_WILDCARD == "camille.v1.audit.>"
    assert alert_subject("emergency") == "camille.v1.alerts.emergency"
    with pytest.raises(ValueError):
        tool_subject("prescribe")


def test_alert_has_no_room_for_free_text_beyond_safe_limits() -> None:
    """Alert details are short operational text."""
    with pytest.raises(ValidationError):
        Alert(kind="emergency", occurred_at=NOW, detail="x" * 301)
