"""Realistic audit events for the benchmark, the tests and demos: one call's life, PHI included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.audit import AuditEvent

_KINDS: list[dict[str, object]] = [
    {"kind": "greeting_played", "latency_ms": 410.0},
    {"kind": "transcript_segment", "speaker": "user", "text": "Bonjour, je voudrais un rendez-vous."},
    {"kind": "transcript_segment", "speaker": "agent", "text": "Bien sûr, à quel nom ?"},
    {"kind": "latency_metric", "metric": "response", "value_ms": 640.0},
    {"kind": "guardrail_triggered", "guardrail": "medical_advice", "rule": "dose", "text": "Combien de comprimés ?"},
]


def call_events(
    call_id: str,
    count: int,
    *,
    start: datetime | None = None,
    phone: str = "+41791234567",
    name: str = "Jeanne Canari",
    first_seq: int = 0,
) -> list[AuditEvent]:
    """`count` events of one call from `first_seq`: seq 0 is call_started with the caller's phone; the name is said."""
    start = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    events = []
    for seq in range(first_seq, first_seq + count):
        if seq == 0:
            payload: dict[str, object] = {"kind": "call_started", "channel": "sip", "caller_phone": phone}
        elif seq == 2:
            payload = {"kind": "transcript_segment", "speaker": "user", "text": f"Je m'appelle {name}."}
        else:
            payload = _KINDS[seq % len(_KINDS)]
        events.append(
            AuditEvent.model_validate(
                {"call_id": call_id, "seq": seq, "occurred_at": start + timedelta(seconds=seq), "payload": payload}
            )
        )
    return events
