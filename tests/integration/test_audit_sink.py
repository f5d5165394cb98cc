"""The audit sink against a real nats-server: storing, de-duplication, dead letters, catching up, key rotation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import StorageType
from nats.js.client import JetStreamContext
from prometheus_client import CollectorRegistry

from audit_sink.bootstrap import audit_sink_running
from audit_sink.keys import FileKeyProvider
from audit_sink.settings import AuditSinkSettings
from audit_sink.store import AuditStore, CallShreddedError
from audit_sink.stream import DEAD_LETTER_STREAM, ensure_stream
from contracts.audit import AuditEvent
from contracts.subjects import AUDIT_DEAD_LETTER, AUDIT_STREAM, HEADER_MSG_ID, HEADER_SIGNATURE, audit_subject
from offline_kit.bench.audit_samples import call_events
from runtime.audit_signature import AuditSigner, development_signer
from runtime.bus import EmbeddedNats, connect
from runtime.identities import Identity

CANARY_NAME = "Zéphyrine Canarivox"
CANARY_PHONE = "+41795551234"


async def wait_for(condition: Callable[[], bool | Awaitable[bool]], timeout_s: float = 30.0) -> None:
    """Poll until the condition holds (generous: the machine may be loaded)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = condition()
        if await result if isinstance(result, Awaitable) else result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def signed(signer: AuditSigner, event: AuditEvent) -> tuple[bytes, dict[str, str]]:
    data = event.model_dump_json().encode()
    return data, {HEADER_MSG_ID: event.dedup_id, HEADER_SIGNATURE: signer.sign(data)}


async def publish(js: JetStreamContext, events: list[AuditEvent], signer: AuditSigner) -> None:
    """Publish as the voice worker does: one subject per call, the dedup id as Nats-Msg-Id, signed."""
    acks = []
    for event in events:
        data, headers = signed(signer, event)
        acks.append(js.publish(audit_subject(event.call_id), data, headers=headers))
    await asyncio.gather(*acks)


def stored_count(store: AuditStore) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM events")[0][0])


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A nats-server for one test, so the audit stream starts empty."""
    with EmbeddedNats(tmp_path / "nats") as server:
        yield server


@pytest.fixture
async def client(own_nats: EmbeddedNats) -> AsyncIterator[NATS]:
    """The producer: a voice worker's connection."""
    nc = await connect(own_nats.endpoint, Identity.VOICE_WORKER, name="audit-test")
    yield nc
    await nc.close()


@pytest.fixture
async def sink_client(own_nats: EmbeddedNats) -> AsyncIterator[NATS]:
    """The audit sink's identity: it alone reads the streams."""
    nc = await connect(own_nats.endpoint, Identity.AUDIT_SINK, name="audit-test-sink")
    yield nc
    await nc.close()


@pytest.fixture
def settings(tmp_path: Path) -> AuditSinkSettings:
    return AuditSinkSettings(
        data_dir=tmp_path / "data", audit_max_deliver=3, audit_retry_delay_s=0.1, audit_ack_wait_s=5
    )


@pytest.fixture
def signer(settings: AuditSinkSettings) -> AuditSigner:
    """The local voice worker's key: the sink of the same data dir checks against its public half."""
    return development_signer(settings.data_dir)


@pytest.fixture(params=["sqlite", "postgres"])
def any_backend(request: pytest.FixtureRequest, settings: AuditSinkSettings) -> AuditSinkSettings:
    if request.param == "sqlite":
        return settings
    return settings.model_copy(update={"audit_db_url": request.getfixturevalue("postgres_url")})


