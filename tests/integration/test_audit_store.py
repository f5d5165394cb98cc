"""The audit store, run the same way on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit_sink import crypto
from audit_sink.keys import FileKeyProvider
from audit_sink.store import MIGRATIONS, AuditStore, CallShreddedError
from contracts.audit import CallStarted
from offline_kit.bench.audit_samples import call_events

PHONE = "+41791234567"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def keys(tmp_path: Path) -> FileKeyProvider:
    return FileKeyProvider.create(tmp_path / "keys.json")


@pytest.fixture
def store(store_url: str, keys: FileKeyProvider) -> Iterator[AuditStore]:
    opened = AuditStore.open(store_url, keys)
    yield opened
    opened.close()


def test_events_round_trip_decrypted_in_order(store: AuditStore) -> None:
    """Stored events come back decrypted, equal to what was appended, in sequence order."""
    events = call_events("call-a", 6)
    store.append(events)
    assert store.events("call-a") == events
    assert store.verify().ok


def test_append_is_idempotent_on_message_id(store: AuditStore) -> None:
    """Appending the same events again (a redelivery) stores nothing new and keeps the chain valid."""
    events = call_events("call-a", 5)
    store.append(events[:3])
    result = store.append(events)
    assert (result.duplicates, result.chained) == (3, 2)
    store.append(events)
    assert [r.seq for r in store.records("call-a")] == [0, 1, 2, 3, 4]
    assert store.verify().ok


def test_out_of_order_events_chain_once_the_gap_fills(store: AuditStore) -> None:
    """Events that arrive before their predecessors wait unchained, then chain in sequence order."""
    events = call_events("call-a", 8)
    shuffled = events[:]
    random.Random(4).shuffle(shuffled)
    store.append(shuffled[:4])
    store.append(shuffled[4:6])
    store.append(shuffled[6:])
    assert store.events("call-a") == events
    report = store.verify()
    assert report.ok and report.unchained == 0 and report.records == 8


def test_phi_is_ciphertext_and_metadata_stays_queryable(store: AuditStore) -> None:
    """PHI fields exist only as ciphertext; ids, kinds, times and metrics are plain columns."""
    store.append(call_events("call-a", 5, name="Zoé Canari"))
    rows = store.db.execute("SELECT kind, payload, phi FROM events WHERE call_id = ? ORDER BY seq", ("call-a",))
    assert [row[0] for row in rows][:3] == ["call_started", "transcript_segment", "transcript_segment"]
    assert all("Canari" not in row[1] and "791234567" not in row[1] for row in rows)
    assert all(b"Canari" not in bytes(row[2]) for row in rows if row[2] is not None)
    metric = store.db.execute("SELECT payload FROM events WHERE kind = ?", ("latency_metric",))
    assert '"value_ms":640.0' in metric[0][0]


def test_editing_a_row_is_detected_at_its_position(store: AuditStore) -> None:
    """Changing one stored field breaks the chain exactly at that record."""
    store.append(call_events("call-a", 6) + call_events("call-b", 4))
    store.db.execute(
        "UPDATE events SET payload = ? WHERE call_id = ? AND seq = ?", ('{"kind":"greeting_played"}', "call-a", 3)
    )
    problems = store.verify().problems
    assert [(p.call_id, p.seq) for p in problems] == [("call-a", 3)]


def test_deleting_a_middle_row_or_the_tail_is_detected(store: AuditStore) -> None:
    """A missing record is located, whether in the middle of a call or at its end."""
    store.append(call_events("call-a", 6) + call_events("call-b", 4))
    store.db.execute("DELETE FROM events WHERE call_id = ? AND seq = ?", ("call-a", 2))
    store.db.execute("DELETE FROM events WHERE call_id = ? AND seq = ?", ("call-b", 3))
    located = {(p.call_id, p.seq) for p in store.verify().problems}
    assert ("call-a", 2) in located and ("call-b", 3) in located


def test_deleting_a_whole_call_is_detected(store: AuditStore) -> None:
    """Removing a call and its records is caught by the chain of call heads."""
    store.append(call_events("call-a", 3) + call_events("call-b", 3))
    store.db.execute("DELETE FROM events WHERE call_id = ?", ("call-b",))
    store.db.execute("DELETE FROM calls WHERE call_id = ?", ("call-b",))
    assert [p.call_id for p in store.verify().problems] == ["call-b"]


def test_reordering_rows_is_detected(store: AuditStore) -> None:
    """Swapping the sequence numbers of two records is detected at both positions (and the links after them)."""
    store.append(call_events("call-a", 7))
    for old, new in [(1, 100), (4, 1), (100, 4)]:
        store.db.execute("UPDATE events SET seq = ? WHERE call_id = ? AND seq = ?", (new, "call-a", old))
    # A moved record fails its own link, and the record after it no longer links to the hash it was chained to.
    assert {p.seq for p in store.verify().problems} == {1, 2, 4, 5}


def test_swapped_ciphertext_does_not_decrypt(store: AuditStore) -> None:
    """A record's ciphertext moved to another row fails to decrypt and fails verification."""
    store.append(call_events("call-a", 4))
    one, two = (store.db.execute("SELECT phi FROM events WHERE call_id = ? AND seq = ?", ("call-a", s))[0][0]
                for s in (1, 2))  # fmt: skip
    store.db.execute("UPDATE events SET phi = ? WHERE call_id = ? AND seq = ?", (two, "call-a", 1))
    store.db.execute("UPDATE events SET phi = ? WHERE call_id = ? AND seq = ?", (one, "call-a", 2))
    with pytest.raises(crypto.UndecryptableError):
        store.decrypt(store.records("call-a")[1])
    assert {p.seq for p in store.verify().problems} == {1, 2}


