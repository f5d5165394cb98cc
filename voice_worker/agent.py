"""Camille: the LiveKit `Agent`, its thin tools, and the player of fixed phrases on a session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from livekit.agents import Agent, AgentSession, ModelSettings, RunContext, function_tool
from livekit.agents.llm import RawFunctionTool, StopResponse
from livekit.agents.voice import SpeechHandle
from livekit.agents.voice.io import TimedString

from contracts.audit import EmergencySource, Guardrail, GuardrailTriggered
from contracts.clinic import PhraseKey
from contracts.emergency import EmergencyCategory
from contracts.tools import ToolName
from voice_worker import tools
from voice_worker.call import CallContext
from voice_worker.phrases import Phrasebook
from voice_worker.supervisor import CallSupervisor

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R", bound=Awaitable[tools.ToolOutput])


def _contract_tool(tool: ToolName) -> Callable[[Callable[_P, _R]], RawFunctionTool[_P, _R]]:
    """`@function_tool` for a tool whose arguments are a contract: the model sees the contract's schema described by
    the method's docstring, and the method gets the arguments as sent, to build the contract from them once."""

    def decorate(method: Callable[_P, _R]) -> RawFunctionTool[_P, _R]:
        return function_tool(method, raw_schema=tools.tool_schema(tool, method.__doc__ or ""))

    return decorate


async def _invoke(context: RunContext[CallContext], tool: ToolName, arguments: dict[str, object]) -> tools.ToolOutput:
    return await tools.invoke(context.userdata, tool, arguments, context.function_call.call_id)


class SessionPhrase:
    def __init__(self, handle: SpeechHandle) -> None:
        self._handle = handle

    async def wait(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(asyncio.shield(self._handle.wait_for_playout()), timeout_s)
        except TimeoutError:
            return False
        return not self._handle.interrupted


class SessionPhrasePlayer:
    """Plays fixed phrases on a running session from pre-rendered audio; the text joins the chat context."""

    def __init__(self, session: AgentSession[Any], phrasebook: Phrasebook, played: list[PhraseKey]) -> None:
        self._session = session
        self._phrasebook = phrasebook
        self._played = played

    def play(self, key: PhraseKey, *, interrupt: bool = False) -> SessionPhrase:
        if interrupt:
            with contextlib.suppress(RuntimeError):
                self._session.interrupt(force=True)
        self._played.append(key)
        handle = self._session.say(self._phrasebook.text(key), audio=self._phrasebook.frames(key))
        return SessionPhrase(handle)


class CamilleAgent(Agent):
    def __init__(self, instructions: str, supervisor: CallSupervisor) -> None:
        super().__init__(instructions=instructions)
        self._supervisor = supervisor

    async def transcription_node(
        self, text: AsyncIterable[str | TimedString], model_settings: ModelSettings
    ) -> AsyncGenerator[str | TimedString, None]:
        """Camille's transcript on its way to the transcript output and the chat context, read by the medical-advice
        guardrail.

        This is the earliest point that sees her words (read in livekit-agents 1.8.9): the OpenAI plugin sends each
        `response.output_audio_transcript.delta` into the message's text channel as it arrives, ahead of the audio
        it describes, and `AgentActivity._realtime_generation_task_impl` hands that stream to this node, then
        forwards what it yields to `session.output.transcription`. That output is later: in a room it is RoomIO's
        `TranscriptSynchronizer`, which releases each word only as its audio plays (offline there is none). What
        this node does not yield never reaches the transcript or the chat context."""
        speech = self.session.current_speech
        async for delta in self._supervisor.guard_speech(text, speech.id if speech is not None else None):
            yield delta

    @_contract_tool(ToolName.CHECK_AVAILABILITY)
    async def check_availability(
        self, raw_arguments: dict[str, object], context: RunContext[CallContext]
    ) -> tools.ToolOutput:
        """Cherche les créneaux libres d'un jour, à appeler avant de proposer des horaires au patient.

        Args:
            date: Le jour voulu, au format AAAA-MM-JJ.
            time: L'heure souhaitée HH:MM, seulement si le patient en a donné une.
            location: Le lieu, seulement si le patient en a précisé un.
        """
        return await _invoke(context, ToolName.CHECK_AVAILABILITY, raw_arguments)

    @_contract_tool(ToolName.BOOK_APPOINTMENT)
    async def book_appointment(
        self, raw_arguments: dict[str, object], context: RunContext[CallContext]
    ) -> tools.ToolOutput:
        """Réserve un créneau, seulement après avoir répété date, heure, nom et numéro et obtenu un oui explicite.

        Args:
            date: Le jour du rendez-vous, AAAA-MM-JJ.
            time: L'heure de début HH:MM, un créneau renvoyé par check_availability.
            patient_name: Le prénom et le nom du patient.
            phone: Le numéro de téléphone du patient, tel qu'il l'a dicté.
            reason: Le motif en quelques mots.
            location: Le lieu, s'il y en a plusieurs.
        """
        return await _invoke(context, ToolName.BOOK_APPOINTMENT, raw_arguments)

    @_contract_tool(ToolName.CANCEL_APPOINTMENT)
    async def cancel_appointment(
        self, raw_arguments: dict[str, object], context: RunContext[CallContext]
    ) -> tools.ToolOutput:
        """Annule le rendez-vous d'un patient, seulement si le jour, le nom et le numéro correspondent à la réservation.

        Args:
            date: Le jour du rendez-vous à annuler, AAAA-MM-JJ.
            phone: Le numéro de téléphone donné à la réservation, tel que le patient l'a dicté.
            patient_name: Le prénom et le nom du patient du rendez-vous.
            time: L'heure HH:MM, si le patient a plusieurs rendez-vous ce jour-là.
        """
        return await _invoke(context, ToolName.CANCEL_APPOINTMENT, raw_arguments)

    @_contract_tool(ToolName.SEND_SMS)
    async def send_sms(self, raw_arguments: dict[str, object], context: RunContext[CallContext]) -> tools.ToolOutput:
        """Envoie la confirmation du cabinet par SMS, pour un rendez-vous pris ou annulé pendant cet appel.

        Seulement si le patient l'accepte. Le cabinet écrit le message et choisit le numéro.

        Args:
            confirmation: booking après une réservation, cancellation après une annulation.
            appointment_id: L'appointment_id renvoyé par book_appointment ou cancel_appointment ; sans lui, le dernier.
            recipient: patient (le numéro du rendez-vous, par défaut) ou caller (le numéro d'où le patient appelle).
        """
        return await _invoke(context, ToolName.SEND_SMS, raw_arguments)

    @function_tool
    async def redirect_off_topic(self, context: RunContext[CallContext]) -> None:
        """À appeler quand la demande n'a rien à voir avec un rendez-vous : le cabinet dit sa phrase de recentrage."""
        ctx = context.userdata
        ctx.player.play(PhraseKey.OFF_SCRIPT)
        ctx.audit.emit(GuardrailTriggered(guardrail=Guardrail.OFF_SCRIPT, rule="model"))
        raise StopResponse()

    @function_tool
    async def report_emergency(self, context: RunContext[CallContext], category: EmergencyCategory) -> None:
        """À appeler immédiatement si le patient décrit une urgence vitale en cours.

        Args:
            category: Le type d'urgence.
        """
        self._supervisor.raise_emergency(category, EmergencySource.MODEL, "report_emergency", None)
        raise StopResponse()
