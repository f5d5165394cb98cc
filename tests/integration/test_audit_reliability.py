"""Crash tests: a sink killed with SIGKILL mid-stream, and a nats-server crashed under a steady publish."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from nats.js.client import JetStreamContext

from audit_sink.bootstrap import audit_sink_running, build_store
from audit_sink.settings import AuditSinkSettings
from audit_sink.store import AuditStore
from audit_sink.stream import ensure_stream
from contracts.audit import AuditEvent
from contracts.subjects import AUDIT_CONSUMER, AUDIT_STREAM, HEADER_MSG_ID, HEADER_SIGNATURE, audit_subject
from offline_kit.bench.audit_samples import call_events
from runtime.audit_signature import AuditSigner, development_signer
from runtime.bus import EmbeddedNats, connect
from runtime.identities import Identity
from tests.integration.test_audit_sink import CANARY_NAME, CANARY_PHONE, wait_for


def stored_pairs(store: AuditStore) -> list[tuple[str, int]]:
    return [(row[0], int(row[1])) for row in store.db.execute("SELECT call_id, seq FROM events")]


async def publish_with_retry(js: JetStreamContext, event: AuditEvent, signer: AuditSigner) -> None:
    """Publish until acknowledged, always with the same message id and signature (what the voice worker does)."""
    data = event.model_dump_json().encode()
    headers = {HEADER_MSG_ID: event.dedup_id, HEADER_SIGNATURE: signer.sign(data)}
    for _ in range(600):
        try:
            await js.publish(audit_subject(event.call_id), data, headers=headers, timeout=1)
            return
        except Exception:
            await asyncio.sleep(0.05)
    raise AssertionError(f"event {event.dedup_id} never acknowledged")


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    with EmbeddedNats(tmp_path / "nats", sync_always=True) as server:
        yield server


def start_sink(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "camille.cli", "audit-sink"], env=env, stdout=log_file, stderr=subprocess.STDOUT
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_sink_killed_mid_stream_stores_every_event_exactly_once(
    own_nats: EmbeddedNats, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """After a SIGKILL of the sink process and a restart, every published event is stored exactly once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMILLE_AUDIT_")}
    env |= own_nats.endpoint.for_process(Identity.AUDIT_SINK)
    env |= {"CAMILLE_DATA_DIR": str(tmp_path / "data"), "CAMILLE_LOG_LEVEL": "DEBUG",
            "CAMILLE_AUDIT_BATCH_SIZE": "50", "CAMILLE_AUDIT_ACK_WAIT_S": "2",
            "CAMILLE_METRICS_PORT": "0"}  # fmt: skip
    if backend == "postgres":
        env["CAMILLE_AUDIT_DB_URL"] = request.getfixturevalue("postgres_url")
    settings = AuditSinkSettings(data_dir=tmp_path / "data", audit_db_url=env.get("CAMILLE_AUDIT_DB_URL"))
    events = [e for n in range(60) for e in call_events(f"call-{n:02d}", 40, phone=CANARY_PHONE, name=CANARY_NAME)]
    signer = development_signer(tmp_path / "data")
    nc = await connect(own_nats.endpoint, Identity.VOICE_WORKER, name="audit-test")
    js = nc.jetstream(timeout=10)
    admin = await connect(own_nats.endpoint, Identity.AUDIT_SINK, name="audit-test-sink")
    await ensure_stream(admin.jetstream(timeout=10), settings)
    log_path = tmp_path / "sink.log"
    sink = start_sink(env, log_path)
    try:
        half = len(events) // 2
        first_half = asyncio.gather(*(publish_with_retry(js, e, signer) for e in events[:half]))
        await wait_for(lambda: (tmp_path / "data" / "audit-keys.json").exists() or backend == "postgres", 60)
        store = await asyncio.to_thread(build_store, settings)
        await wait_for(lambda: len(stored_pairs(store)) >= 400, 60)
        sink.send_signal(signal.SIGKILL)
        sink.wait(10)
        killed_at = len(stored_pairs(store))
        await first_half
        await asyncio.gather(*(publish_with_retry(js, e, signer) for e in events[half:]))  # while no sink runs
        sink = start_sink(env, log_path)
        await wait_for(lambda: len(stored_pairs(store)) == len(events), 90)
        await wait_for(lambda: _settled(admin.jetstream(timeout=10)), 30)
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(20)
        await nc.close()
        await admin.close()
    pairs = stored_pairs(store)
    assert killed_at < len(events), "the kill must land mid-stream"
    assert sorted(pairs) == sorted((e.call_id, e.seq) for e in events)
    assert store.verify().ok
    assert store.events("call-07") == [e for e in events if e.call_id == "call-07"]
    log_text = log_path.read_text(errors="replace")
    assert "audit sink" in log_text.lower()
    assert "Canarivox" not in log_text and CANARY_PHONE[3:] not in log_text
    store.close()


async def _settled(js: JetStreamContext) -> bool:
    info = await js.consumer_info(AUDIT_STREAM, AUDIT_CONSUMER)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_nats_crash_under_steady_publish_loses_and_duplicates_nothing(
    own_nats: EmbeddedNats, tmp_path: Path
) -> None:
    """A nats-server SIGKILLed and restarted while producers publish with retries: all events stored, once."""
    settings = AuditSinkSettings(data_dir=tmp_path / "data", audit_ack_wait_s=3)
    events = [e for n in range(30) for e in call_events(f"call-{n:02d}", 40)]
    signer = development_signer(settings.data_dir)
    nc = await connect(own_nats.endpoint, Identity.VOICE_WORKER, name="audit-test")
    js = nc.jetstream(timeout=10)
    admin = await connect(own_nats.endpoint, Identity.AUDIT_SINK, name="audit-test-sink")
    try:
        async with audit_sink_running(settings, own_nats.endpoint) as sink:
            crashing = asyncio.Event()

            async def steady(call: list[AuditEvent]) -> None:
                for position, event in enumerate(call):
                    if position == 20:  # the second half is published while the server crashes and restarts
                        await crashing.wait()
                    await publish_with_retry(js, event, signer)

            producer = asyncio.gather(*(steady(events[i : i + 40]) for i in range(0, len(events), 40)))
            await wait_for(lambda: len(stored_pairs(sink.store)) >= 300, 60)
            crashing.set()
            await asyncio.sleep(0.02)
            own_nats.kill()
            await asyncio.sleep(0.5)
            await asyncio.to_thread(own_nats.start)
            await producer
            await wait_for(lambda: len(stored_pairs(sink.store)) == len(events), 90)
            await wait_for(lambda: _settled(admin.jetstream(timeout=10)), 30)
            pairs = stored_pairs(sink.store)
            assert sorted(pairs) == sorted((e.call_id, e.seq) for e in events)
            assert sink.store.verify().ok
            stream = await admin.jetstream(timeout=10).stream_info(AUDIT_STREAM)
            assert stream.state.messages == len(events)
    finally:
        await nc.close()
        await admin.close()
