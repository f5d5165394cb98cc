"""The shipped NATS identities and permissions, on a real nats-server configured exactly as `camille up` runs it:
each thing an attacker on the bus used to be able to do is refused.

A publish or subscription the permissions deny is dropped by the server, which tells the client with a
`-ERR 'Permissions Violation ...'`; nats-py hands that to the error callback and keeps the connection. Each test
records those errors and checks both the refusal and that nothing came through.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from audit_sink.bootstrap import audit_sink_running
from audit_sink.settings import AuditSinkSettings
from audit_sink.stream import ensure_stream
from contracts.subjects import AUDIT_STREAM, HEADER_MSG_ID, TOOLS_QUEUE_GROUP, audit_subject, tool_subject
from contracts.tools import RefusalReason, ToolErrorCode, ToolFailure, ToolName, ToolReply, ToolRequest
from offline_kit.bench.audit_samples import call_events
from offline_kit.webhook import tool_request
from runtime.audit_signature import AuditSigner, development_signer
from runtime.bus import EmbeddedNats, NatsAccessDenied, NatsEndpoint, connect
from runtime.identities import Identity, new_seed
from tests.nats_sync import settled


class Client:
    """A connection as one identity, with the permission errors the server sent it."""

    def __init__(self, nc: NATS, errors: list[str]) -> None:
        self.nc, self.errors = nc, errors

    async def denied(self, what: str, timeout_s: float = 5.0) -> bool:
        """Whether the server reported a permissions violation mentioning `what` (lower case, as nats-py gives it)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            if any("permissions violation" in e and what.lower() in e for e in self.errors):
                return True
            await asyncio.sleep(0.02)
        return False


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """No extra users: only what production has."""
    with EmbeddedNats(tmp_path / "nats") as running:
        yield running


OpenAs = Callable[[Identity], Awaitable[Client]]


@pytest.fixture
async def as_identity(server: EmbeddedNats) -> AsyncIterator[OpenAs]:
    opened: list[NATS] = []

    async def open_as(identity: Identity) -> Client:
        errors: list[str] = []
        nc = await connect(server.endpoint, identity, name=f"permissions-{identity}")
        logged = nc._error_cb  # connect() logs what the server reports; the test keeps it too

        async def record(exc: Exception) -> None:
            errors.append(str(exc).lower())
            await logged(exc)

        nc._error_cb = record
        opened.append(nc)
        return Client(nc, errors)

    yield open_as
    for nc in opened:
        await nc.close()


def request_for(tool: ToolName = ToolName.SEND_SMS) -> ToolRequest:
    return tool_request(
        {"tool": tool.value, "confirmation": "booking"}, now=dt.datetime.now(dt.UTC), call_id="call-perm", timeout_s=5
    )


async def test_an_anonymous_client_is_refused(server: EmbeddedNats) -> None:
    """No credentials, no connection: the new user's anonymous `send_sms` never reaches a tool runner."""
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(server.url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0)


async def test_a_seed_the_server_does_not_know_is_refused(server: EmbeddedNats, tmp_path: Path) -> None:
    """A well-formed NKEY that is not one of the configured users is refused like no key at all."""
    stranger = tmp_path / "stranger.nk"
    stranger.write_bytes(new_seed())
    with pytest.raises(NatsAccessDenied, match="refused the voice-worker identity"):
        await connect(NatsEndpoint(server.url, creds_file=stranger), Identity.VOICE_WORKER, name="stranger")


