"""One call's context (LiveKit `Userdata`, reached by tools through `RunContext`) and the ports it talks to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from opentelemetry import trace

from contracts.clinic import ClinicProfile, PhraseKey
from contracts.phi import PHI
from voice_worker.audit import AuditPublisher
from voice_worker.gateway import ToolGateway
from voice_worker.metrics import CallMetrics


class PhrasePlayer(Protocol):
    """Plays a fixed phrase from its pre-rendered audio, word for word."""

    def play(self, key: PhraseKey, *, interrupt: bool = False) -> PlayedPhrase: ...


class PlayedPhrase(Protocol):
    async def wait(self, timeout_s: float) -> bool:
        """Wait until it has played; True when it played to the end."""
        ...


class CallControl(Protocol):
    """Ends or transfers the call (LiveKit room / SIP in production, a recording fake in tests)."""

    async def transfer(self, to: str) -> None: ...

    async def hang_up(self) -> None: ...


@dataclass
class CallContext:
    call_id: str
    clinic: ClinicProfile
    gateway: ToolGateway
    audit: AuditPublisher
    player: PhrasePlayer
    call_control: CallControl
    metrics: CallMetrics
    clock: Callable[[], dt.datetime]
    tool_deadline_s: float = 4.0
    filler_delay_s: float = 0.8
    phrase_timeout_s: float = 15.0
    filler_played: bool = False
    emergency_raised: bool = False
    ended: bool = False
    played: list[PhraseKey] = field(default_factory=list)
    caller_phone: PHI | None = None  # the SIP caller id (E.164), from the participant: never from the model
    call_span: trace.Span = trace.INVALID_SPAN  # one trace per call: tool spans and NATS headers hang off it
