"""Every NATS subject, stream and queue group name, in one place. A breaking change to a payload gets `v2`."""

from __future__ import annotations

from contracts.tools import ToolName

VERSION = "v1"
ROOT = f"camille.{VERSION}"

TOOLS_QUEUE_GROUP = "tool-runner"


def tool_subject(tool: ToolName | str) -> str:
    """Request/reply subject of one tool, answered by the tool runners' queue group."""
    return f"{ROOT}.tools.{ToolName(tool).value}"


TOOLS_WILDCARD = f"{ROOT}.tools.*"

AUDIT_STREAM = "CAMILLE_AUDIT"
AUDIT_WILDCARD = f"{ROOT}.audit.>"
AUDIT_CONSUMER = "audit-sink"
# Outside AUDIT_WILDCARD on purpose: poison messages must not flow back into the audit stream.
AUDIT_DEAD_LETTER = f"{ROOT}.deadletter.audit"
AUDIT_DEAD_LETTER_STREAM = f"{AUDIT_STREAM}_DEADLETTER"


def audit_subject(call_id: str) -> str:
    """Where the events of one call are published (call ids are opaque and subject-safe, never PHI)."""
    return f"{ROOT}.audit.{call_id}"


ALERTS_WILDCARD = f"{ROOT}.alerts.>"
# `camille audit replay --subject` publishes here (or to the calls' own audit subjects).
REPLAY_WILDCARD = f"{ROOT}.replay.>"

# The tool runner's JetStream key-value buckets (defaults of its settings; the NATS permissions name them).
IDEMPOTENCY_BUCKET = "camille_tool_results"
CALL_STATE_BUCKET = "camille_call_state"


def alert_subject(kind: str) -> str:
    return f"{ROOT}.alerts.{kind}"


# NATS headers.
HEADER_MSG_ID = "Nats-Msg-Id"  # JetStream de-duplication
HEADER_CALL_ID = "Camille-Call-Id"
HEADER_SIGNATURE = "Camille-Signature"  # the voice worker's Ed25519 signature of an audit event's bytes
HEADER_TRACEPARENT = "traceparent"
HEADER_TRACESTATE = "tracestate"
