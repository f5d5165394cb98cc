"""The LiveKit worker: prewarm loads settings, clinic, phrase audio and the emergency model; each job is one call."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from livekit import rtc
from livekit.agents import JobContext, JobProcess, WorkerOptions
from nats.aio.client import Client as NATS
from prometheus_client import CollectorRegistry

from contracts.audit import CallEndReason, Channel
from contracts.tools import ToolReply, ToolRequest
from runtime.bus import NatsEndpoint, connect, release
from runtime.clinic import load_clinic
from runtime.identities import Identity
from runtime.logs import drop_livekit_pii, mask_phone_numbers
from voice_worker.audit import NatsAuditTransport
from voice_worker.bootstrap import build_call, load_emergency_model, load_phrases
from voice_worker.gateway import NatsToolGateway, ToolUnavailable, Unreachable
from voice_worker.greeting import GreetingDecision, GreetingGate
from voice_worker.metrics import VoiceMetrics
from voice_worker.settings import VoiceWorkerSettings
from voice_worker.supervisor import CallSupervisor
from voice_worker.telemetry import configure_telemetry

log = logging.getLogger(__name__)

DEFAULT_DEV_NATS_URL = "nats://127.0.0.1:4222"
CONNECT_WAIT_S = 5.0


SIP = rtc.ParticipantKind.PARTICIPANT_KIND_SIP

# Each call runs in a job process forked from LiveKit's forkserver: what the forkserver imports, every call's process
# shares copy-on-write instead of importing again. This module imports all a call needs (agent, tools, supervisor,
# emergency detector, guardrail, audit publisher).
JOB_PRELOAD_MODULES = ("voice_worker.worker",)
# LiveKit also loads its local VAD and end-of-turn model into the forkserver unless this is falsy. Camille's turns
# are detected by the realtime model, so they are never used: loading them costs each job process start CPU and
# memory for nothing (`camille loadtest` measures it).
PRELOAD_LOCAL_INFERENCE_ENV = "LIVEKIT_AGENTS_PRELOAD_LOCAL_INFERENCE"


def skip_local_inference_preload() -> None:
    """Before LiveKit starts its forkserver: do not preload the local models (an operator's own setting stands)."""
    os.environ.setdefault(PRELOAD_LOCAL_INFERENCE_ENV, "0")


class Participant(Protocol):
    """What the greeting needs from a participant (an `rtc.RemoteParticipant` in a room)."""

    @property
    def identity(self) -> str: ...

    @property
    def kind(self) -> int: ...

    @property
    def attributes(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class ConsoleCaller:
    """The person at the keyboard in `camille voice-worker console` (a fake job has no room participants)."""

    identity: str = "console"
    kind: int = rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
    attributes: Mapping[str, str] = field(default_factory=dict)


class RoomCallControl:
    """Call control on a LiveKit room: cold SIP transfer, or delete the room (ends the call for everyone)."""

    def __init__(self, job: JobContext) -> None:
        self._job = job
        self.caller: Participant | None = None

    async def transfer(self, to: str) -> None:
        if not isinstance(self.caller, rtc.RemoteParticipant) or self.caller.kind != SIP:
            raise RuntimeError("no SIP caller to transfer")
        await self._job.transfer_sip_participant(self.caller, to)

    async def hang_up(self) -> None:
        await self._job.delete_room()


class DeferredBus:
    """Tool gateway and audit transport over a NATS connection still being made, so the greeting never waits for
    NATS. If the connection fails, tools fail fast (fixed phrase) and audit publishing fails (retried, then dropped).
    """

    def __init__(self, connecting: asyncio.Task[NATS | None]) -> None:
        self._connecting = connecting

    async def _nc(self, timeout_s: float = CONNECT_WAIT_S) -> NATS | None:
        try:
            return await asyncio.wait_for(asyncio.shield(self._connecting), max(timeout_s, 0.0))
        except TimeoutError:
            return None

    async def request(self, request: ToolRequest, timeout_s: float) -> ToolReply:
        started = time.monotonic()
        if (nc := await self._nc(timeout_s)) is None:
            raise ToolUnavailable(Unreachable.NATS_DISCONNECTED)
        return await NatsToolGateway(nc).request(request, timeout_s - (time.monotonic() - started))

    async def publish_event(self, subject: str, data: bytes, headers: dict[str, str], timeout_s: float) -> None:
        if (nc := await self._nc(timeout_s)) is None:
            raise ConnectionError("nats unreachable")
        await NatsAuditTransport(nc).publish_event(subject, data, headers, timeout_s)

    async def publish_alert(self, subject: str, data: bytes) -> None:
        if (nc := await self._nc()) is None:
            raise ConnectionError("nats unreachable")
        await nc.publish(subject, data)

    async def close(self) -> None:
        if not self._connecting.done():
            self._connecting.cancel()
        if (nc := await self._nc(0.5)) is not None:
            await release(nc)


async def connect_or_none(endpoint: NatsEndpoint, name: str, timeout_s: float = CONNECT_WAIT_S) -> NATS | None:
    """A connection as the voice worker, or None when NATS cannot be reached within `timeout_s` (the client would
    retry forever)."""
    try:
        return await asyncio.wait_for(connect(endpoint, Identity.VOICE_WORKER, name=name), timeout_s)
    except Exception as exc:  # the caller is still answered; the bus reports the failure per call
        log.error("NATS unreachable at call start", extra={"error": type(exc).__name__})
        return None


class JoinHandler:
    """Participant joins -> the greeting: the first user participant (standard or SIP) is greeted once, at once."""

    def __init__(
        self, gate: GreetingGate, supervisor: CallSupervisor, control: RoomCallControl, *, greeting_delay_s: float
    ) -> None:
        self._gate, self._supervisor, self._control = gate, supervisor, control
        self._delay_s = greeting_delay_s
        self._session_started = False
        self._pending: GreetingDecision | None = None

    def session_started(self) -> None:
        """From now on greet at once; a caller who joined while the session was starting is greeted now."""
        self._session_started = True
        if self._pending is not None:
            self._supervisor.greet(self._pending.joined_at, self._delay_s)
            self._pending = None

    def __call__(self, participant: Participant) -> None:
        decision = self._gate.on_participant_joined(participant.identity, participant.kind, time.monotonic())
        if decision is None:
            return
        self._control.caller = participant
        when = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        log.info("greeting triggered at %s for participant %s", when, decision.participant_hash[:16])
        sip = participant.kind == SIP
        caller_phone = participant.attributes.get("sip.phoneNumber") if sip else None
        channel = Channel.SIP if sip else Channel.WEB
        self._supervisor.call_started(channel, decision.participant_hash, caller_phone)
        if self._session_started:
            self._supervisor.greet(decision.joined_at, self._delay_s)
        else:  # joined before the session could speak: the latency still runs from this join
            self._pending = decision


def prewarm(proc: JobProcess) -> None:
    """Once per job process: refuse to start on a bad configuration, a missing phrase or unusable emergency-model
    weights (`ModelUnusable`); build the process's metrics
    (under the worker they go to its metric files; the registry itself is never served from a job process)."""
    drop_livekit_pii()  # job processes configure their own logging: the filters go in each
    mask_phone_numbers()
    settings = VoiceWorkerSettings()
    configure_telemetry(settings)
    clinic = load_clinic(settings.clinic_file)
    emergency = load_emergency_model(settings)
    phrasebook = load_phrases(settings, clinic)
    settings.audit_signer()  # a bad or missing signing key stops the worker here, not at the first call
    # One per process: its values live in this process's metric files (LiveKit's thread executor, used by `console`
    # for its single call, would give each job its own and they would overwrite each other's values).
    metrics = VoiceMetrics(CollectorRegistry())
    proc.userdata.update(
        settings=settings, clinic=clinic, phrasebook=phrasebook, metrics=metrics, emergency_model=emergency
    )


async def entrypoint(job: JobContext) -> None:
    settings: VoiceWorkerSettings = job.proc.userdata["settings"]
    control = RoomCallControl(job)
    endpoint = NatsEndpoint.from_settings(settings, settings.nats_url or DEFAULT_DEV_NATS_URL)
    bus = DeferredBus(asyncio.create_task(connect_or_none(endpoint, f"voice-worker-{job.job.id}")))
    call = build_call(
        settings,
        job.proc.userdata["clinic"],
        job.proc.userdata["phrasebook"],
        gateway=bus,
        audit_transport=bus,
        call_control=control,
        metrics=job.proc.userdata["metrics"],
        emergency=job.proc.userdata["emergency_model"],
    )
    call.ctx.audit.start()

    async def shutdown(reason: str) -> None:
        await call.supervisor.end_call(_end_reason(reason), hang_up=False)
        await bus.close()

    job.add_shutdown_callback(shutdown)
    on_join = JoinHandler(
        GreetingGate(settings.identity_hash_key.get_secret_value().encode()),
        call.supervisor,
        control,
        greeting_delay_s=settings.greeting_delay_ms / 1000,
    )
    await job.connect()
    job.room.on("participant_connected", on_join)
    for participant in list(job.room.remote_participants.values()):
        on_join(participant)
    await call.session.start(call.agent, room=job.room)
    on_join.session_started()
    if job.is_fake_job():
        on_join(ConsoleCaller())


def _end_reason(reason: str) -> CallEndReason:
    return CallEndReason.CALLER_HUNG_UP if "disconnect" in reason.lower() else CallEndReason.WORKER_SHUTDOWN


def worker_options(settings: VoiceWorkerSettings) -> WorkerOptions:
    return WorkerOptions(
        entrypoint_fnc=entrypoint,
        prewarm_fnc=prewarm,
        agent_name=settings.agent_name,
        drain_timeout=settings.drain_timeout_s,
        preload_modules=list(JOB_PRELOAD_MODULES),
        ws_url=settings.livekit_url,
        api_key=settings.livekit_api_key.get_secret_value() if settings.livekit_api_key else None,
        api_secret=settings.livekit_api_secret.get_secret_value() if settings.livekit_api_secret else None,
    )
