"""When to greet: the first user participant (standard or SIP, never an agent) of a session, once."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from livekit import rtc

USER_KINDS = frozenset({rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD, rtc.ParticipantKind.PARTICIPANT_KIND_SIP})


def identity_hash(identity: str, key: bytes) -> str:
    """Keyed hash of a participant identity: stable per deployment, never the identity itself."""
    return hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class GreetingDecision:
    participant_hash: str
    joined_at: float  # monotonic seconds, from the caller of `on_participant_joined`


class GreetingGate:
    """Decides, from participant join events, whether Camille greets now. Pure: no I/O, no clock of its own."""

    def __init__(self, hash_key: bytes) -> None:
        self._hash_key = hash_key
        self._greeted: GreetingDecision | None = None

    @property
    def greeted(self) -> GreetingDecision | None:
        return self._greeted

    def on_participant_joined(self, identity: str, kind: int, joined_at: float) -> GreetingDecision | None:
        """The greeting to give for this join, or None (an agent, or someone already greeted this session)."""
        if self._greeted is not None or kind not in USER_KINDS:
            return None
        self._greeted = GreetingDecision(identity_hash(identity, self._hash_key), joined_at)
        return self._greeted
