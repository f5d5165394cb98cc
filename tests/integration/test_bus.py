"""The bus helper against a real nats-server: start/stop, request/reply, JetStream round trip."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import StreamConfig

from runtime.bus import EmbeddedNats, connect, nats_url_or_embedded


async def test_embedded_server_starts_and_stops(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An embedded server accepts connections while running and refuses them once stopped."""
    with EmbeddedNats(tmp_path) as server:
        client = await connect(server.url, name="t")
        assert client.is_connected
        await client.close()
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", server.port)


def test_configured_url_wins_over_embedded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """When NATS_URL is configured no server is started."""
    with nats_url_or_embedded("nats://example:4222", tmp_path) as url:
        assert url == "nats://example:4222"
    assert not (tmp_path / "nats").exists()


async def test_request_reply_round_trip(nc: NATS) -> None:
    """A request is answered by a queue-group subscriber."""

    async def echo(msg: Msg) -> None:
        await msg.respond(b"pong:" + msg.data)

    sub = await nc.subscribe("t.echo", queue="q", cb=echo)
    reply = await nc.request("t.echo", b"ping", timeout=2)
    assert reply.data == b"pong:ping"
    await sub.unsubscribe()


async def test_jetstream_publish_round_trip_deduplicates(nc: NATS) -> None:
    """A JetStream publish is stored once per Nats-Msg-Id and read back."""
    js = nc.jetstream(timeout=2)
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
