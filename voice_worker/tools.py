"""What a tool call does, outside LiveKit: validate, ask the tool runner, play a fixed phrase, audit, answer.

The `@function_tool`s of `voice_worker.agent` only translate to and from this, and `tool_schema` is what the model is
told about each of them: its contract's arguments, described in French. Outcomes for the model:
- success: JSON text of the result;
- a problem the caller can fix (bad date, slot taken, not found): a speakable `ToolError` in French, never PHI;
- empty availability: the no-availability phrase plays, and the model is asked not to reply;
- refused by the tool runner (not permitted in this call, a limit reached): the not-permitted phrase plays, the
  refusal is audited, and the model is asked not to reply;
- anything else (tool runner down, timeout, backend error): the tool-failure phrase plays, no reply, never a
  false confirmation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import docstring_parser
from livekit.agents import ToolError
from livekit.agents.llm import ToolResult
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import ValidationError

from contracts.audit import (
    Guardrail,
    GuardrailTriggered,
    LatencyMetric,
    LatencyMetricName,
    ToolCompleted,
    ToolFailed,
    ToolRefused,
    ToolRequested,
)
from contracts.clinic import PhraseKey
from contracts.french import french_date
from contracts.tools import (
    ARGUMENT_MODELS,
    ArgumentModel,
    CheckAvailabilityResult,
    RefusalReason,
    ToolErrorCode,
    ToolName,
    ToolReply,
    ToolRequest,
)
from voice_worker.call import CallContext
from voice_worker.gateway import ToolUnavailable
from voice_worker.metrics import tracer

log = logging.getLogger(__name__)
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

_FIELD_PROBLEMS = {
    "date_past": "Cette date est déjà passée. Demandez une autre date au patient.",
    "time_past": "Cet horaire est déjà passé. Proposez un horaire à venir.",
    "time_closed": "Le cabinet est fermé à cette heure-là. Proposez un horaire pendant les heures d'ouverture.",
    "time_format": "L'heure doit être au format HH:MM.",
    "phone_unparsable": "Le numéro de téléphone n'est pas valide. Redemandez-le au patient, chiffre par chiffre.",
    "phone_invalid": "Le numéro de téléphone n'est pas valide. Redemandez-le au patient, chiffre par chiffre.",
    "phone_premium": "Ce numéro de téléphone n'est pas accepté. Demandez un autre numéro au patient.",
    "date_from_datetime_parsing": "La date doit être au format AAAA-MM-JJ.",
    "date_parsing": "La date doit être au format AAAA-MM-JJ.",
    "date_from_datetime_inexact": "La date doit être au format AAAA-MM-JJ.",
    "time_parsing": "L'heure doit être au format HH:MM.",
    "date_beyond_horizon": "On ne prend pas de rendez-vous à plus de {horizon_days} jours.",
    "missing": "Il manque une information : {field}. Demandez-la au patient.",
}
_BUSINESS_ERRORS = {
    ToolErrorCode.SLOT_UNAVAILABLE: "Ce créneau n'est plus libre. Proposez un autre créneau disponible.",
    ToolErrorCode.NOT_FOUND: (
        "Aucun rendez-vous ne correspond. Vérifiez la date, le nom et le numéro avec le patient, sans rien affirmer "
        "sur l'existence d'un rendez-vous."
    ),
    ToolErrorCode.INVALID_ARGUMENTS: "Une information n'est pas valide. Vérifiez-la avec le patient.",
}
SEVERAL_THAT_DAY = "Le patient a plusieurs rendez-vous ce jour-là : demandez-lui l'heure de celui à annuler."
PHRASE_PLAYED = "La phrase du cabinet a été dite au patient mot pour mot. Ne la répète pas ; attends sa réponse."
REFUSALS = frozenset({ToolErrorCode.NOT_PERMITTED, ToolErrorCode.LIMIT_REACHED})

ToolOutput = str | ToolResult
"""What a tool call gives back to the model: JSON text, or a `ToolResult` asking it not to reply (a phrase played)."""


def tool_schema(tool: ToolName, docstring: str) -> dict[str, Any]:
    """What the model is told about `tool`: the contract's JSON schema of its arguments, narrowed to the docstring's
    `Args:` and described by them, word for word (that text is prompt text, read as LiveKit reads a typed tool's).
    """
    doc = docstring_parser.parse(docstring)
    contract = ARGUMENT_MODELS[tool].model_json_schema()
    described = {param.arg_name: param.description for param in doc.params}
    required = contract.get("required", [])
    if unknown := described.keys() - contract["properties"].keys():
        raise ValueError(f"{tool.value}: the docstring describes arguments the contract lacks: {sorted(unknown)}")
    if undescribed := set(required) - described.keys():
        raise ValueError(f"{tool.value}: required arguments without a description: {sorted(undescribed)}")
    definitions = contract.get("$defs", {})
    properties = {
        name: _inlined(contract["properties"][name], definitions) | {"description": text}
        for name, text in described.items()
    }
    parameters = {
        "type": "object",
        "title": contract["title"],
        "properties": properties,
        "required": [name for name in described if name in required],
        "additionalProperties": False,
    }
    return {"name": tool.value, "description": doc.description, "parameters": parameters}


def _inlined(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """The property's schema with a `$ref` to the contract's own definitions (an enum) replaced by the definition:
    the model is given each tool's parameters alone, without the definitions."""
    ref = schema.get("$ref", "")
    if not ref.startswith("#/$defs/"):
        return schema
    rest = {key: value for key, value in schema.items() if key != "$ref"}
    return {**definitions[ref.removeprefix("#/$defs/")], **rest}


def tool_call_id_of(raw: str) -> str:
    """The model's tool-call id when it is subject-safe, else a stable digest of it."""
    return raw if _IDENTIFIER.match(raw) else hashlib.sha256(raw.encode()).hexdigest()[:32]


def speakable_validation_error(exc: ValidationError) -> str:
    """One French sentence for the first problem; field names and the rule's own limits only, never the values."""
    error = exc.errors(include_input=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "argument"
    template = _FIELD_PROBLEMS.get(error["type"], "L'information « {field} » n'est pas valide. Redemandez-la.")
    return template.format_map({**error.get("ctx", {}), "field": field})


def validate(ctx: CallContext, tool: ToolName, arguments: Mapping[str, object]) -> ArgumentModel:
    """The contract's arguments, built once from what the model sent and checked against the clinic's rules now.

    Like a typed LiveKit tool, a null is an omitted argument and an argument the contract does not know is ignored.
    Raises a speakable ToolError.
    """
    model = ARGUMENT_MODELS[tool]
    given = {key: value for key, value in arguments.items() if value is not None and key in model.model_fields}
    if ignored := sum(1 for key in arguments if key not in model.model_fields):  # a count: a key could carry PHI
        log.info("%s: %d argument(s) outside its contract ignored", tool.value, ignored, extra={"call_id": ctx.call_id})
    try:
        return model.model_validate(given | {"tool": tool}, context=ctx.clinic.booking_rules(ctx.clock()).context())
    except ValidationError as exc:
        raise ToolError(speakable_validation_error(exc)) from None


async def invoke(
    ctx: CallContext, tool: ToolName, arguments: Mapping[str, object], raw_tool_call_id: str
) -> ToolOutput:
    """Run one tool call end to end; returns what goes back to the model (JSON text or a no-reply ToolResult)."""
    try:
        args = validate(ctx, tool, arguments)
    except ToolError:
        ctx.audit.emit(
            ToolFailed(
                tool=tool,
                tool_call_id=tool_call_id_of(raw_tool_call_id),
                duration_ms=0.0,
                code=ToolErrorCode.INVALID_ARGUMENTS,
                retryable=False,
            )
        )
        raise
    request = ToolRequest.create(
        call_id=ctx.call_id,
        tool_call_id=tool_call_id_of(raw_tool_call_id),
        deadline=ctx.clock() + dt.timedelta(seconds=ctx.tool_deadline_s),
        arguments=args,
        caller_phone=ctx.caller_phone,
    )
    ctx.audit.emit(
        ToolRequested(tool=tool, tool_call_id=request.tool_call_id, request_id=request.message_id, arguments=args)
    )
    started = time.perf_counter()
    with tracer.start_as_current_span(
        f"tool {tool.value}", context=_trace_parent(ctx), attributes={"camille.call_id": ctx.call_id}
    ) as span:
        try:
            reply = await _with_filler(ctx, ctx.gateway.request(request, ctx.tool_deadline_s))
        except ToolUnavailable as exc:
            span.set_attribute("camille.tool.outcome", exc.code.value)
            elapsed_ms = _elapsed_ms(started)
            return _failed(ctx, request, elapsed_ms, ToolErrorCode.BACKEND_UNAVAILABLE, True, cause=exc.code.value)
        span.set_attribute("camille.tool.outcome", "ok" if reply.ok else str(reply.error and reply.error.code))
    return _answer(ctx, request, reply, _elapsed_ms(started))


def _trace_parent(ctx: CallContext) -> otel_context.Context | None:
    """The current span when there is one (LiveKit's tool span, inside the call's trace), else the call's span."""
    if trace.get_current_span().get_span_context().is_valid:
        return None
    return trace.set_span_in_context(ctx.call_span)


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def _with_filler(ctx: CallContext, pending: Awaitable[ToolReply]) -> ToolReply:
    """Await the reply; if it is slow, play the filler phrase (once per call)."""
    task: asyncio.Task[ToolReply] = asyncio.ensure_future(pending)
    done, _ = await asyncio.wait({task}, timeout=ctx.filler_delay_s)
    if not done and not ctx.filler_played:
        ctx.filler_played = True
        ctx.player.play(PhraseKey.FILLER)
    return await task


def _answer(ctx: CallContext, request: ToolRequest, reply: ToolReply, elapsed_ms: float) -> ToolOutput:
    if not reply.ok or reply.result is None:
        assert reply.error is not None  # ToolReply guarantees exactly one outcome
        if reply.error.code in REFUSALS:
            return _refused(ctx, request, elapsed_ms, reply.error.code, reply.error.reason)
        business = _BUSINESS_ERRORS.get(reply.error.code)
        if request.tool is ToolName.CANCEL_APPOINTMENT and reply.error.field == "time":
            business = SEVERAL_THAT_DAY  # only said once name and number matched: nothing new for an impostor
        result = _failed(ctx, request, elapsed_ms, reply.error.code, reply.error.retryable, speak=business is None)
        if business is not None:
            raise ToolError(business)
        return result
    ctx.audit.emit(
        ToolCompleted(tool=request.tool, tool_call_id=request.tool_call_id, duration_ms=elapsed_ms, result=reply.result)
    )
    _latency(ctx, request.tool, elapsed_ms, "ok")
    if isinstance(reply.result, CheckAvailabilityResult) and not reply.result.slots:
        _play_guarded(ctx, PhraseKey.NO_AVAILABILITY, Guardrail.NO_AVAILABILITY_PHRASE)
        return ToolResult(json.dumps({"slots": [], "note": PHRASE_PLAYED}, ensure_ascii=False), reply_required=False)
    return model_view(reply.result, ctx.clinic.zone)


def model_view(result: Any, zone: ZoneInfo) -> str:
    """The result as JSON for the model, with every instant as the clinic's local day and time (what is said aloud)."""
    data = result.model_dump(mode="json")
    if isinstance(result, CheckAvailabilityResult):
        data["slots"] = [
            _local(slot.start, zone) | _rest(s) for slot, s in zip(result.slots, data["slots"], strict=True)
        ]
    elif isinstance(getattr(result, "start", None), dt.datetime):
        data = _local(result.start, zone) | _rest(data)
    return json.dumps(data, ensure_ascii=False)


def _local(start: dt.datetime, zone: ZoneInfo) -> dict[str, str]:
    local = start.astimezone(zone)
    return {"day": french_date(local.date()), "date": local.date().isoformat(), "time": local.strftime("%H:%M")}


def _rest(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "start"}


def _failed(
    ctx: CallContext,
    request: ToolRequest,
    elapsed_ms: float,
    code: ToolErrorCode,
    retryable: bool,
    *,
    speak: bool = True,
    cause: str | None = None,
) -> ToolResult:
    """Audit and count the failure (`cause`: why no reply came, when none did), play the fixed phrase unless the
    model is to speak, and tell the model nothing was done."""
    ctx.audit.emit(
        ToolFailed(
            tool=request.tool, tool_call_id=request.tool_call_id, duration_ms=elapsed_ms, code=code, retryable=retryable
        )
    )
    _latency(ctx, request.tool, elapsed_ms, cause or code.value)
    if speak:
        _play_guarded(ctx, PhraseKey.TOOL_FAILURE, Guardrail.TOOL_FAILURE_PHRASE)
    return ToolResult(
        json.dumps({"error": code.value, "note": PHRASE_PLAYED, "confirmed": False}), reply_required=False
    )


def _refused(
    ctx: CallContext, request: ToolRequest, elapsed_ms: float, code: ToolErrorCode, reason: RefusalReason | None
) -> ToolResult:
    """The tool runner said no: audit it, say the clinic's phrase, and keep the model from talking over it."""
    ctx.audit.emit(ToolRefused(tool=request.tool, tool_call_id=request.tool_call_id, code=code, reason=reason))
    _latency(ctx, request.tool, elapsed_ms, code.value)
    ctx.player.play(PhraseKey.NOT_PERMITTED)
    return ToolResult(json.dumps({"error": code.value, "note": PHRASE_PLAYED, "done": False}), reply_required=False)


def _latency(ctx: CallContext, tool: ToolName, elapsed_ms: float, outcome: str) -> None:
    ctx.metrics.tool(tool, elapsed_ms, outcome)
    ctx.audit.emit(LatencyMetric(metric=LatencyMetricName.TOOL_ROUND_TRIP, value_ms=elapsed_ms, tool=tool))


def _play_guarded(ctx: CallContext, key: PhraseKey, guardrail: Guardrail) -> None:
    ctx.player.play(key)
    ctx.audit.emit(GuardrailTriggered(guardrail=guardrail, rule=key.value))
