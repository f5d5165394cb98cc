"""The audit sink's composition root: settings in, key provider, store and running sink out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from audit_sink.keys import FileKeyProvider, KeyProvider, StaticKeyProvider
from audit_sink.metrics import AuditSinkMetrics
from audit_sink.settings import AuditSinkSettings
from audit_sink.sink import AuditSink
from audit_sink.store import AuditStore
from runtime.bus import NatsEndpoint, connect
from runtime.identities import Identity
from runtime.settings import Environment

log = logging.getLogger(__name__)

DEV_KEY_FILE = "audit-keys.json"
STOP_TIMEOUT_S = 15.0


def build_key_provider(settings: AuditSinkSettings) -> KeyProvider:
    """Environment keys, else the configured key file, else (development only) a key file generated once."""
    if settings.has_env_keys():
        assert settings.audit_master_key is not None
        index = settings.audit_index_key.get_secret_value() if settings.audit_index_key else None
        return StaticKeyProvider.from_env_text(settings.audit_master_key.get_secret_value(), index)
    if settings.audit_key_file is not None:
        if not settings.audit_key_file.is_file():
            raise FileNotFoundError(f"CAMILLE_AUDIT_KEY_FILE {settings.audit_key_file} does not exist")
        return FileKeyProvider(settings.audit_key_file)
    if settings.env is Environment.PRODUCTION:  # the settings already refuse this; keep the guard local too
        raise RuntimeError("no audit key source configured in production")
    return FileKeyProvider.create(settings.data_dir / DEV_KEY_FILE)


def build_store(settings: AuditSinkSettings, keys: KeyProvider | None = None) -> AuditStore:
    return AuditStore.open(settings.database_url(), keys or build_key_provider(settings))


@dataclass
class AuditSinkHandle:
    store: AuditStore
    sink: AuditSink
    keys: KeyProvider

    async def backlog(self) -> int:
        return await self.sink.backlog()


@contextlib.asynccontextmanager
async def audit_sink_running(
    settings: AuditSinkSettings, endpoint: NatsEndpoint, *, registry: CollectorRegistry | None = None
) -> AsyncIterator[AuditSinkHandle]:
    """Run a sink in this process, its metrics on `registry` (a private one when None): the stream and consumer
    exist when this yields; stops cleanly on exit."""
    if settings.env is Environment.PRODUCTION and settings.audit_stream_replicas < 3:
        log.warning("audit stream has %d replica(s): production wants 3", settings.audit_stream_replicas)
    keys = build_key_provider(settings)
    verifier = settings.audit_verifier()
    store = await asyncio.to_thread(build_store, settings, keys)
    nc = await connect(endpoint, Identity.AUDIT_SINK, name="audit-sink")
    stop = asyncio.Event()
    try:
        metrics = AuditSinkMetrics(registry if registry is not None else CollectorRegistry())
        sink = AuditSink(nc, store, settings, metrics, verifier)
        await sink.start()
        task = asyncio.create_task(sink.run(stop), name="audit-sink")
        try:
            yield AuditSinkHandle(store, sink, keys)
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, STOP_TIMEOUT_S)
            except TimeoutError:
                log.error("audit sink did not stop in time; unacknowledged events will be redelivered")
    finally:
        # Acks are already sent; flush them and close (draining a pull subscription waits out its timeout).
        with contextlib.suppress(Exception):
            await nc.flush(timeout=5)
        await nc.close()
        store.close()
