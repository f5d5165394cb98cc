"""The agent's tools as the model sees them (what the OpenAI realtime plugin sends) and as LiveKit calls them."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from livekit.agents import AgentSession, RunContext
from livekit.agents.llm import FunctionCall, FunctionToolCall, Tool, ToolContext, execute_function_call
from livekit.agents.voice import SpeechHandle
from livekit.plugins.openai.realtime import RealtimeSession
from prometheus_client import CollectorRegistry

from contracts.audit import AuditEvent
from contracts.clinic import PhraseKey
from contracts.tools import (
    ARGUMENT_MODELS,
    BookAppointmentResult,
    CancelAppointmentResult,
    CheckAvailabilityResult,
    SendSmsResult,
    Slot,
    ToolName,
    ToolReply,
    ToolRequest,
)
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE
from voice_worker import tools
from voice_worker.agent import CamilleAgent
from voice_worker.audit import AuditPublisher
from voice_worker.call import CallContext
from voice_worker.metrics import CallMetrics, VoiceMetrics

NOW = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)  # a Tuesday, 08:00 in Zurich
START = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)

# What the model is told: the tool's description, each argument's description, and which arguments are required.
MODEL_FACING: dict[str, tuple[str, dict[str, str], list[str]]] = {
    "check_availability": (
        "Cherche les créneaux libres d'un jour, à appeler avant de proposer des horaires au patient.",
        {
            "date": "Le jour voulu, au format AAAA-MM-JJ.",
            "time": "L'heure souhaitée HH:MM, seulement si le patient en a donné une.",
            "location": "Le lieu, seulement si le patient en a précisé un.",
        },
        ["date"],
    ),
    "book_appointment": (
        "Réserve un créneau, seulement après avoir répété date, heure, nom et numéro et obtenu un oui explicite.",
        {
            "date": "Le jour du rendez-vous, AAAA-MM-JJ.",
            "time": "L'heure de début HH:MM, un créneau renvoyé par check_availability.",
            "patient_name": "Le prénom et le nom du patient.",
            "phone": "Le numéro de téléphone du patient, tel qu'il l'a dicté.",
            "reason": "Le motif en quelques mots.",
            "location": "Le lieu, s'il y en a plusieurs.",
        },
        ["date", "time", "patient_name", "phone", "reason"],
    ),
    "cancel_appointment": (
        "Annule le rendez-vous d'un patient, seulement si le jour, le nom et le numéro correspondent à la réservation.",
        {
            "date": "Le jour du rendez-vous à annuler, AAAA-MM-JJ.",
            "phone": "Le numéro de téléphone donné à la réservation, tel que le patient l'a dicté.",
            "patient_name": "Le prénom et le nom du patient du rendez-vous.",
            "time": "L'heure HH:MM, si le patient a plusieurs rendez-vous ce jour-là.",
        },
        ["date", "phone", "patient_name"],
    ),
    "send_sms": (
        "Envoie la confirmation du cabinet par SMS, pour un rendez-vous pris ou annulé pendant cet appel.\n\n"
        "Seulement si le patient l'accepte. Le cabinet écrit le message et choisit le numéro.",
        {
            "confirmation": "booking après une réservation, cancellation après une annulation.",
            "appointment_id": (
                "L'appointment_id renvoyé par book_appointment ou cancel_appointment ; sans lui, le dernier."
            ),
            "recipient": (
                "patient (le numéro du rendez-vous, par défaut) ou caller (le numéro d'où le patient appelle)."
            ),
        },
        ["confirmation"],
    ),
    "redirect_off_topic": (
        "À appeler quand la demande n'a rien à voir avec un rendez-vous : le cabinet dit sa phrase de recentrage.",
        {},
        [],
    ),
    "report_emergency": (
        "À appeler immédiatement si le patient décrit une urgence vitale en cours.",
        {"category": "Le type d'urgence."},
        ["category"],
    ),
}
ARGUMENTS: dict[ToolName, dict[str, str]] = {
    ToolName.CHECK_AVAILABILITY: {"date": "2026-11-25", "time": "09:00"},
    ToolName.BOOK_APPOINTMENT: {
        "date": "2026-11-25",
        "time": "09:00",
        "patient_name": "Marie Curie",
        "phone": "079 123 45 67",
        "reason": "contrôle",
    },
    ToolName.CANCEL_APPOINTMENT: {"date": "2026-11-25", "phone": "0612345678", "patient_name": "Marie Curie"},
    ToolName.SEND_SMS: {"confirmation": "booking", "recipient": "patient"},
}
RESULTS = {
    ToolName.CHECK_AVAILABILITY: CheckAvailabilityResult(slots=[Slot(start=START, duration_minutes=20)]),
    ToolName.BOOK_APPOINTMENT: BookAppointmentResult(appointment_id="a1", start=START, duration_minutes=20),
    ToolName.CANCEL_APPOINTMENT: CancelAppointmentResult(appointment_id="a1", start=START),
    ToolName.SEND_SMS: SendSmsResult(sms_id="s1", status="queued"),
}


def camille() -> CamilleAgent:
    return CamilleAgent("", supervisor=None)  # type: ignore[arg-type]  # only report_emergency uses it


def model_facing_tools() -> dict[str, dict[str, Any]]:
    """The agent's tools converted by the OpenAI realtime plugin's own code, as it puts them in `session.update`."""
    session: Any = SimpleNamespace(_realtime_model=SimpleNamespace(_provider_label="openai"))  # read on errors only
    converted = RealtimeSession._convert_tools_to_oai(session, [t for t in camille().tools if isinstance(t, Tool)])
    return {str(tool.name): tool.model_dump(exclude_none=True) for tool in converted}


def test_the_model_sees_every_tool_with_its_french_descriptions_and_required_arguments() -> None:
    """Names, tool and argument descriptions (the docstrings, word for word) and required sets are pinned."""
    seen = model_facing_tools()
    assert seen.keys() == MODEL_FACING.keys()
    for name, (description, arguments, required) in MODEL_FACING.items():
        parameters = seen[name]["parameters"]
        assert seen[name]["description"].strip() == description, name
        assert {arg: schema.get("description") for arg, schema in parameters["properties"].items()} == arguments
        assert parameters.get("required", []) == required, name


@pytest.mark.parametrize("tool", list(ToolName))
def test_a_contract_tools_arguments_are_the_contracts_own_schema(tool: ToolName) -> None:
    """Each argument the model sees is typed as the contract types it (enums inlined); `tool` stays hidden."""
    contract = ARGUMENT_MODELS[tool].model_json_schema()
    parameters = model_facing_tools()[tool.value]["parameters"]
    for name, schema in parameters["properties"].items():
        own = contract["properties"][name]
        if "$ref" in own:
            own = {**contract["$defs"][own["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in own.items() if k != "$ref"}}
        assert {k: v for k, v in schema.items() if k != "description"} == {
            k: v for k, v in own.items() if k != "description"
        }, name
    assert "tool" not in parameters["properties"] and "$ref" not in json.dumps(parameters)


def test_send_sms_has_no_number_and_no_text_for_the_model_to_fill() -> None:
    """The model can choose which confirmation and which appointment of the call, never a number or words."""
    parameters = model_facing_tools()["send_sms"]["parameters"]
    assert set(parameters["properties"]) == {"confirmation", "appointment_id", "recipient"}
    assert parameters["properties"]["recipient"]["enum"] == ["patient", "caller"]


def test_a_docstring_that_does_not_match_the_contract_is_refused() -> None:
    """Describing an argument the contract lacks, or leaving a required one undescribed, fails at definition."""
    with pytest.raises(ValueError, match="lacks"):
        tools.tool_schema(ToolName.SEND_SMS, "Envoie.\n\nArgs:\n    confirmation: x\n    to: y\n    text: z\n")
    with pytest.raises(ValueError, match="without a description"):
        tools.tool_schema(ToolName.SEND_SMS, "Envoie.\n\nArgs:\n    recipient: x\n")


class RecordingGateway:
    """Honest fake of the ToolGateway port: keeps each request and answers it with the tool's canned result."""

    def __init__(self) -> None:
        self.seen: list[ToolRequest] = []

    async def request(self, request: ToolRequest, timeout_s: float) -> ToolReply:
        self.seen.append(request)
        return ToolReply.success(request, RESULTS[request.tool])


