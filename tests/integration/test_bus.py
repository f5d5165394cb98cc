"""The bus helper against a real nats-server: start/stop, credentials, request/reply, JetStream round trip."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import StreamConfig

from runtime.bus import EmbeddedNats, NatsEndpoint, connect, nats_endpoint, release
from runtime.identities import Identity, seed_file
from runtime.settings import CommonSettings


async def test_embedded_server_starts_and_stops(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An embedded server accepts connections while running and refuses them once stopped."""
    with EmbeddedNats(tmp_path) as server:
        client = await connect(server.endpoint, Identity.TOOL_RUNNER, name="t")
        assert client.is_connected
        await client.close()
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", server.port)


async def test_release_closes_a_client_whose_server_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A client cannot drain once its server is gone; released, it is closed and stops trying to reconnect."""
    with EmbeddedNats(tmp_path) as server:
        client = await connect(server.endpoint, Identity.TOOL_RUNNER, name="t")
        server.kill()
        for _ in range(200):  # the client notices the lost connection
            if not client.is_connected:
                break
            await asyncio.sleep(0.01)
        await release(client)
        assert client.is_closed


def test_configured_url_wins_over_embedded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """When NATS_URL is configured no server is started, and the configured credentials are every identity's."""
    creds = tmp_path / "voice.nk"
    settings = CommonSettings(nats_url="nats://example:4222", data_dir=tmp_path, nats_creds_file=creds)
    with nats_endpoint(settings) as endpoint:
        assert endpoint.url == "nats://example:4222"
        assert endpoint.credentials(Identity.VOICE_WORKER) == endpoint.credentials(Identity.AUDIT_SINK) == creds
    assert not (tmp_path / "nats").exists()


def test_seeds_are_private_and_kept_across_restarts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each identity's seed is written once, readable by its owner alone, and reused by the next start."""
    with EmbeddedNats(tmp_path) as server:
        seeds = {identity: seed_file(server.credentials_dir, identity).read_bytes() for identity in Identity}
    assert server.credentials_dir.stat().st_mode & 0o777 == 0o700
    for identity in Identity:
        path = seed_file(server.credentials_dir, identity)
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.read_bytes().startswith(b"SU")
    with EmbeddedNats(tmp_path) as again:
        assert {identity: seed_file(again.credentials_dir, identity).read_bytes() for identity in Identity} == seeds
    config = (tmp_path / "nats.conf").read_text()
    assert not any(seed.decode().strip() in config for seed in seeds.values())  # the server holds public keys only


def test_an_endpoint_without_a_readable_credentials_file_says_which(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A configured credentials file that is missing is a configuration error naming the file, before any connect."""
    from runtime.settings import ConfigurationError

    endpoint = NatsEndpoint("nats://127.0.0.1:4222", creds_file=tmp_path / "absent.nk")
    with pytest.raises(ConfigurationError, match=r"absent\.nk"):
        endpoint.connect_options(Identity.VOICE_WORKER)


async def test_request_reply_round_trip(inspect_nc: NATS) -> None:
    """A request is answered by a queue-group subscriber."""

    async def echo(msg: Msg) -> None:
        await msg.respond(b"pong:" + msg.data)

    sub = await inspect_nc.subscribe("t.echo", queue="q", cb=echo)
    reply = await inspect_nc.request("t.echo", b"ping", timeout=2)
    assert reply.data == b"pong:ping"
    await sub.unsubscribe()


async def test_jetstream_publish_round_trip_deduplicates(inspect_nc: NATS) -> None:
    """A JetStream publish is stored once per Nats-Msg-Id and read back."""
    js = inspect_nc.jetstream(timeout=2)
    await js.add_stream(StreamConfig(name="BUS_TEST", subjects=["bus.test.>"], duplicate_window=60))
    first = await js.publish("bus.test.a", b"1", headers={"Nats-Msg-Id": "m1"})
    again = await js.publish("bus.test.a", b"1", headers={"Nats-Msg-Id": "m1"})
    assert again.duplicate and again.seq == first.seq
    sub = await js.pull_subscribe("bus.test.>", durable="reader")
    [msg] = await sub.fetch(1, timeout=2)
    assert msg.data == b"1"
    await msg.ack()
    with pytest.raises(asyncio.TimeoutError):
        await sub.fetch(1, timeout=0.3)
    await js.delete_stream("BUS_TEST")