async def test_sink_stores_each_published_event_once(
    own_nats: EmbeddedNats, client: NATS, any_backend: AuditSinkSettings, signer: AuditSigner
) -> None:
    """Events of several calls, some published twice, are stored once each, decrypted equal, with valid chains."""
    calls = {f"call-{n}": call_events(f"call-{n}", 12) for n in range(5)}
    everything = [event for events in calls.values() for event in events]
    js = client.jetstream(timeout=10)
    async with audit_sink_running(any_backend, own_nats.endpoint) as sink:
        await publish(js, everything, signer)
        await publish(js, everything[::3], signer)  # retried publishes within the duplicate window
        await wait_for(lambda: stored_count(sink.store) == len(everything))
        await wait_for(lambda: sink.sink.stats.stored == len(everything))
        for call_id, events in calls.items():
            assert sink.store.events(call_id) == events
        assert sink.store.verify().ok
        await wait_for(lambda: _zero(sink.backlog()))
        verifier = any_backend.audit_verifier()
        for record in sink.store.records("call-3"):  # what `camille audit replay` sends is what was signed
            verifier.check(sink.store.decrypt(record).model_dump_json().encode(), sink.store.signature(record))


async def _zero(backlog: Awaitable[int]) -> bool:
    return await backlog == 0


async def test_poison_message_is_dead_lettered_and_others_flow(
    own_nats: EmbeddedNats, client: NATS, sink_client: NATS, settings: AuditSinkSettings, signer: AuditSigner
) -> None:
    """A malformed message (signed: a voice worker's bug) goes to the dead-letter stream after max deliveries; valid
    events are all stored; the metrics count both, and the dead-letter gauge shows the message waiting."""
    js = client.jetstream(timeout=10)
    events = call_events("call-ok", 20)
    registry = CollectorRegistry()
    polled = settings.model_copy(update={"audit_lag_poll_s": 0.05})
    async with audit_sink_running(polled, own_nats.endpoint, registry=registry) as sink:
        poison = b'{"not": "an audit event"}'
        await js.publish(
            audit_subject("call-bad"), poison, headers={HEADER_MSG_ID: "bad:0", HEADER_SIGNATURE: signer.sign(poison)}
        )
        await publish(js, events, signer)
        await wait_for(lambda: stored_count(sink.store) == 20)
        await wait_for(lambda: sink.sink.stats.dead_lettered == 1)
        dead = await sink_client.jetstream().get_last_msg(DEAD_LETTER_STREAM, AUDIT_DEAD_LETTER)
        assert dead.data == b'{"not": "an audit event"}'
        assert dead.headers is not None and dead.headers["Camille-Error"].startswith("invalid_event")
        assert dead.headers["Camille-Original-Subject"] == audit_subject("call-bad")
        assert sink.store.events("call-ok") == events
        await wait_for(lambda: _zero(sink.backlog()))
        await wait_for(lambda: registry.get_sample_value("camille_audit_dead_letter_messages") == 1)
        assert registry.get_sample_value("camille_audit_dead_letters_total") == 1
        assert registry.get_sample_value("camille_audit_events_stored_total") == 20


async def test_sink_down_then_back_catches_up_and_reports_backlog(
    own_nats: EmbeddedNats, client: NATS, settings: AuditSinkSettings, signer: AuditSigner
) -> None:
    """Events published while no sink runs wait in the stream; a sink started later reports them as its consumer lag
    and drains them (the polled gauge falls to 0)."""
    js = client.jetstream(timeout=10)
    async with audit_sink_running(settings, own_nats.endpoint) as sink:
        await publish(js, call_events("call-early", 5), signer)
        await wait_for(lambda: stored_count(sink.store) == 5)
    backlog_events = [e for n in range(10) for e in call_events(f"call-late-{n}", 30)]
    await publish(js, backlog_events, signer)
    registry = CollectorRegistry()
    polled = settings.model_copy(update={"audit_lag_poll_s": 0.05})
    async with audit_sink_running(polled, own_nats.endpoint, registry=registry) as sink:
        assert sink.sink.stats.backlog == 300
        assert registry.get_sample_value("camille_audit_consumer_lag_events") == 300  # read at start
        await wait_for(lambda: stored_count(sink.store) == 305)
        await wait_for(lambda: registry.get_sample_value("camille_audit_consumer_lag_events") == 0)
        await wait_for(lambda: _zero(sink.backlog()))
        assert sink.store.verify().ok


