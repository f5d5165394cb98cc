"""The voice worker's composition root: everything a call needs, built from settings. Tests build the same way."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from livekit.agents import AgentSession
from livekit.plugins import openai
from nats.aio.client import Client as NATS
from openai.types.realtime import AudioTranscription
from openai.types.realtime.realtime_audio_input_turn_detection import SemanticVad, ServerVad

from contracts.clinic import ClinicProfile
from runtime.settings import Environment
from voice_worker.agent import CamilleAgent, SessionPhrasePlayer
from voice_worker.audit import AuditPublisher, AuditTransport, NatsAuditTransport, utc_now
from voice_worker.call import CallContext, CallControl
from voice_worker.emergency import model as emergency_model
from voice_worker.gateway import NatsToolGateway, ToolGateway
from voice_worker.metrics import CallMetrics, VoiceMetrics, tracer
from voice_worker.phrases import OFFLINE_VOICE, Phrasebook, load_phrasebook
from voice_worker.prompt import system_prompt
from voice_worker.settings import TurnDetectionMode, VoiceWorkerSettings
from voice_worker.supervisor import CallSupervisor

log = logging.getLogger(__name__)


def realtime_model(
    settings: VoiceWorkerSettings, http_session: aiohttp.ClientSession | None = None
) -> openai.realtime.RealtimeModel:
    """The OpenAI (or Azure OpenAI) realtime model as settings describe it (outside a LiveKit job, pass the
    `http_session`: the plugin only borrows the job's own session)."""
    turn_detection: SemanticVad | ServerVad
    if settings.turn_detection is TurnDetectionMode.SERVER_VAD:
        turn_detection = ServerVad(
            type="server_vad",
            threshold=settings.server_vad_threshold,
            prefix_padding_ms=settings.server_vad_prefix_padding_ms,
            silence_duration_ms=settings.server_vad_silence_duration_ms,
            create_response=True,
            interrupt_response=True,
        )
    else:
        turn_detection = SemanticVad(
            type="semantic_vad",
            eagerness=settings.semantic_vad_eagerness,
            create_response=True,
            interrupt_response=True,
        )
    transcription = AudioTranscription(model=settings.transcription_model, language=settings.transcription_language)
    if settings.azure_deployment:
        return openai.realtime.RealtimeModel.with_azure(
            azure_deployment=settings.azure_deployment,
            azure_endpoint=settings.azure_endpoint,
            api_key=settings.azure_api_key.get_secret_value() if settings.azure_api_key else None,
            voice=settings.voice,
            input_audio_transcription=transcription,
            turn_detection=turn_detection,
            http_session=http_session,
        )
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    kwargs: dict[str, Any] = {"base_url": settings.openai_base_url} if settings.openai_base_url else {}
    return openai.realtime.RealtimeModel(
        model=settings.realtime_model,
        voice=settings.voice,
        input_audio_transcription=transcription,
        turn_detection=turn_detection,
        api_key=api_key,
        http_session=http_session,
        **kwargs,
    )


def phrase_voices(settings: VoiceWorkerSettings) -> list[str]:
    """Cache voices to try, best first: the session's own voice, then the offline one (not in production)."""
    if settings.env is Environment.PRODUCTION:
        return [settings.voice]
    return [settings.voice, OFFLINE_VOICE]


def load_phrases(settings: VoiceWorkerSettings, clinic: ClinicProfile) -> Phrasebook:
    """At prewarm: every fixed phrase from the cache, or PhraseCacheError (the worker refuses to start)."""
    return load_phrasebook(clinic, settings.phrase_cache_dir, phrase_voices(settings))


def load_emergency_model(settings: VoiceWorkerSettings) -> emergency_model.Model:
    """At start-up and prewarm: the emergency detector's model, read and checked, or ModelUnusable (the worker
    refuses to start: without it the detector would quietly miss what only the model catches)."""
    return emergency_model.load_checked(settings.emergency_weights or emergency_model.WEIGHTS)


def new_call_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Call:
    session: AgentSession[CallContext]
    agent: CamilleAgent
    ctx: CallContext
    supervisor: CallSupervisor


def build_call(
    settings: VoiceWorkerSettings,
    clinic: ClinicProfile,
    phrasebook: Phrasebook,
    *,
    nc: NATS | None = None,
    gateway: ToolGateway | None = None,
    audit_transport: AuditTransport | None = None,
    call_control: CallControl,
    metrics: VoiceMetrics,
    call_id: str | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    model: Any = None,
    emergency: emergency_model.Model | None = None,
) -> Call:
    """One call: session, agent, context and supervisor, wired, recording into the process's `metrics`. Call
    `call.ctx.audit.start()` once in a loop. `emergency` is the detector's model loaded at prewarm (None: the
    package's weights, loaded on first use)."""
    if nc is None and (gateway is None or audit_transport is None):
        raise ValueError("build_call needs a NATS client, or both a gateway and an audit transport")
    call_id = call_id or new_call_id()
    session: AgentSession[CallContext] = AgentSession(
        llm=model if model is not None else realtime_model(settings), aec_warmup_duration=None
    )
    audit = AuditPublisher(
        audit_transport or NatsAuditTransport(nc),  # type: ignore[arg-type]  # nc is set when transport is not
        call_id,
        buffer_size=settings.audit_buffer_size,
        metrics=metrics,
        publish_timeout_s=settings.audit_publish_timeout_s,
        clock=clock,
        signer=settings.audit_signer(),
    )
    played: list[Any] = []
    ctx = CallContext(
        call_id=call_id,
        clinic=clinic,
        gateway=gateway or NatsToolGateway(nc),  # type: ignore[arg-type]  # nc is set when gateway is not
        audit=audit,
        player=SessionPhrasePlayer(session, phrasebook, played),
        call_control=call_control,
        metrics=CallMetrics(metrics),
        clock=clock,
        tool_deadline_s=settings.tool_deadline_s,
        filler_delay_s=settings.filler_delay_s,
        phrase_timeout_s=settings.phrase_timeout_s,
        played=played,
        call_span=tracer.start_span("camille.call", attributes={"camille.call_id": call_id}),
    )
    session.userdata = ctx
    supervisor = CallSupervisor(ctx, flush_timeout_s=settings.audit_flush_timeout_s, emergency_model=emergency)
    supervisor.attach(session)
    agent = CamilleAgent(system_prompt(clinic, clock()), supervisor)
    return Call(session=session, agent=agent, ctx=ctx, supervisor=supervisor)
