"""Camille: the LiveKit `Agent`, its thin tools, and the player of fixed phrases on a session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from livekit.agents import Agent, AgentSession, RunContext, function_tool
from livekit.agents.llm import StopResponse
from livekit.agents.voice import SpeechHandle

from contracts.audit import EmergencySource, Guardrail, GuardrailTriggered
from contracts.clinic import PhraseKey
from contracts.tools import ToolName
from voice_worker import tools
from voice_worker.call import CallContext
from voice_worker.emergency import EmergencyCategory
from voice_worker.phrases import Phrasebook
from voice_worker.supervisor import CallSupervisor

log = logging.getLogger(__name__)


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

    @function_tool
    async def check_availability(
        self, context: RunContext[CallContext], date: str, time: str | None = None, location: str | None = None
    ) -> Any:
        """Cherche les créneaux libres d'un jour, à appeler avant de proposer des horaires au patient.

        Args:
            date: Le jour voulu, au format AAAA-MM-JJ.
            time: L'heure souhaitée HH:MM, seulement si le patient en a donné une.
            location: Le lieu, seulement si le patient en a précisé un.
        """
        args = {"date": date, "time": time, "location": location}
        return await tools.invoke(context.userdata, ToolName.CHECK_AVAILABILITY, args, context.function_call.call_id)

    @function_tool
    async def book_appointment(
        self,
        context: RunContext[CallContext],
        date: str,
        time: str,
        patient_name: str,
        phone: str,
        reason: str,
        location: str | None = None,
    ) -> Any:
        """Réserve un créneau, seulement après avoir répété date, heure, nom et numéro et obtenu un oui explicite.

        Args:
            date: Le jour du rendez-vous, AAAA-MM-JJ.
            time: L'heure de début HH:MM, un créneau renvoyé par check_availability.
            patient_name: Le prénom et le nom du patient.
            phone: Le numéro de téléphone du patient, tel qu'il l'a dicté.
            reason: Le motif en quelques mots.
            location: Le lieu, s'il y en a plusieurs.
        """
        args = {
            "date": date,
            "time": time,
            "patient_name": patient_name,
            "phone": phone,
            "reason": reason,
            "location": location,
        }
        return await tools.invoke(context.userdata, ToolName.BOOK_APPOINTMENT, args, context.function_call.call_id)

    @function_tool
    async def cancel_appointment(
        self, context: RunContext[CallContext], date: str, phone: str, time: str | None = None
    ) -> Any:
        """Annule le rendez-vous d'un patient, retrouvé par son numéro de téléphone et le jour.

        Args:
            date: Le jour du rendez-vous à annuler, AAAA-MM-JJ.
            phone: Le numéro de téléphone donné à la réservation.
            time: L'heure HH:MM, si le patient a plusieurs rendez-vous ce jour-là.
        """
        args = {"date": date, "phone": phone, "time": time}
        return await tools.invoke(context.userdata, ToolName.CANCEL_APPOINTMENT, args, context.function_call.call_id)

    @function_tool
    async def send_sms(self, context: RunContext[CallContext], to: str, text: str) -> Any:
        """Envoie un SMS de confirmation au patient, seulement s'il l'a accepté.

        Args:
            to: Le numéro de téléphone du patient.
            text: Le message, court, sans information médicale.
        """
        args = {"to": to, "text": text}
        return await tools.invoke(context.userdata, ToolName.SEND_SMS, args, context.function_call.call_id)

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
        self._supervisor.raise_emergency(category.value, EmergencySource.MODEL, "report_emergency", None)
        raise StopResponse()