async def test_the_voice_worker_cannot_take_tool_requests_nor_read_the_audit_stream(as_identity: OpenAs) -> None:
    """The voice worker asks for tools and publishes events; it cannot listen on the tool subjects, nor read the
    stream (no consumer, no message read), nor read another caller's replies."""
    sink = await as_identity(Identity.AUDIT_SINK)
    await _audit_stream(sink)
    voice = await as_identity(Identity.VOICE_WORKER)
    heard: list[Msg] = []

    async def hear(msg: Msg) -> None:
        heard.append(msg)

    await voice.nc.subscribe(tool_subject(ToolName.SEND_SMS), cb=hear)
    await voice.nc.subscribe(tool_subject(ToolName.SEND_SMS), queue=TOOLS_QUEUE_GROUP, cb=hear)
    await voice.nc.subscribe("camille.v1.audit.>", cb=hear)
    await voice.nc.subscribe("_INBOX.tool-runner.>", cb=hear)
    assert await voice.denied('subscription to "camille.v1.tools.send_sms"')
    assert await voice.denied('subscription to "camille.v1.audit.>"')
    assert await voice.denied('subscription to "_inbox.tool-runner.>"')
    js = voice.nc.jetstream(timeout=1)
    with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
        await js.pull_subscribe(audit_subject("call-perm"), durable="spy", stream=AUDIT_STREAM)
    assert await voice.denied('publish to "$js.api.consumer.')
    with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
        await js.get_msg(AUDIT_STREAM, 1)
    assert await voice.denied(f'publish to "$js.api.stream.msg.get.{AUDIT_STREAM}'.lower())
    await voice.nc.publish(tool_subject(ToolName.SEND_SMS), request_for().model_dump_json().encode())
    await settled(voice.nc)
    await asyncio.sleep(0.2)
    assert heard == []


async def test_only_the_tool_runner_answers_and_only_what_it_was_asked(as_identity: OpenAs) -> None:
    """A request reaches the tool runner's queue group only; the answer is the runner's. Another identity cannot
    answer by publishing to the caller's inbox, and the runner itself cannot publish to an inbox it was not asked
    from."""
    runner = await as_identity(Identity.TOOL_RUNNER)
    replay = await as_identity(Identity.AUDIT_REPLAY)
    voice = await as_identity(Identity.VOICE_WORKER)
    request = request_for()

    async def answer(msg: Msg) -> None:
        await msg.respond(ToolReply.failed(request, _refusal()).model_dump_json().encode())

    await runner.nc.subscribe(tool_subject(ToolName.SEND_SMS), queue=TOOLS_QUEUE_GROUP, cb=answer)
    await settled(runner.nc)
    for _ in range(100):  # the server may report no responders for a moment after the subscription
        try:
            reply = await voice.nc.request(
                tool_subject(ToolName.SEND_SMS), request.model_dump_json().encode(), timeout=5
            )
            break
        except nats.errors.NoRespondersError:
            await asyncio.sleep(0.02)
    assert ToolReply.model_validate_json(reply.data).request_id == request.message_id

    # The sink's or replay's identity may not listen on tool subjects either: no second answerer.
    async def forge(msg: Msg) -> None:
        await msg.respond(b"forged")

    await replay.nc.subscribe(tool_subject(ToolName.SEND_SMS), cb=forge)
    assert await replay.denied('subscription to "camille.v1.tools.send_sms"')
    # Nor publish into the voice worker's inbox, where replies arrive.
    await replay.nc.publish("_INBOX.voice-worker.guess", b"forged")
    assert await replay.denied('publish to "_inbox.voice-worker.guess"')
    # The alert reader publishes nothing at all (an empty allow list would mean everything to nats-server).
    reader = await as_identity(Identity.ALERT_READER)
    await reader.nc.publish(tool_subject(ToolName.SEND_SMS), request.model_dump_json().encode())
    assert await reader.denied('publish to "camille.v1.tools.send_sms"')
    # The runner answers only what it received (allow_responses): an unsolicited "reply" is dropped.
    await runner.nc.publish("_INBOX.voice-worker.guess", b"forged")
    assert await runner.denied('publish to "_inbox.voice-worker.guess"')


async def test_nobody_deletes_or_purges_the_audit_stream(as_identity: OpenAs) -> None:
    """Deleting the stream, purging it or deleting one of its messages is denied to every identity; the stream also
    refuses message deletion and purging on its own (`deny_delete`, `deny_purge`), whoever asks."""
    sink = await as_identity(Identity.AUDIT_SINK)
    info = await _audit_stream(sink)
    assert info.config.deny_delete and info.config.deny_purge
    voice = await as_identity(Identity.VOICE_WORKER)
    await voice.nc.jetstream(timeout=5).publish(audit_subject("call-perm"), b"{}", headers={HEADER_MSG_ID: "p:0"})
    for identity in Identity:
        client = await as_identity(identity)
        js = client.nc.jetstream(timeout=0.5)
        attempts: list[tuple[Callable[[], Awaitable[Any]], str]] = [
            (partial(js.purge_stream, AUDIT_STREAM), f"$js.api.stream.purge.{AUDIT_STREAM}"),
            (partial(js.delete_msg, AUDIT_STREAM, 1), f"$js.api.stream.msg.delete.{AUDIT_STREAM}"),
            (partial(js.delete_stream, AUDIT_STREAM), f"$js.api.stream.delete.{AUDIT_STREAM}"),
        ]
        for attempt, subject in attempts:
            with pytest.raises((nats.errors.TimeoutError, asyncio.TimeoutError)):
                await attempt()
            assert await client.denied(f'publish to "{subject.lower()}"'), (identity, subject)
    assert (await sink.nc.jetstream(timeout=5).stream_info(AUDIT_STREAM)).state.messages == 1


