"""Results by idempotency key, shared by every tool-runner replica through a JetStream key-value bucket.

A replica *claims* a key before calling the backend (an atomic create with a per-message TTL, so a crashed
replica's claim lapses on its own), then stores the final reply. A duplicate that arrives meanwhile waits for
that reply; one that arrives later gets it at once, without the backend being called again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Protocol

import nats.js.errors
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

PENDING = b"pending"
MIN_CLAIM_TTL_S = 1.0  # the server's smallest per-message TTL


@dataclass(frozen=True, slots=True)
class Claim:
    """Either the stored reply (`done`), or ownership of the key (`revision`), or neither: someone else runs it."""

    done: bytes | None = None
    revision: int | None = None


class ResultStore(Protocol):
    async def claim(self, key: str, hold_s: float) -> Claim: ...

    async def complete(self, key: str, revision: int, reply: bytes) -> None: ...

    async def release(self, key: str, revision: int) -> None: ...


class KvResultStore:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str, retention_s: float) -> KvResultStore:
        try:
            kv = await js.create_key_value(bucket=bucket, ttl=retention_s, history=1, description="tool results")
        except nats.js.errors.BadRequestError:  # exists with another retention: use it as it is
            kv = await js.key_value(bucket)
        return cls(kv)

    async def claim(self, key: str, hold_s: float) -> Claim:
        try:
            revision = await self._kv.create(key, PENDING, msg_ttl=max(MIN_CLAIM_TTL_S, hold_s))
            return Claim(revision=revision)
        except nats.js.errors.KeyWrongLastSequenceError:
            pass
        try:
            entry = await self._kv.get(key)
        except nats.js.errors.KeyNotFoundError:
            return Claim()  # the claim lapsed between the two calls: the caller asks again
        value = entry.value or b""
        return Claim(done=value) if value != PENDING else Claim()

    async def complete(self, key: str, revision: int, reply: bytes) -> None:
        # If our claim lapsed and another replica took over, its reply wins. Ours is still sent to our caller.
        with contextlib.suppress(nats.js.errors.KeyWrongLastSequenceError):
            await self._kv.update(key, reply, last=revision)

    async def release(self, key: str, revision: int) -> None:
        with contextlib.suppress(nats.js.errors.Error):
            await self._kv.delete(key, last=revision)
