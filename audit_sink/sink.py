"""The sink: a durable pull consumer that commits batches of audit events, then acknowledges them.

Any number of sink processes share the durable consumer. Before anything is stored, a message must carry a voice
worker's signature of its exact bytes and sit on its own call's subject; one that does not is moved to the dead-letter
stream at once and counted (`camille_audit_events_rejected_total`). A message is acknowledged only after the
transaction that stores it has committed; a crash before that means redelivery, and the store ignores what it already
holds. A message that cannot be stored is retried, then moved to the dead-letter subject after the maximum deliveries.
A database outage is not the messages' fault: the batch is held and retried (its ack deadline kept alive) until the
database is back, so no message is dead-lettered for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from pydantic import ValidationError

from audit_sink.metrics import AuditSinkMetrics
from audit_sink.settings import AuditSinkSettings
from audit_sink.store import AuditStore, Received
from audit_sink.stream import DEAD_LETTER_STREAM, ensure_stream
from contracts.audit import AuditEvent
from contracts.subjects import (
    AUDIT_CONSUMER,
    AUDIT_DEAD_LETTER,
    AUDIT_STREAM,
    AUDIT_WILDCARD,
    HEADER_MSG_ID,
    HEADER_SIGNATURE,
    audit_subject,
)
from runtime.audit_signature import AuditSignatureError, AuditVerifier
from runtime.sql import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

JS_TIMEOUT_S = 10.0
FETCH_TIMEOUT_S = 1.0
POLL_TIMEOUT_S = 5.0
MAX_OUTAGE_BACKOFF_S = 5.0
HEADER_ORIGINAL_SUBJECT = "Camille-Original-Subject"
HEADER_ORIGINAL_SEQ = "Camille-Original-Seq"
HEADER_ERROR = "Camille-Error"
SUBJECT_MISMATCH = "subject_mismatch"


@dataclass
class SinkStats:
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    dead_lettered: int = 0
    batches: int = 0
    backlog: int | None = None


class AuditSink:
    def __init__(
        self,
        nc: NATS,
        store: AuditStore,
        settings: AuditSinkSettings,
        metrics: AuditSinkMetrics,
        verifier: AuditVerifier,
    ) -> None:
        self.nc = nc
        self.store = store
        self.verifier = verifier
        self.settings = settings
        self.metrics = metrics
        self.stats = SinkStats()
        self._js: JetStreamContext = nc.jetstream(timeout=JS_TIMEOUT_S)
        self._sub: JetStreamContext.PullSubscription | None = None

    async def start(self) -> None:
        """Create or check the stream, then bind to the shared durable consumer."""
        await ensure_stream(self._js, self.settings)
        config = ConsumerConfig(
            durable_name=AUDIT_CONSUMER,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=self.settings.audit_max_deliver,
            ack_wait=self.settings.audit_ack_wait_s,
            max_ack_pending=max(4 * self.settings.audit_batch_size, 1024),
            filter_subject=AUDIT_WILDCARD,
        )
        await self._js.add_consumer(AUDIT_STREAM, config)  # creates it, or applies changed settings
        self._sub = await self._js.pull_subscribe(
            AUDIT_WILDCARD, durable=AUDIT_CONSUMER, stream=AUDIT_STREAM, config=config
        )
        backlog = await self.backlog()
        log.info("audit sink consuming", extra={"backlog": backlog})
        if backlog:
            log.warning("audit backlog at start: %d events waiting", backlog)

    async def backlog(self) -> int:
        """Events in the stream not yet acknowledged by any sink (pending plus in flight)."""
        info = await asyncio.wait_for(self._js.consumer_info(AUDIT_STREAM, AUDIT_CONSUMER), POLL_TIMEOUT_S)
        self.stats.backlog = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        self.metrics.lag.set(self.stats.backlog)
        return self.stats.backlog

    async def dead_letter_count(self) -> int:
        info = await asyncio.wait_for(self._js.stream_info(DEAD_LETTER_STREAM), POLL_TIMEOUT_S)
        self.metrics.dead_letter_messages.set(info.state.messages)
        return int(info.state.messages)

    async def run(self, stop: asyncio.Event) -> None:
        if self._sub is None:
            await self.start()
        assert self._sub is not None
        reporter = asyncio.create_task(self._poll(stop))
        try:
            while not stop.is_set():
                try:
                    messages = await self._sub.fetch(self.settings.audit_batch_size, timeout=FETCH_TIMEOUT_S)
                except (NatsTimeoutError, TimeoutError):
                    continue
                await self.handle(messages, stop)
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter

    async def _poll(self, stop: asyncio.Event) -> None:
        """Every `audit_lag_poll_s`: the consumer's backlog and the dead letters, into the gauges."""
        while not stop.is_set():
            try:
                backlog = await self.backlog()
                await self.dead_letter_count()
            except Exception as exc:  # NATS slow or away: the gauges keep their last value, the failure is counted
                self.metrics.poll_failures.inc()
                log.warning("audit backlog unknown: %s", type(exc).__name__)
            else:
                if backlog:
                    log.info("audit backlog: %d events waiting", backlog)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.audit_lag_poll_s)

    async def handle(self, messages: list[Msg], stop: asyncio.Event | None = None) -> None:
        """Check, parse, commit in one transaction, then acknowledge; reject what is not authentic or cannot be parsed
        or stored."""
        parsed: list[tuple[Msg, Received]] = []
        for msg in messages:
            signature = (msg.headers or {}).get(HEADER_SIGNATURE)
            try:
                self.verifier.check(msg.data, signature)
            except AuditSignatureError as exc:
                await self._refuse(msg, exc.problem.value)
                continue
            try:
                event = AuditEvent.model_validate_json(msg.data)
            except ValidationError as exc:
                await self._reject(msg, f"invalid_event:{exc.errors()[0]['type']}")
                continue
            if msg.subject != audit_subject(event.call_id):  # signed, but replayed onto another call's subject
                await self._refuse(msg, SUBJECT_MISMATCH)
                continue
            parsed.append((msg, Received.of(event, msg.data, signature)))
        if not parsed:
            return
        try:
            committed = await self._commit([event for _, event in parsed], [msg for msg, _ in parsed], stop)
        except Exception as exc:
            log.warning("audit batch failed (%s): storing one by one", type(exc).__name__)
            await self._one_by_one(parsed, stop)
            return
        if committed:
            for msg, _ in parsed:
                await msg.ack()

    async def _commit(self, events: list[Received], messages: list[Msg], stop: asyncio.Event | None) -> bool:
        """Store the batch; through a database outage, keep retrying. False if stopped before it committed."""
        delay = 0.2
        while True:
            try:
                result = await asyncio.to_thread(self.store.append, events)
            except TRANSIENT_ERRORS as exc:
                log.warning("audit database unavailable (%s): retrying in %.1f s", type(exc).__name__, delay)
                for msg in messages:
                    with contextlib.suppress(Exception):
                        await msg.in_progress()
                if stop is not None and stop.is_set():
                    return False
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_OUTAGE_BACKOFF_S)
                continue
            self.stats.batches += 1
            self.stats.stored += result.received - result.duplicates
            self.stats.duplicates += result.duplicates
            self.metrics.stored.inc(result.received - result.duplicates)
            self.metrics.duplicates.inc(result.duplicates)
            for call_id, seq in result.conflicts:
                self.stats.conflicts += 1
                self.metrics.conflicts.inc()
                log.error("audit event conflicts with the stored one: call %s seq %d (the first is kept)", call_id, seq)
            return True

    async def _one_by_one(self, parsed: list[tuple[Msg, Received]], stop: asyncio.Event | None) -> None:
        for msg, event in parsed:
            try:
                committed = await self._commit([event], [msg], stop)
            except Exception as exc:
                await self._reject(msg, f"store_failed:{type(exc).__name__}")
                continue
            if committed:
                await msg.ack()

    async def _refuse(self, msg: Msg, reason: str) -> None:
        """Not authentic: never stored, never retried; kept in the dead-letter stream for whoever investigates."""
        self.stats.rejected += 1
        self.metrics.rejected.labels(reason).inc()
        log.error("audit message refused (%s), stream seq %d", reason, msg.metadata.sequence.stream)
        await self._reject(msg, reason, final=True)

    async def _reject(self, msg: Msg, error: str, *, final: bool = False) -> None:
        """Ask for a redelivery, or on the last delivery (or a `final` refusal) move the message to the dead-letter
        subject, its signature kept so that a requeued message is checked again."""
        meta = msg.metadata
        if not final and meta.num_delivered < self.settings.audit_max_deliver:
            log.warning("audit message rejected (%s), stream seq %d, delivery %d", error, meta.sequence.stream,
                        meta.num_delivered)  # fmt: skip
            await msg.nak(delay=self.settings.audit_retry_delay_s)
            return
        headers = {
            HEADER_ORIGINAL_SUBJECT: msg.subject,
            HEADER_ORIGINAL_SEQ: str(meta.sequence.stream),
            HEADER_ERROR: error,
            HEADER_MSG_ID: f"{AUDIT_STREAM}:{meta.sequence.stream}",
        }
        if signature := (msg.headers or {}).get(HEADER_SIGNATURE):
            headers[HEADER_SIGNATURE] = signature
        try:
            await self._js.publish(AUDIT_DEAD_LETTER, msg.data, headers=headers)
        except Exception as exc:
            log.error("dead-letter publish failed (%s): stream seq %d left unacknowledged", type(exc).__name__,
                      meta.sequence.stream)  # fmt: skip
            return
        await msg.term()
        self.stats.dead_lettered += 1
        self.metrics.dead_lettered.inc()
        log.error("audit message dead-lettered (%s), stream seq %d", error, meta.sequence.stream)
