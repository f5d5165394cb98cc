"""Alerts: operational signals for on-call staff. Never PHI: categories and counts only."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from contracts.base import AwareDatetime, CallId, Contract, MessageId, SafeText, new_message_id


class AlertKind(StrEnum):
    EMERGENCY = "emergency"
    AUDIT_DROPPED = "audit_dropped"
    REALTIME_FATAL = "realtime_fatal"
    BACKEND_DOWN = "backend_down"
    MEDICAL_ADVICE = "medical_advice"
    GUARDRAIL_FAILED = "guardrail_failed"
    EMERGENCY_CHECK_FAILED = "emergency_check_failed"


class Alert(Contract):
    message_id: MessageId = Field(default_factory=new_message_id)
    kind: AlertKind
    call_id: CallId | None = None
    occurred_at: AwareDatetime
    category: SafeText | None = None
    count: int | None = Field(default=None, ge=0)
    detail: SafeText | None = None