async def test_key_rotation_under_a_steady_stream(
    own_nats: EmbeddedNats, client: NATS, settings: AuditSinkSettings, signer: AuditSigner
) -> None:
    """Rotating the master key while events flow loses nothing; old and new calls read; a re-wrap unifies them."""
    js = client.jetstream(timeout=10)
    rotated = asyncio.Event()

    async def steady() -> None:
        for n in range(40):
            await publish(js, call_events(f"call-{n:02d}", 10), signer)
            if n == 20:
                await rotated.wait()
            await asyncio.sleep(0.01)

    async with audit_sink_running(settings, own_nats.endpoint) as sink:
        assert isinstance(sink.keys, FileKeyProvider)
        old_id = sink.keys.current_key_id()
        producer = asyncio.create_task(steady())
        await wait_for(lambda: stored_count(sink.store) >= 100)
        new_id = FileKeyProvider(sink.keys.path).rotate()  # as `camille audit rotate-key` does, from outside
        rotated.set()
        await producer
        await wait_for(lambda: stored_count(sink.store) == 400)
        usage = sink.store.key_usage()
        assert set(usage) == {old_id, new_id} and sum(usage.values()) == 40
        assert all(len(sink.store.events(f"call-{n:02d}")) == 10 for n in range(40))
        assert sink.store.rewrap() == usage[old_id]
        assert sink.store.key_usage() == {new_id: 40}
        assert sink.store.verify().ok