async def test_a_forged_event_from_a_voice_worker_connection_never_reaches_the_store(
    server: EmbeddedNats, as_identity: OpenAs, tmp_path: Path
) -> None:
    """Even with the voice worker's NATS identity (one compromised pod), an event without the signing key's
    signature, or a signed one moved to another call's subject, is refused by the sink."""
    settings = AuditSinkSettings(data_dir=tmp_path / "data")
    real = call_events("call-real", 2)
    async with audit_sink_running(settings, server.endpoint) as sink:
        voice = await as_identity(Identity.VOICE_WORKER)
        js = voice.nc.jetstream(timeout=5)
        forged = call_events("call-forged", 1)[0]
        await js.publish(audit_subject("call-forged"), forged.model_dump_json().encode())
        wrong_key = AuditSigner.generate()
        data = forged.model_dump_json().encode()
        await js.publish(audit_subject("call-forged"), data, headers={"Camille-Signature": wrong_key.sign(data)})
        key = development_signer(settings.data_dir)  # the local voice worker's key, which the sink checks against
        moved = real[0].model_dump_json().encode()
        await js.publish(audit_subject("call-forged"), moved, headers={"Camille-Signature": key.sign(moved)})
        for event in real:
            body = event.model_dump_json().encode()
            headers = {HEADER_MSG_ID: event.dedup_id, "Camille-Signature": key.sign(body)}
            await js.publish(audit_subject(event.call_id), body, headers=headers)
        deadline = asyncio.get_running_loop().time() + 30
        while sink.sink.stats.stored < 2 or sink.sink.stats.rejected < 3:
            assert asyncio.get_running_loop().time() < deadline, sink.sink.stats
            await asyncio.sleep(0.05)
        assert [record.call_id for record in sink.store.records("call-forged")] == []
        assert sink.store.events("call-real") == real


async def _audit_stream(sink: Client) -> Any:
    return await ensure_stream(sink.nc.jetstream(timeout=5), AuditSinkSettings())


def _refusal() -> ToolFailure:
    return ToolFailure.of(ToolErrorCode.NOT_PERMITTED, "refused", reason=RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL)


async def test_the_production_credentials_work_on_a_server_that_includes_their_block(tmp_path: Path) -> None:
    """`camille nats credentials DIR` writes the seeds and the authorization block; a nats-server whose own config
    includes that block (as a production one would) accepts each service's seed and no anonymous client."""
    from typer.testing import CliRunner

    from camille.cli import app
    from runtime.bus import free_port, nats_server_binary

    directory = tmp_path / "creds"
    result = CliRunner().invoke(app, ["nats", "credentials", str(directory)])
    assert result.exit_code == 0, result.output
    port = free_port()
    config = directory / "server.conf"
    store = str(tmp_path / "js")
    config.write_text(f"listen: 127.0.0.1:{port}\njetstream {{ store_dir: {store!r} }}\ninclude ./nats-auth.conf\n")
    process = await asyncio.create_subprocess_exec(str(nats_server_binary()), "-c", str(config))
    try:
        url = f"nats://127.0.0.1:{port}"
        for identity in Identity:
            endpoint = NatsEndpoint(url, creds_file=directory / f"{identity}.nk")
            for _ in range(200):
                try:
                    nc = await connect(endpoint, identity, name="production-block")
                    break
                except OSError:  # not listening yet
                    await asyncio.sleep(0.05)
            await nc.close()
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0)
    finally:
        process.terminate()
        await process.wait()
