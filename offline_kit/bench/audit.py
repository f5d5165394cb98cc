"""The audit benchmark's body (kept apart from the command so the CLI module imports only typer)."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from audit_sink.bootstrap import audit_sink_running
from audit_sink.settings import AuditSinkSettings
from audit_sink.stream import ensure_stream
from contracts.audit import AuditEvent
from contracts.subjects import HEADER_MSG_ID, HEADER_SIGNATURE, audit_subject
from offline_kit.bench.audit_samples import call_events
from runtime.audit_signature import development_signer
from runtime.bus import EmbeddedNats, NatsEndpoint, connect
from runtime.identities import Identity

BURST_CALLS = 50
BURST_EVENTS_PER_CALL = 40
PUBLISH_WINDOW = 2000


@contextlib.contextmanager
def _scratch_postgres(server_url: str) -> Iterator[str]:
    name = f"camille_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _events(prefix: str, calls: int, per_call: int) -> list[AuditEvent]:
    return [e for n in range(calls) for e in call_events(f"{prefix}-{n:03d}", per_call)]


async def _publish(nats: NatsEndpoint, events: list[AuditEvent], data_dir: Path) -> None:
    """As the voice worker publishes them: signed (with the key the local sink checks), on their call's subject."""
    signer = development_signer(data_dir)
    nc = await connect(nats, Identity.VOICE_WORKER, name="audit-bench")
    js = nc.jetstream(timeout=30)
    try:
        for start in range(0, len(events), PUBLISH_WINDOW):
            window = events[start : start + PUBLISH_WINDOW]
            acks = []
            for event in window:
                data = event.model_dump_json().encode()
                headers = {HEADER_MSG_ID: event.dedup_id, HEADER_SIGNATURE: signer.sign(data)}
                acks.append(js.publish(audit_subject(event.call_id), data, headers=headers))
            await asyncio.gather(*acks)
    finally:
        await nc.close()


async def _one_backend(settings: AuditSinkSettings, events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="camille-bench-nats-") as nats_dir:
        server = EmbeddedNats(Path(nats_dir), sync_always=True)
        server.start()
        try:
            nc = await connect(server.endpoint, Identity.AUDIT_SINK, name="audit-bench")
            await ensure_stream(nc.jetstream(timeout=10), settings)
            await nc.close()
            per_call = 40
            await _publish(server.endpoint, _events("bench", max(1, events // per_call), per_call), settings.data_dir)
            total = max(1, events // per_call) * per_call
            async with audit_sink_running(settings, server.endpoint) as handle:
                started = time.perf_counter()
                # The sink's own count of committed events: a COUNT(*) every few ms would load the database being
                # measured, on the sink's own connection.
                while True:
                    if handle.sink.stats.stored >= total:
                        break
                    await asyncio.sleep(0.02)
                drained_s = time.perf_counter() - started
                burst = _events("burst", BURST_CALLS, BURST_EVENTS_PER_CALL)
                burst_started = time.perf_counter()
                publisher = asyncio.create_task(_publish(server.endpoint, burst, settings.data_dir))
                max_lag = 0
                while not publisher.done() or await handle.backlog() > 0:
                    max_lag = max(max_lag, await handle.backlog())
                    await asyncio.sleep(0.01)
                await publisher
                burst_s = time.perf_counter() - burst_started
            return {
                "events_per_s": round(total / drained_s, 1),
                "burst_events": len(burst),
                "burst_max_lag_events": max_lag,
                "burst_drained_ms": round(burst_s * 1000, 1),
            }
        finally:
            server.cleanup()


async def run_benchmark(events: int, postgres_server_url: str | None) -> dict[str, Any]:
    figures: dict[str, Any] = {"events": events, "nats_sync_interval": "always", "batch_size": 256}
    with tempfile.TemporaryDirectory(prefix="camille-bench-audit-") as data_dir:
        sqlite = await _one_backend(AuditSinkSettings(data_dir=Path(data_dir)), events)
        figures["events_per_s_sqlite"] = sqlite.pop("events_per_s")
        figures["sqlite"] = sqlite
        if postgres_server_url:
            with _scratch_postgres(postgres_server_url) as url:
                settings = AuditSinkSettings(data_dir=Path(data_dir) / "pg", audit_db_url=url)
                postgres = await _one_backend(settings, events)
            figures["events_per_s_postgres"] = postgres.pop("events_per_s")
            figures["postgres"] = postgres
        else:
            figures["events_per_s_postgres"] = None
    return figures