async def test_canary_phi_is_absent_from_database_files_and_logs(
    own_nats: EmbeddedNats,
    client: NATS,
    settings: AuditSinkSettings,
    signer: AuditSigner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A caller's name and number are stored only encrypted and never logged; the stream holds them in clear."""
    caplog.set_level(logging.DEBUG)
    js = client.jetstream(timeout=10)
    events = call_events("call-canary", 6, phone=CANARY_PHONE, name=CANARY_NAME)
    async with audit_sink_running(settings, own_nats.endpoint) as sink:
        await js.publish(audit_subject("call-bad"), f"{CANARY_NAME} {CANARY_PHONE}".encode())  # poison with PHI
        await publish(js, events, signer)
        await wait_for(lambda: stored_count(sink.store) == 6)
        await wait_for(lambda: sink.sink.stats.dead_lettered == 1)
        assert sink.store.events("call-canary") == events
    needles = [CANARY_NAME.encode(), CANARY_PHONE.encode(), CANARY_PHONE[3:].encode(), b"Canarivox"]
    database_files = list((settings.data_dir).glob("audit.sqlite3*"))
    assert database_files and all(path.stat().st_mode & 0o077 == 0 for path in database_files)
    for path in database_files:
        content = path.read_bytes()
        assert not any(needle in content for needle in needles), path.name
    for record in caplog.records:
        line = record.getMessage() + repr(record.__dict__)
        assert "Canarivox" not in line and CANARY_PHONE[3:] not in line
    # Documented trust boundary: JetStream's own store keeps the event as published (encrypt that disk).
    stream_files = (own_nats.data_dir / "js").rglob("*.blk")
    assert any(b"Canarivox" in path.read_bytes() for path in stream_files)


async def test_ensure_stream_applies_settings_and_is_idempotent(sink_client: NATS, settings: AuditSinkSettings) -> None:
    """The stream is created with file storage, the duplicate window, limits, and no deleting or purging; a changed
    setting is applied."""
    js = sink_client.jetstream(timeout=10)
    info = await ensure_stream(js, settings)
    assert info.config.storage == StorageType.FILE
    assert info.config.deny_delete and info.config.deny_purge
    assert info.config.duplicate_window == settings.audit_duplicate_window_s
    again = await ensure_stream(js, settings.model_copy(update={"audit_stream_max_age_s": 3600.0}))
    assert again.config.max_age == 3600.0
    assert (await js.stream_info(AUDIT_STREAM)).config.max_age == 3600.0


async def test_two_sinks_share_the_consumer_and_chain_correctly(
    own_nats: EmbeddedNats, client: NATS, any_backend: AuditSinkSettings, signer: AuditSigner
) -> None:
    """Two sink replicas split the work of one durable consumer; every event is stored once and chains verify."""
    js = client.jetstream(timeout=10)
    settings = any_backend.model_copy(update={"audit_batch_size": 16})
    events = [e for n in range(40) for e in call_events(f"call-{n:02d}", 25)]
    async with (
        audit_sink_running(settings, own_nats.endpoint) as one,
        audit_sink_running(settings, own_nats.endpoint) as two,
    ):
        await publish(js, events, signer)
        await wait_for(lambda: stored_count(one.store) == len(events), 60)
        await wait_for(lambda: one.sink.stats.stored + two.sink.stats.stored == len(events))
        assert one.sink.stats.stored > 0 and two.sink.stats.stored > 0
        report = one.store.verify()
        assert report.ok and report.unchained == 0
        assert one.store.events("call-17") == [e for e in events if e.call_id == "call-17"]


async def test_database_outage_holds_messages_instead_of_dead_lettering(
    own_nats: EmbeddedNats,
    client: NATS,
    settings: AuditSinkSettings,
    signer: AuditSigner,
    postgres_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL connections killed under the sink: it reconnects, stores everything, dead-letters nothing."""
    import psycopg

    caplog.set_level(logging.WARNING, logger="audit_sink.sink")
    js = client.jetstream(timeout=10)
    settings = settings.model_copy(update={"audit_db_url": postgres_url, "audit_batch_size": 20})
    async with audit_sink_running(settings, own_nats.endpoint) as sink:
        await publish(js, call_events("call-before", 10), signer)
        await wait_for(lambda: stored_count(sink.store) == 10)
        for round_ in range(3):
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            await publish(js, call_events(f"call-during-{round_}", 30), signer)
        reader = AuditStore.open(postgres_url, sink.keys)
        await wait_for(lambda: stored_count(reader) == 100, 60)
        reader.close()
        assert sink.sink.stats.dead_lettered == 0
        assert sink.store.verify().ok
    assert any("database unavailable" in r.getMessage() for r in caplog.records), "the outage must have been hit"


async def test_events_arriving_after_an_erasure_keep_no_phi(
    own_nats: EmbeddedNats, client: NATS, settings: AuditSinkSettings, signer: AuditSigner
) -> None:
    """Late events of an erased call are stored without PHI, read as erased, and the chain still verifies."""
    js = client.jetstream(timeout=10)
    events = call_events("call-x", 8, name=CANARY_NAME)
    async with audit_sink_running(settings, own_nats.endpoint) as sink:
        await publish(js, events[:3], signer)
        await wait_for(lambda: stored_count(sink.store) == 3)
        assert sink.store.erase(["call-x"], "dpo", "patient request") == ["call-x"]
        await publish(js, events[3:], signer)
        await wait_for(lambda: stored_count(sink.store) == 8)
        records = sink.store.records("call-x")
        assert all(r.phi in (None, b"") for r in records[3:])
        with pytest.raises(CallShreddedError):
            sink.store.decrypt(records[6])  # a transcript segment
        assert sink.store.verify().ok


async def test_dead_letters_are_listed_without_content_and_requeued(
    own_nats: EmbeddedNats, sink_client: NATS, settings: AuditSinkSettings, signer: AuditSigner
) -> None:
    """A dead-lettered event (rejected by an earlier, faulty sink) is listed by origin and error, then requeued with
    its signature, which the sink checks again."""
    from audit_sink.dead_letters import dead_letters, requeue
    from audit_sink.sink import HEADER_ERROR, HEADER_ORIGINAL_SEQ, HEADER_ORIGINAL_SUBJECT

    js = sink_client.jetstream(timeout=10)
    [event] = call_events("call-dlq", 1, phone=CANARY_PHONE)
    async with audit_sink_running(settings, own_nats.endpoint) as sink:
        data, signature = signed(signer, event)
        headers = {HEADER_ORIGINAL_SUBJECT: audit_subject("call-dlq"), HEADER_ORIGINAL_SEQ: "7",
                   HEADER_ERROR: "store_failed:OperationalError", HEADER_MSG_ID: "old-sink:7",
                   HEADER_SIGNATURE: signature[HEADER_SIGNATURE]}  # fmt: skip
        await js.publish(AUDIT_DEAD_LETTER, data, headers=headers)
        [letter] = await dead_letters(js)
        assert (letter.original_subject, letter.error) == (audit_subject("call-dlq"), "store_failed:OperationalError")
        assert CANARY_PHONE not in repr(letter)
        await requeue(js, letter)
        await wait_for(lambda: stored_count(sink.store) == 1)
        assert sink.store.events("call-dlq") == [event]
        assert await dead_letters(js) == []


async def test_only_authentic_events_reach_the_store(
    own_nats: EmbeddedNats, client: NATS, sink_client: NATS, settings: AuditSinkSettings, signer: AuditSigner
) -> None:
    """Unsigned, signed by another key, altered after signing, or signed but published on another call's subject: each
    is refused at once (dead-lettered, counted by reason), and only the genuine events are stored."""
    js = client.jetstream(timeout=10)
    genuine = call_events("call-real", 3)
    forged = call_events("call-forged", 1)[0]
    registry = CollectorRegistry()
    async with audit_sink_running(settings, own_nats.endpoint, registry=registry) as sink:
        data = forged.model_dump_json().encode()
        await js.publish(audit_subject("call-forged"), data, headers={HEADER_MSG_ID: "f:0"})  # unsigned
        other_key = AuditSigner.generate()
        await js.publish(
            audit_subject("call-forged"), data, headers=signed(other_key, forged)[1] | {HEADER_MSG_ID: "k"}
        )
        altered = data.replace(b"+41791234567", b"+41790000000")
        _, headers = signed(signer, forged)
        await js.publish(audit_subject("call-forged"), altered, headers=headers | {HEADER_MSG_ID: "a"})
        moved_data, moved_headers = signed(signer, genuine[1])  # a genuine event replayed onto another call
        await js.publish(audit_subject("call-forged"), moved_data, headers=moved_headers | {HEADER_MSG_ID: "m:1"})
        await publish(js, genuine, signer)
        await wait_for(lambda: stored_count(sink.store) == 3)
        await wait_for(lambda: sink.sink.stats.rejected == 4)
        assert sink.store.events("call-real") == genuine
        assert sink.store.records("call-forged") == []
        rejected = {
            reason: registry.get_sample_value("camille_audit_events_rejected_total", {"reason": reason})
            for reason in ("unsigned", "unknown_key", "bad_signature", "subject_mismatch")
        }
        assert rejected == {"unsigned": 1, "unknown_key": 1, "bad_signature": 1, "subject_mismatch": 1}
        await wait_for(lambda: sink.sink.stats.dead_lettered == 4)
        dead = await sink_client.jetstream().get_last_msg(DEAD_LETTER_STREAM, AUDIT_DEAD_LETTER)
        assert dead.headers is not None and dead.headers["Camille-Error"] == "subject_mismatch"
        assert sink.store.verify().ok


async def test_a_second_event_at_a_stored_position_with_other_content_is_kept_out_and_alerted(
    own_nats: EmbeddedNats, client: NATS, settings: AuditSinkSettings, signer: AuditSigner
) -> None:
    """The same event redelivered is a plain duplicate; a differently worded one at the same call and sequence (even
    signed) is counted as a conflict and the first one stays."""
    js = client.jetstream(timeout=10)
    first = call_events("call-twice", 3)
    rival = AuditEvent.model_validate(
        first[1].model_dump() | {"message_id": "f" * 32, "payload": {"kind": "greeting_played", "latency_ms": 1.0}}
    )
    registry = CollectorRegistry()
    async with audit_sink_running(settings, own_nats.endpoint, registry=registry) as sink:
        await publish(js, first, signer)
        await wait_for(lambda: stored_count(sink.store) == 3)
        await publish(js, [rival], signer)
        await wait_for(lambda: sink.sink.stats.conflicts == 1)
        assert registry.get_sample_value("camille_audit_events_conflicting_total") == 1
        assert sink.store.events("call-twice") == first
        assert sink.sink.stats.rejected == 0
        assert sink.store.verify().ok