def test_erasure_shreds_the_call_keeps_the_chain_and_is_recorded(store: AuditStore) -> None:
    """Erasing a caller's calls by phone destroys their keys; others stay readable; verify passes; it is logged."""
    store.append(call_events("call-a", 4, phone=PHONE) + call_events("call-b", 4, phone="+41797654321"))
    store.append(call_events("call-c", 3, phone=PHONE))
    assert store.calls_of_caller(PHONE) == ["call-a", "call-c"]
    assert store.erase(store.calls_of_caller(PHONE), "dpo", "patient request") == ["call-a", "call-c"]
    with pytest.raises(CallShreddedError):
        store.events("call-a")
    assert len(store.events("call-b")) == 4
    assert store.verify().ok
    assert [e["action"] for e in store.access_log("call-a")] == ["erase"]
    assert store.db.execute("SELECT wrapped_key FROM calls WHERE call_id = ?", ("call-a",))[0][0] is None


def test_an_erased_call_no_longer_links_to_the_callers_number(store: AuditStore) -> None:
    """After erasure the caller's keyed hash is gone, and a late call_started does not bring it back."""
    store.append(call_events("call-a", 4, phone=PHONE))
    late = call_events("call-b", 4, phone=PHONE)
    assert isinstance(late[0].payload, CallStarted)
    store.append(late[1:])
    assert store.erase(["call-a", "call-b"], "dpo", "patient request") == ["call-a", "call-b"]
    store.append(late[:1])  # call-b's call_started, arriving after the erasure
    assert store.calls_of_caller(PHONE) == []
    assert store.db.execute("SELECT caller_hash FROM calls ORDER BY call_id") == [(None,), (None,)]
    assert store.verify().ok


def test_retention_finds_only_expired_calls(store: AuditStore) -> None:
    """Calls that started before the cutoff are expired; later ones are not."""
    store.append(call_events("old", 2, start=datetime(2001, 1, 1, tzinfo=UTC)))
    store.append(call_events("new", 2))
    assert store.expired_calls(datetime(2020, 1, 1, tzinfo=UTC)) == ["old"]


def test_rotation_then_rewrap_keeps_everything_readable(store: AuditStore, keys: FileKeyProvider) -> None:
    """After a rotation new calls use the new key, old ones still read, and a re-wrap moves them all."""
    old_id = keys.current_key_id()
    store.append(call_events("call-a", 3))
    new_id = keys.rotate()
    store.append(call_events("call-b", 3))
    assert store.key_usage() == {old_id: 1, new_id: 1}
    assert store.rewrap() == 1
    assert store.key_usage() == {new_id: 2}
    keys.retire(old_id)
    fresh = AuditStore(store.db, FileKeyProvider(keys.path))
    assert len(fresh.events("call-a")) == 3 and len(fresh.events("call-b")) == 3
    assert fresh.verify().ok


def test_migrations_are_versioned_and_rerunnable(store: AuditStore) -> None:
    """Opening an already migrated database applies nothing and reports the latest version."""
    assert store.db.migrate(MIGRATIONS) == []
    assert store.db.schema_version() == 3


def test_access_log_is_chained(store: AuditStore) -> None:
    """Reads and erasures are logged in a chain: deleting one access record is detected."""
    store.append(call_events("call-a", 3))
    store.record_access("alice", "show", "complaint", "call-a")
    store.record_access("bob", "export", "audit", "call-a")
    store.erase(["call-a"], "dpo", "patient request")
    assert store.verify().ok
    store.db.execute("DELETE FROM access_log WHERE actor = ?", ("bob",))
    assert [p.what for p in store.verify().problems] == ["access log entry 3 altered or removed"]


def test_concurrent_first_opens_migrate_once(store_url: str, keys: FileKeyProvider) -> None:
    """Sink replicas starting together on an empty database apply each migration exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: AuditStore.open(store_url, keys), range(4)))
    versions = stores[0].db.execute("SELECT version FROM schema_migrations ORDER BY version")
    assert [row[0] for row in versions] == [1, 2, 3]
    for opened in stores:
        opened.close()
