"""Re-publish stored events to NATS, decrypted, with their original message ids and signatures.

The replayed bytes are the event's canonical JSON, the bytes the voice worker signed, so a sink that reads them
checks them as it checked the originals; the replay identity cannot sign anything itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from audit_sink.store import AuditStore, CallShreddedError, StoredRecord
from contracts.subjects import HEADER_CALL_ID, HEADER_MSG_ID, HEADER_SIGNATURE, audit_subject
from runtime.bus import NatsEndpoint, connected
from runtime.identities import Identity

PUBLISH_TIMEOUT_S = 10


async def replay_records(
    store: AuditStore, records: Sequence[StoredRecord], endpoint: NatsEndpoint, subject: str | None = None
) -> tuple[int, int]:
    """Publish each record's event; through JetStream when a stream holds the subject. Returns (sent, skipped)."""
    sent = skipped = 0
    async with connected(endpoint, Identity.AUDIT_REPLAY, name="audit-replay") as nc:
        js = nc.jetstream(timeout=PUBLISH_TIMEOUT_S)
        in_stream: dict[str, bool] = {}
        for record in records:
            try:
                event = await asyncio.to_thread(store.decrypt, record)
            except CallShreddedError:
                skipped += 1
                continue
            target = subject or audit_subject(event.call_id)
            headers = {HEADER_MSG_ID: event.dedup_id, HEADER_CALL_ID: event.call_id}
            if signature := await asyncio.to_thread(store.signature, record):
                headers[HEADER_SIGNATURE] = signature
            data = event.model_dump_json().encode()
            if target not in in_stream:
                in_stream[target] = await _has_stream(js, target)
            if in_stream[target]:
                await js.publish(target, data, headers=headers)
            else:
                await nc.publish(target, data, headers=headers)
            sent += 1
        await nc.flush(PUBLISH_TIMEOUT_S)
    return sent, skipped


async def _has_stream(js: JetStreamContext, subject: str) -> bool:
    try:
        await js.find_stream_name_by_subject(subject)
    except NotFoundError:
        return False
    return True