class SilentPlayer:
    def play(self, key: PhraseKey, *, interrupt: bool = False) -> SilentPlayer:
        return self

    async def wait(self, timeout_s: float) -> bool:
        return True


class DroppedAudit:
    async def publish_event(self, subject: str, data: bytes, headers: dict[str, str], timeout_s: float) -> None:
        AuditEvent.model_validate_json(data)

    async def publish_alert(self, subject: str, data: bytes) -> None:
        pass


async def call_as_livekit_does(tool: str, arguments: dict[str, Any]) -> tuple[Any, RecordingGateway]:
    """Run one tool call through LiveKit's own executor, with the JSON arguments the model would send."""
    gateway = RecordingGateway()
    metrics = VoiceMetrics(CollectorRegistry())
    ctx = CallContext(
        call_id="call-1",
        clinic=load_clinic(SHIPPED_CLINIC_FILE),
        gateway=gateway,
        audit=AuditPublisher(DroppedAudit(), "call-1", buffer_size=100, metrics=metrics),
        player=SilentPlayer(),
        call_control=None,  # type: ignore[arg-type]  # tools never touch call control
        metrics=CallMetrics(metrics),
        clock=lambda: NOW,
    )
    call = FunctionToolCall(call_id="fc_1", name=tool, arguments=json.dumps(arguments))
    context: RunContext[CallContext] = RunContext(
        session=AgentSession(userdata=ctx),
        speech_handle=SpeechHandle.create(),
        function_call=FunctionCall(call_id=call.call_id, name=tool, arguments=call.arguments),
    )
    tool_ctx = ToolContext(camille().tools)
    return await execute_function_call(call, tool_ctx, call_ctx=context), gateway


@pytest.mark.parametrize("tool", list(ToolName))
async def test_each_tool_builds_its_own_contract_once_and_answers_json(tool: ToolName) -> None:
    """Called as LiveKit calls it, a tool sends its own contract's request and gives the model JSON text."""
    result, gateway = await call_as_livekit_does(tool.value, ARGUMENTS[tool])
    [request] = gateway.seen
    assert request.tool == tool and request.tool_call_id == "fc_1"
    assert set(request.arguments.model_dump(exclude_none=True)) == {"tool", *ARGUMENTS[tool]}
    assert isinstance(result.raw_output, str) and not result.fnc_call_out.is_error
    assert json.loads(result.fnc_call_out.output)


async def test_a_missing_argument_is_asked_for_in_french_without_echoing_the_others() -> None:
    """A required argument left out gets the speakable French sentence, not LiveKit's parsing error with the values."""
    result, gateway = await call_as_livekit_does("book_appointment", {"date": "2026-11-25", "phone": "0791234567"})
    assert result.fnc_call_out.is_error and gateway.seen == []
    assert result.fnc_call_out.output == "Il manque une information : time. Demandez-la au patient."
