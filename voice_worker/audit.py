"""Audit publishing that never blocks the audio path.

`emit` is synchronous and O(1): it numbers the event and puts it in a bounded buffer. A background task signs it
(Ed25519, `runtime.audit_signature`: the sink stores nothing unsigned), publishes it to JetStream with
`Nats-Msg-Id = event.dedup_id` and retries a failed publish with the same id and bytes (the stream stores it once).
A full buffer drops the event, counts it and raises an alert. `close` flushes with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from nats.aio.client import Client as NATS

from contracts.alerts import Alert, AlertKind
from contracts.audit import AuditEvent, Payload
from contracts.subjects import HEADER_CALL_ID, HEADER_MSG_ID, HEADER_SIGNATURE, alert_subject, audit_subject
from runtime.audit_signature import AuditSigner
from voice_worker.metrics import VoiceMetrics

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditTransport(Protocol):
    """Where audit events and alerts go (JetStream and core NATS in production)."""

    async def publish_event(self, subject: str, data: bytes, headers: dict[str, str], timeout_s: float) -> None: ...

    async def publish_alert(self, subject: str, data: bytes) -> None: ...


class NatsAuditTransport:
    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._js = nc.jetstream()

    async def publish_event(self, subject: str, data: bytes, headers: dict[str, str], timeout_s: float) -> None:
        await self._js.publish(subject, data, timeout=timeout_s, headers=headers)

    async def publish_alert(self, subject: str, data: bytes) -> None:
        await self._nc.publish(subject, data)


class AuditPublisher:
    """One call's audit trail: sequence numbers from 0, a bounded buffer, a background publisher."""

    def __init__(
        self,
        transport: AuditTransport,
        call_id: str,
        *,
        buffer_size: int,
        metrics: VoiceMetrics,
        publish_timeout_s: float = 2.0,
        retry_backoff_s: float = 0.2,
        clock: Clock = utc_now,
        signer: AuditSigner | None = None,
    ) -> None:
        self._transport = transport
        self._signer = signer
        self.call_id = call_id
        self._queue: asyncio.Queue[AuditEvent] = asyncio.Queue(maxsize=buffer_size)
        self._publish_timeout_s = publish_timeout_s
        self._retry_backoff_s = retry_backoff_s
        self._clock = clock
        self._metrics = metrics
        self._seq = 0
        self.dropped = 0
        self.published = 0
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"audit-{self.call_id}")

    def emit(self, payload: Payload) -> AuditEvent | None:
        """Queue one event; never waits. Returns None when the buffer was full and the event was dropped."""
        event = AuditEvent(
            call_id=self.call_id,
            seq=self._seq,
            occurred_at=self._clock(),
            payload=payload,
        )
        self._seq += 1
        self._metrics.observe_event(payload)  # what happened is counted even when its record is dropped
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            self._metrics.audit_dropped.inc()
            log.warning("audit buffer full, event dropped", extra={"call_id": self.call_id, "kind": event.kind})
            self.alert(AlertKind.AUDIT_DROPPED, count=self.dropped)
            return None
        return event

    def alert(self, kind: AlertKind, *, category: str | None = None, count: int | None = None) -> None:
        """Publish an operational alert (never PHI) in the background."""
        alert = Alert(kind=kind, call_id=self.call_id, occurred_at=self._clock(), category=category, count=count)
        task = asyncio.create_task(self._send_alert(alert))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_alert(self, alert: Alert) -> None:
        try:
            await self._transport.publish_alert(alert_subject(alert.kind.value), alert.model_dump_json().encode())
        except Exception as exc:  # an alert that cannot be sent must not end the call
            log.warning("alert not published", extra={"kind": alert.kind.value, "error": type(exc).__name__})

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self._publish(event)
            finally:
                self._queue.task_done()

    async def _publish(self, event: AuditEvent) -> None:
        data = event.model_dump_json().encode()
        headers = {HEADER_MSG_ID: event.dedup_id, HEADER_CALL_ID: event.call_id}
        if self._signer is not None:
            headers[HEADER_SIGNATURE] = self._signer.sign(data)
        backoff = self._retry_backoff_s
        while True:
            try:
                subject = audit_subject(event.call_id)
                await self._transport.publish_event(subject, data, headers, self._publish_timeout_s)
                self.published += 1
                self._metrics.audit_published.labels(event.kind).inc()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # retried with the same Nats-Msg-Id: stored once
                log.warning("audit publish failed, retrying", extra={"seq": event.seq, "error": type(exc).__name__})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def close(self, timeout_s: float) -> bool:
        """Flush what is buffered within `timeout_s`; True when everything was published."""
        flushed = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._queue.join(), timeout_s)
            except TimeoutError:
                flushed = False
                log.warning("audit flush timed out", extra={"call_id": self.call_id, "left": self._queue.qsize()})
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._background:
            await asyncio.wait(set(self._background), timeout=1.0)
        return flushed
