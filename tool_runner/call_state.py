"""What each call has done so far, shared by every tool-runner replica through a JetStream key-value bucket.

One key per call id. A change is read-modify-write with the revision it read (`update`): if another replica wrote
in between, the write is refused and the change is made again on the fresh state, so no count is ever lost. The
bucket's age limit (longer than a realtime session) removes a call's state once it has been quiet that long.

The state holds the phone numbers of the appointments booked or cancelled in the call (to send their SMS), so the
bucket has the protections of the audit stream: JetStream encrypted at rest, and nothing kept past its age limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import nats.errors
import nats.js.errors
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

T = TypeVar("T")
MAX_CONFLICTS = 16  # concurrent writes to one call's state: a call makes a handful of tool calls at a time at most


class StaleRevision(Exception):
    """The state changed since it was read: read it again and redo the change."""


class CallStateUnavailable(Exception):
    """The per-call state cannot be read or written now: the tool runner decides nothing without it."""


class CallStateStore(Protocol):
    async def read(self, call_id: str) -> tuple[bytes | None, int]:
        """The call's state and its revision; (None, 0) for a call with no state yet."""
        ...

    async def write(self, call_id: str, value: bytes, revision: int) -> int:
        """Write if the state is still at `revision` (0: still absent), else raise StaleRevision; the new revision."""
        ...


class KvCallStateStore:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str, ttl_s: float, replicas: int = 1) -> KvCallStateStore:
        try:
            kv = await js.create_key_value(
                bucket=bucket, ttl=ttl_s, history=1, replicas=replicas, description="per-call state"
            )
        except nats.js.errors.BadRequestError:  # exists with other settings: use it as it is
            kv = await js.key_value(bucket)
        return cls(kv)

    async def read(self, call_id: str) -> tuple[bytes | None, int]:
        try:
            entry = await self._kv.get(call_id)
        except nats.js.errors.KeyNotFoundError:
            return None, 0
        return entry.value, entry.revision or 0

    async def write(self, call_id: str, value: bytes, revision: int) -> int:
        try:
            if revision == 0:
                return await self._kv.create(call_id, value)
            return await self._kv.update(call_id, value, last=revision)
        except nats.js.errors.KeyWrongLastSequenceError:
            raise StaleRevision from None


async def update(store: CallStateStore, call_id: str, change: Callable[[bytes | None], tuple[bytes | None, T]]) -> T:
    """Apply `change` (old state -> new state or None for no write, and a result) atomically; returns the result."""
    for _ in range(MAX_CONFLICTS):
        try:
            current, revision = await store.read(call_id)
            new, result = change(current)
            if new is not None:
                await store.write(call_id, new, revision)
            return result
        except StaleRevision:
            continue
        except (nats.errors.Error, TimeoutError) as exc:
            raise CallStateUnavailable(type(exc).__name__) from None
    raise CallStateUnavailable("too many concurrent changes")
