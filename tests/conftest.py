"""Real servers for the test session: a nats-server with JetStream, and PostgreSQL when a test asks for it.

With CI=true a server that cannot be had is a failure, never a silent skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats import connect as nats_connect
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from runtime.bus import EmbeddedNats, NatsEndpoint, connect
from runtime.identities import Buckets, Identity

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# A user the shipped configuration does not have, with every permission: tests read streams and buckets through it.
INSPECTOR = "test-inspector"


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI: a missing server must never pass silently there."""
    if IN_CI:
        pytest.fail(f"required test server unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    """One real JetStream-enabled nats-server for the whole session, with the shipped identities and permissions
    (plus the inspector, a user of the tests alone)."""
    server = EmbeddedNats(tmp_path_factory.mktemp("nats"), extra_users={INSPECTOR: None})
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def nats_url(nats_server: EmbeddedNats) -> str:
    return nats_server.url


@pytest.fixture(scope="session")
def nats(nats_server: EmbeddedNats) -> NatsEndpoint:
    """The session server, each service connecting as its own identity."""
    return nats_server.endpoint


@pytest.fixture
async def nc(nats: NatsEndpoint) -> AsyncIterator[NATS]:
    """A connection as the voice worker: what sends tool requests and publishes audit events."""
    client = await connect(nats, Identity.VOICE_WORKER, name="tests")
    yield client
    await client.close()


async def inspector(server: EmbeddedNats) -> NATS:
    options = {"nkeys_seed_str": (server.credentials_dir / f"{INSPECTOR}.nk").read_text().strip()}
    return await nats_connect(server.url, name="tests-inspector", connect_timeout=2, **options)


@pytest.fixture
async def inspect_nc(nats_server: EmbeddedNats) -> AsyncIterator[NATS]:
    """A connection with every permission, to look into streams and buckets."""
    client = await inspector(nats_server)
    yield client
    await client.close()


@pytest.fixture
async def fresh_tool_buckets(nats_server: EmbeddedNats) -> None:
    """The tool runner's buckets (the only ones its permissions name) emptied, so one test's results and call states
    never reach the next."""
    client = await inspector(nats_server)
    try:
        js = client.jetstream(timeout=5)
        for bucket in Buckets().names():
            with contextlib.suppress(NotFoundError):
                await js.purge_stream(f"KV_{bucket}")
    finally:
        await client.close()


def _postgres_from_docker() -> Iterator[str] | None:
    if shutil.which("docker") is None:
        return None
    try:
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver=None)
        container.start()
    except Exception:
        return None

    def urls() -> Iterator[str]:
        try:
            yield container.get_connection_url()
        finally:
            container.stop()

    return urls()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """CAMILLE_TEST_POSTGRES_URL if set (CI sets it), else a testcontainers PostgreSQL where Docker runs."""
    url = os.environ.get("CAMILLE_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    from_docker = _postgres_from_docker()
    if from_docker is None:
        unavailable("no PostgreSQL: set CAMILLE_TEST_POSTGRES_URL or run Docker")
        return
    yield from from_docker


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server for one test, dropped afterwards."""
    import psycopg

    name = f"camille_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(postgres_server_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL at CAMILLE_TEST_POSTGRES_URL not reachable: {type(exc).__name__}")
    base, _, _ = postgres_server_url.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
