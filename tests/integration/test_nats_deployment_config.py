"""The Compose nats-server configuration on a real nats-server, with the secrets `camille secrets` makes: clients get
in over TLS with their own NKEY only, and each identity can do what its service does and is refused the rest."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from prometheus_client import CollectorRegistry

from audit_sink.bootstrap import build_store
from audit_sink.metrics import AuditSinkMetrics
from audit_sink.settings import AuditSinkSettings
from audit_sink.sink import AuditSink
from camille.secrets import CA_CERT, NATS_IDENTITIES, write_local_secrets
from contracts.subjects import TOOLS_QUEUE_GROUP, audit_subject, tool_subject
from offline_kit.bench.audit_samples import call_events
from runtime.audit_signature import AuditSigner, AuditVerifier
from runtime.bus import nats_server_binary
from runtime.identities import new_seed, seed_file
from tests.integration.test_audit_sink import signed, wait_for
from tests.nats_sync import settled
from tool_runner.call_state import KvCallStateStore
from tool_runner.idempotency import KvResultStore
from voice_worker.audit import NatsAuditTransport

REPO = Path(__file__).resolve().parents[2]
# The inbox prefix of each identity: its replies arrive there, and nobody else may subscribe to it.
INBOXES = {identity: f"_INBOX.{identity}" for identity in NATS_IDENTITIES}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("secrets")
    write_local_secrets(directory)
    return directory


@pytest.fixture(scope="module")
def server(secrets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nats-server on nats-server/nats.conf as Compose runs it, the container paths pointed at this test's files."""
    config = (REPO / "nats-server" / "nats.conf").read_text()
    store = tmp_path_factory.mktemp("jetstream")
    config = config.replace("/run/secrets/", f"{secrets_dir}/").replace("store_dir: /data", f"store_dir: {store}")
    # nats-users.conf is included relative to the configuration's own directory, as in the container.
    (secrets_dir / "nats.conf").write_text(config)
    port, monitor = free_port(), free_port()
    process = subprocess.Popen(
        [str(nats_server_binary()), "-c", str(secrets_dir / "nats.conf"), "-p", str(port), "-m", str(monitor)],
        env={"JS_KEY": "k" * 48},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Ready as Compose's health check says it is: JetStream answers, not merely the port.
        health = f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true"
        for _ in range(400):
            with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=1) as answer:
                if answer.status == 200:
                    break
            if process.poll() is not None:
                raise AssertionError(f"nats-server refused the configuration: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            time.sleep(0.05)
        yield f"tls://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def tls_context(secrets_dir: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(secrets_dir / CA_CERT))


class Client:
    """One identity's connection, with the permission errors the server sent it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc = NATS()

    async def error(self, exc: Exception) -> None:
        self.errors.append(str(exc))

    async def refused(self, what: str) -> bool:
        await self.nc.flush(timeout=5)
        await asyncio.sleep(0.1)  # the server's -ERR follows the PONG when the violation is on a subscription
        # nats-py lower-cases the server's error text.
        return any("permissions violation" in e.lower() and what.lower() in e.lower() for e in self.errors)


@contextlib.asynccontextmanager
async def connected_as(url: str, secrets_dir: Path, identity: str, seed: Path | None = None) -> AsyncIterator[Client]:
    client = Client()
    try:
        await client.nc.connect(
            url, tls=tls_context(secrets_dir), nkeys_seed=str(seed or seed_file(secrets_dir, identity)),
            inbox_prefix=INBOXES[identity], error_cb=client.error, allow_reconnect=False, connect_timeout=5,
            max_reconnect_attempts=0,
        )  # fmt: skip
    except BaseException:
        await client.nc.close()  # a refused connection leaves no reader task behind
        raise
    try:
        yield client
    finally:
        await client.nc.close()


async def first_answer(nc: NATS, subject: str, timeout_s: float = 5.0) -> Msg:
    """The first reply to a request on `subject` (the server can report no responders for a moment after a
    subscription is made, as the tool runner's own readiness probe allows for)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            return await nc.request(subject, b"{}", timeout=timeout_s)
        except nats.errors.NoRespondersError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.02)


async def test_every_identity_connects_over_tls_with_its_own_seed(server: str, secrets_dir: Path) -> None:
    """Each service's seed opens a TLS connection verified against the local CA."""
    for identity in INBOXES:
        async with connected_as(server, secrets_dir, identity) as client:
            assert client.nc.is_connected and client.nc.client_id is not None


async def test_an_unknown_key_and_a_plain_connection_are_refused(
    server: str, secrets_dir: Path, tmp_path: Path
) -> None:
    """A seed the server does not list, no seed at all, or a connection without TLS gets nowhere."""
    stranger = tmp_path / "stranger.nk"
    stranger.write_bytes(new_seed())
    with pytest.raises((nats.errors.Error, OSError, asyncio.TimeoutError)):
        async with connected_as(server, secrets_dir, "voice-worker", seed=stranger):
            pass
    with pytest.raises((nats.errors.Error, OSError, asyncio.TimeoutError)):
        await nats.connect(server, tls=tls_context(secrets_dir), allow_reconnect=False, connect_timeout=5)
    plain = server.replace("tls://", "nats://")
    with pytest.raises((nats.errors.Error, OSError, asyncio.TimeoutError)):
        await nats.connect(plain, allow_reconnect=False, connect_timeout=5)


async def test_each_service_does_its_work_under_its_own_identity(
    server: str, secrets_dir: Path, tmp_path: Path
) -> None:
    """The audit sink keeps its stream and consumes it, the voice worker publishes audit events and asks for tools,
    the tool runner answers in its queue group and keeps its two buckets: all through the real code."""
    settings = AuditSinkSettings(data_dir=tmp_path / "audit", audit_batch_size=16)
    store = await asyncio.to_thread(build_store, settings)
    async with (
        connected_as(server, secrets_dir, "audit-sink") as audit,
        connected_as(server, secrets_dir, "voice-worker") as voice,
        connected_as(server, secrets_dir, "tool-runner") as tools,
    ):
        signer = AuditSigner.generate()  # the voice worker's key; the sink holds its public half only
        verifier = AuditVerifier.from_text(signer.verify_key_text())
        sink = AuditSink(audit.nc, store, settings, AuditSinkMetrics(CollectorRegistry()), verifier)
        await sink.start()
        stop = asyncio.Event()
        consuming = asyncio.create_task(sink.run(stop))

        js = tools.nc.jetstream(timeout=5)
        results = await KvResultStore.open(js, "camille_tool_results", 3600)
        claim = await results.claim("key-1", 5)
        await results.complete("key-1", claim.revision, b"reply")  # type: ignore[arg-type]
        states = await KvCallStateStore.open(js, "camille_call_state", 1800)
        assert await states.write("call-1", b"state", 0) > 0
        assert (await states.read("call-1"))[0] == b"state"

        async def answer(msg: Msg) -> None:
            await msg.respond(b"answered")

        await tools.nc.subscribe(tool_subject("check_availability"), queue=TOOLS_QUEUE_GROUP, cb=answer)
        await settled(tools.nc)
        reply = await first_answer(voice.nc, tool_subject("check_availability"))
        assert reply.data == b"answered"

        transport = NatsAuditTransport(voice.nc)
        events = call_events("call-nkey", 5)
        for event in events:
            data, headers = signed(signer, event)
            await transport.publish_event(audit_subject(event.call_id), data, headers, 5)
        await wait_for(lambda: sink.stats.stored == len(events), 20)
        stop.set()
        await asyncio.wait_for(consuming, 30)
        for client in (audit, voice, tools):
            await client.nc.flush()
            assert not client.errors, client.errors
    store.close()


async def test_the_voice_worker_cannot_read_tool_requests_or_touch_the_buckets(server: str, secrets_dir: Path) -> None:
    """A voice worker cannot listen on the tool subjects, read another inbox, write the call state or delete the
    audit stream."""
    async with connected_as(server, secrets_dir, "voice-worker") as voice:
        await voice.nc.subscribe("camille.v1.tools.>", queue=TOOLS_QUEUE_GROUP)
        assert await voice.refused("camille.v1.tools.>")
        await voice.nc.subscribe("_INBOX.tool-runner.>")
        assert await voice.refused("_INBOX.tool-runner.>")
        await voice.nc.publish("$KV.camille_call_state.call-1", b"forged")
        assert await voice.refused("$KV.camille_call_state.call-1")
        await voice.nc.publish("$JS.API.STREAM.DELETE.CAMILLE_AUDIT", b"")
        assert await voice.refused("$JS.API.STREAM.DELETE.CAMILLE_AUDIT")


async def test_the_tool_runner_cannot_write_or_read_the_audit_trail(server: str, secrets_dir: Path) -> None:
    """A tool runner can neither forge an audit event nor read the audit stream."""
    async with connected_as(server, secrets_dir, "tool-runner") as tools:
        await tools.nc.publish(audit_subject("call-1"), b"forged")
        assert await tools.refused("camille.v1.audit.call-1")
        await tools.nc.subscribe("camille.v1.audit.>")
        assert await tools.refused("camille.v1.audit.>")
        await tools.nc.publish("$JS.API.CONSUMER.CREATE.CAMILLE_AUDIT", b"{}")
        assert await tools.refused("$JS.API.CONSUMER.CREATE.CAMILLE_AUDIT")
        await tools.nc.subscribe(tool_subject("book_appointment"))  # outside its queue group
        assert await tools.refused("camille.v1.tools.book_appointment")


async def test_the_audit_identities_cannot_ask_for_tools(server: str, secrets_dir: Path) -> None:
    """Neither the audit sink nor the replay can send a tool request, and the replay cannot consume the stream."""
    for identity in ("audit-sink", "audit-replay"):
        async with connected_as(server, secrets_dir, identity) as client:
            await client.nc.publish(tool_subject("send_sms"), b"{}")
            assert await client.refused("camille.v1.tools.send_sms"), identity
    async with connected_as(server, secrets_dir, "audit-replay") as replay:
        await replay.nc.publish("$JS.API.CONSUMER.MSG.NEXT.CAMILLE_AUDIT.audit-sink", b"")
        assert await replay.refused("$JS.API.CONSUMER.MSG.NEXT.CAMILLE_AUDIT.audit-sink")


async def test_the_alert_reader_reads_alerts_and_publishes_nothing(server: str, secrets_dir: Path) -> None:
    """The alert reader receives the voice worker's alerts and can publish nowhere, not even an alert."""
    async with (
        connected_as(server, secrets_dir, "alert-reader") as reader,
        connected_as(server, secrets_dir, "voice-worker") as voice,
    ):
        alerts = await reader.nc.subscribe("camille.v1.alerts.>")
        await settled(reader.nc)
        await voice.nc.publish("camille.v1.alerts.emergency", b"{}")
        assert (await alerts.next_msg(timeout=5)).data == b"{}"
        await reader.nc.publish("camille.v1.alerts.emergency", b"forged")
        assert await reader.refused("camille.v1.alerts.emergency")
        await reader.nc.subscribe("camille.v1.audit.>")
        assert await reader.refused("camille.v1.audit.>")
