"""The voice worker's audit publisher against a real JetStream stream."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from nats.aio.client import Client as NATS
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import StreamConfig
from prometheus_client import CollectorRegistry

from contracts.alerts import Alert, AlertKind
from contracts.audit import AuditEvent, CallEnded, CallEndReason, GreetingPlayed
from contracts.subjects import ALERTS_WILDCARD, AUDIT_STREAM, AUDIT_WILDCARD, HEADER_SIGNATURE, audit_subject
from runtime.audit_signature import AuditSigner, AuditVerifier
from runtime.bus import NatsEndpoint, connect
from runtime.identities import Identity
from tests.nats_sync import settled
from voice_worker.audit import AuditPublisher, NatsAuditTransport
from voice_worker.metrics import VoiceMetrics


async def ensure_audit_stream(nc: NATS) -> None:
    js = nc.jetstream()
    try:
        await js.stream_info(AUDIT_STREAM)
    except Exception:
        await js.add_stream(StreamConfig(name=AUDIT_STREAM, subjects=[AUDIT_WILDCARD]))


async def stored_events(nc: NATS, call_id: str, signer: AuditSigner | None = None) -> list[AuditEvent]:
    """The call's events in the stream (read by the test's inspector); each checked against `signer`'s key."""
    js = nc.jetstream()
    sub = await js.pull_subscribe(audit_subject(call_id), durable=None)
    events: list[AuditEvent] = []
    try:
        while True:
            messages = await sub.fetch(50, timeout=0.5)
            for m in messages:
                if signer is not None:
                    AuditVerifier([signer.verify_key]).check(m.data, (m.headers or {}).get(HEADER_SIGNATURE))
                events.append(AuditEvent.model_validate_json(m.data))
    except (NatsTimeoutError, TimeoutError):  # nothing more to fetch
        pass
    await sub.unsubscribe()
    return events


class FlakyTransport(NatsAuditTransport):
    """The real transport, failing its first `failures` publishes after sending them (a lost ack)."""

    def __init__(self, nc: NATS, failures: int) -> None:
        super().__init__(nc)
        self.failures = failures

    async def publish_event(self, subject: str, data: bytes, headers: dict[str, str], timeout_s: float) -> None:
        await super().publish_event(subject, data, headers, timeout_s)
        if self.failures:
            self.failures -= 1
            raise TimeoutError("ack lost")


async def test_events_are_stored_once_in_order_despite_lost_acks(nc: NATS, inspect_nc: NATS) -> None:
    """Retried publishes reuse the Nats-Msg-Id and the signature, so each event is stored exactly once, seq 0..n-1,
    signed, and counted once."""
    await ensure_audit_stream(inspect_nc)
    call_id = uuid.uuid4().hex
    registry = CollectorRegistry()
    transport = FlakyTransport(nc, failures=2)
    signer = AuditSigner.generate()
    audit = AuditPublisher(
        transport, call_id, buffer_size=10, metrics=VoiceMetrics(registry), retry_backoff_s=0.01, signer=signer
    )
    audit.start()
    audit.emit(GreetingPlayed(latency_ms=12.0))
    audit.emit(CallEnded(reason=CallEndReason.AGENT_ENDED, duration_ms=1000))
    assert await audit.close(5.0)
    events = await stored_events(inspect_nc, call_id, signer)
    assert [(e.seq, e.kind) for e in events] == [(0, "greeting_played"), (1, "call_ended")]
    published = {kind: registry.get_sample_value("camille_audit_events_published_total", {"kind": kind})
                 for kind in ("greeting_played", "call_ended")}  # fmt: skip
    assert published == {"greeting_played": 1.0, "call_ended": 1.0}


async def test_overflow_drops_counts_and_alerts(nc: NATS, nats: NatsEndpoint) -> None:
    """A full buffer drops the event without waiting, counts it and publishes an audit_dropped alert."""
    alerts: list[Alert] = []
    arrived = asyncio.Event()

    async def on_alert(msg: object) -> None:
        alerts.append(Alert.model_validate_json(msg.data))  # type: ignore[attr-defined]
        arrived.set()

    reader = await connect(nats, Identity.ALERT_READER, name="alerts-test")
    sub = await reader.subscribe(ALERTS_WILDCARD, cb=on_alert)
    await settled(reader)
    registry = CollectorRegistry()
    audit = AuditPublisher(NatsAuditTransport(nc), uuid.uuid4().hex, buffer_size=1, metrics=VoiceMetrics(registry))
    assert audit.emit(GreetingPlayed()) is not None
    assert audit.emit(GreetingPlayed()) is None  # not started: the buffer of one is full
    assert audit.dropped == 1
    assert registry.get_sample_value("camille_audit_events_dropped_total") == 1.0
    await audit.close(1.0)  # the alert is sent by a background task: let it run before flushing
    await settled(nc)
    with contextlib.suppress(TimeoutError):  # a loaded machine can take seconds; the assertion below decides
        await asyncio.wait_for(arrived.wait(), 15.0)
    await reader.flush()
    await sub.unsubscribe()
    await reader.close()
    assert [(a.kind, a.count) for a in alerts] == [(AlertKind.AUDIT_DROPPED, 1)]
