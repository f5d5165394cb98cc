"""The contract models whose JSON Schemas are published (and committed under contracts/schemas/)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.alerts import Alert
from contracts.audit import AuditEvent
from contracts.clinic import ClinicProfile
from contracts.tools import ARGUMENT_MODELS, RESULT_MODELS, ToolReply, ToolRequest
from contracts.webhooks import (
    WEBHOOK_RESULT_MODELS,
    CancelAppointmentByIdArgs,
    FindAppointmentsArgs,
    SmsMessage,
    WebhookOperation,
)

PUBLISHED: dict[str, type[BaseModel]] = {
    "tool_request": ToolRequest,
    "tool_reply": ToolReply,
    "audit_event": AuditEvent,
    "alert": Alert,
    "clinic_profile": ClinicProfile,
    **{f"{tool.value}.arguments": model for tool, model in ARGUMENT_MODELS.items()},
    **{f"{tool.value}.result": model for tool, model in RESULT_MODELS.items()},
    # The webhook contract's own operations (check_availability and book_appointment send the tool's arguments).
    "webhook.find_appointments.arguments": FindAppointmentsArgs,
    "webhook.find_appointments.result": WEBHOOK_RESULT_MODELS[WebhookOperation.FIND_APPOINTMENTS],
    "webhook.cancel_appointment.arguments": CancelAppointmentByIdArgs,
    "webhook.send_sms.arguments": SmsMessage,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name (without .json) -> JSON Schema, as validation sees the data (mode='validation')."""
    return {name: model.model_json_schema(mode="validation") for name, model in PUBLISHED.items()}
