"""Real servers for the test session: a nats-server with JetStream, and PostgreSQL when a test asks for it.

With CI=true a server that cannot be had is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from runtime.bus import EmbeddedNats, connect

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI: a missing server must never pass silently there."""
    if IN_CI:
        pytest.fail(f"required test server unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    """One real JetStream-enabled nats-server for the whole session."""
    server = EmbeddedNats(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def nats_url(nats_server: EmbeddedNats) -> str:
    return nats_server.url


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[NATS]:
    client = await connect(nats_url, name="tests")
    yield client
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
