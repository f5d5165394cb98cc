"""The audit stream and its dead-letter stream, created or brought to the configured settings at start-up.

Production NATS must run JetStream with `sync_interval: always` and the stream with 3 replicas: by default
JetStream acknowledges a write before it reaches the disk and flushes every 2 minutes, so a host crash could lose
acknowledged audit events.

The audit stream refuses deleting or purging messages (`deny_delete`, `deny_purge`): events leave it only by age, so
nobody with access to the JetStream API can remove an event before the sink has stored it. The dead-letter stream
allows deletion: `camille audit dead-letters --requeue` removes what it has published back.
"""

from __future__ import annotations

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig, StreamInfo
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from audit_sink.settings import AuditSinkSettings
from contracts.subjects import AUDIT_DEAD_LETTER, AUDIT_DEAD_LETTER_STREAM, AUDIT_STREAM, AUDIT_WILDCARD

DEAD_LETTER_STREAM = AUDIT_DEAD_LETTER_STREAM


def stream_config(settings: AuditSinkSettings) -> StreamConfig:
    return StreamConfig(
        name=AUDIT_STREAM,
        description="Camille audit events, one subject per call; consumed by the audit sink.",
        subjects=[AUDIT_WILDCARD],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        # A full stream refuses new events (the producer sees an error and retries) rather than drop unread ones.
        discard=DiscardPolicy.NEW,
        max_age=settings.audit_stream_max_age_s,
        max_bytes=settings.audit_stream_max_bytes,
        num_replicas=settings.audit_stream_replicas,
        duplicate_window=settings.audit_duplicate_window_s,
        deny_delete=True,
        deny_purge=True,
    )


def dead_letter_config(settings: AuditSinkSettings) -> StreamConfig:
    return StreamConfig(
        name=DEAD_LETTER_STREAM,
        description="Audit messages the sink could not store after the maximum deliveries.",
        subjects=[AUDIT_DEAD_LETTER],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        max_age=settings.audit_stream_max_age_s,
        num_replicas=settings.audit_stream_replicas,
        duplicate_window=settings.audit_duplicate_window_s,
    )


async def _ensure(js: JetStreamContext, config: StreamConfig) -> StreamInfo:
    assert config.name is not None
    try:
        info = await js.stream_info(config.name)
    except NotFoundError:
        return await js.add_stream(config)
    current = info.config
    wanted = (config.subjects, config.storage, config.max_age, config.max_bytes, config.duplicate_window,
              config.num_replicas, config.discard, bool(config.deny_delete), bool(config.deny_purge))  # fmt: skip
    found = (current.subjects, current.storage, current.max_age, current.max_bytes, current.duplicate_window,
             current.num_replicas, current.discard, bool(current.deny_delete), bool(current.deny_purge))  # fmt: skip
    if wanted != found:
        return await js.update_stream(config)
    return info


async def ensure_stream(js: JetStreamContext, settings: AuditSinkSettings) -> StreamInfo:
    """Create the audit stream (and its dead-letter stream) or update them to the settings; returns the audit one."""
    await _ensure(js, dead_letter_config(settings))
    return await _ensure(js, stream_config(settings))
