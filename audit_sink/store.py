"""The audit store: encrypted, hash-chained call records in SQLite or PostgreSQL.

Appends are idempotent on the event's call id and sequence: the first event stored there is kept, and one that arrives
later with other content (by digest of its bytes) is reported as a conflict. Each call's records form an HMAC chain in
sequence order; a record that arrives before its predecessor waits unchained until the gap fills. Every advance of a
call's head is written to `head_log`, itself a chain, so deleting a call or the tail of one is detected too.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from audit_sink import crypto
from audit_sink.keys import KeyProvider
from contracts.audit import AuditEvent, CallStarted
from runtime.sql import Database, now_text, utc_text

MIGRATIONS = Path(__file__).parent / "migrations"
PG_APPEND_LOCK = 7_400_411  # orders writers across sink replicas: the chain of call heads is appended in one order

_EVENT_COLUMNS = "call_id, seq, message_id, event_id, kind, occurred_at, payload, phi, record_hash, stored_at"


_INSERT_EVENT = (
    f"INSERT INTO events ({_EVENT_COLUMNS}, digest, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)


ERASED_MARKER = b""
ACCESS_LOG = "(access log)"  # the call id of problems found in the access log


class CallShreddedError(RuntimeError):
    """The call's data key was destroyed: its PHI can no longer be read by anyone."""


@dataclass(frozen=True)
class StoredRecord:
    call_id: str
    seq: int
    message_id: str
    event_id: str
    kind: str
    occurred_at: str
    payload: str
    phi: bytes | None
    record_hash: bytes | None
    stored_at: str

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> StoredRecord:
        phi, record_hash = (bytes(v) if v is not None else None for v in (row[7], row[8]))
        return cls(row[0], int(row[1]), row[2], row[3], row[4], row[5], row[6], phi, record_hash, row[9])

    def chain_fields(self) -> list[Any]:
        return [self.call_id, self.seq, self.message_id, self.event_id, self.kind, self.occurred_at, self.payload,
                self.phi]  # fmt: skip


@dataclass(frozen=True)
class Received:
    """An event as it arrived: the digest of its bytes (what a duplicate is compared by) and its signature."""

    event: AuditEvent
    digest: str
    signature: str | None = None

    @classmethod
    def of(cls, event: AuditEvent, data: bytes | None = None, signature: str | None = None) -> Received:
        data = data if data is not None else event.model_dump_json().encode()
        return cls(event, hashlib.sha256(data).hexdigest(), signature)


@dataclass(frozen=True)
class CallSummary:
    call_id: str
    first_at: str
    events: int
    head_seq: int
    key_id: str | None
    shredded_at: str | None


@dataclass(frozen=True)
class Problem:
    call_id: str
    seq: int | None
    what: str


@dataclass
class VerifyReport:
    calls: int = 0
    records: int = 0
    unchained: int = 0
    problems: list[Problem] = field(default_factory=list)
    # The last head-log entry: write it down elsewhere (ticket, e-mail) so a truncated tail is caught later too.
    anchor: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AppendResult:
    received: int
    duplicates: int
    chained: int
    conflicts: list[tuple[str, int]] = field(default_factory=list)  # (call id, seq) held with other content


class AuditStore:
    def __init__(self, db: Database, keys: KeyProvider) -> None:
        self.db = db
        self.keys = keys
        self._data_keys: dict[tuple[str, bytes], bytes] = {}

    @classmethod
    def open(cls, url: str, keys: KeyProvider) -> AuditStore:
        db = Database(url)
        db.migrate(MIGRATIONS)
        return cls(db, keys)

    def close(self) -> None:
        self.db.close()

    # -- keys ------------------------------------------------------------------------------------------------
    def _data_key(self, call_id: str, key_id: str | None, wrapped: bytes | None) -> bytes | None:
        if key_id is None or wrapped is None:
            return None
        cache_key = (call_id, wrapped)
        if (data_key := self._data_keys.get(cache_key)) is None:
            data_key = crypto.unwrap_data_key(self.keys.master_key(key_id), key_id, call_id, wrapped)
            if len(self._data_keys) > 10_000:
                self._data_keys.clear()
            self._data_keys[cache_key] = data_key
        return data_key

    def caller_hash(self, e164_phone: str) -> str:
        return crypto.keyed_hash(self.keys.index_key(), "caller", e164_phone)

    # -- writing ---------------------------------------------------------------------------------------------
    def append(self, events: Iterable[AuditEvent | Received]) -> AppendResult:
        """Store a batch in one transaction: encrypt PHI fields, insert idempotently, extend the chains. An event at
        a call and sequence already held is a duplicate; with another digest, also a conflict (the first is kept)."""
        by_call: dict[str, dict[int, Received]] = defaultdict(dict)
        received = duplicates = chained = 0
        conflicts: list[tuple[str, int]] = []
        for item in events:
            received += 1
            arrived = item if isinstance(item, Received) else Received.of(item)
            first = by_call[arrived.event.call_id].setdefault(arrived.event.seq, arrived)
            if first is not arrived:
                duplicates += 1
                if first.digest != arrived.digest:
                    conflicts.append((arrived.event.call_id, arrived.event.seq))
        chain_key = crypto.chain_key(self.keys.index_key())
        with self.db.transaction(pg_lock=PG_APPEND_LOCK):
            advanced: list[tuple[str, int, bytes]] = []
            for call_id in sorted(by_call):
                batch = [by_call[call_id][seq] for seq in sorted(by_call[call_id])]
                head_seq, head_hash, data_key = self._call_for_append(call_id, batch[0].event)
                held = self._held_digests(call_id, batch[0].event.seq, batch[-1].event.seq)
                rows = []
                for arrived in batch:
                    seq = arrived.event.seq
                    if seq <= head_seq or seq in held:
                        duplicates += 1
                        if held.get(seq) not in (None, arrived.digest):  # no digest: stored before migration 3
                            conflicts.append((call_id, seq))
                        continue
                    rows.append(self._row(arrived, data_key))
                self.db.executemany(_INSERT_EVENT, rows)
                new_seq, new_hash, count = self._extend_chain(chain_key, call_id, head_seq, head_hash)
                if count:
                    chained += count
                    advanced.append((call_id, new_seq, new_hash))
            self._log_heads(chain_key, advanced)
        return AppendResult(received, duplicates, chained, conflicts)

    def _held_digests(self, call_id: str, first_seq: int, last_seq: int) -> dict[int, str | None]:
        rows = self.db.execute(
            "SELECT seq, digest FROM events WHERE call_id = ? AND seq >= ? AND seq <= ?", (call_id, first_seq, last_seq)
        )
        return {int(seq): digest for seq, digest in rows}

    def _call_for_append(self, call_id: str, first: AuditEvent) -> tuple[int, bytes, bytes | None]:
        found = self.db.execute(
            "SELECT key_id, wrapped_key, head_seq, head_hash FROM calls WHERE call_id = ?", (call_id,)
        )
        if found:
            key_id, wrapped, head_seq, head_hash = found[0]
            wrapped = bytes(wrapped) if wrapped is not None else None
            return int(head_seq), bytes(head_hash), self._data_key(call_id, key_id, wrapped)
        key_id = self.keys.current_key_id()
        data_key = crypto.new_data_key()
        wrapped = crypto.wrap_data_key(self.keys.master_key(key_id), key_id, call_id, data_key)
        self.db.execute(
            "INSERT INTO calls (call_id, key_id, wrapped_key, first_at, created_at, head_seq, head_hash) "
            "VALUES (?, ?, ?, ?, ?, -1, ?)",
            (call_id, key_id, wrapped, utc_text(first.occurred_at), now_text(), crypto.GENESIS),
        )
        self._data_keys[(call_id, wrapped)] = data_key
        return -1, crypto.GENESIS, data_key

    def _row(self, arrived: Received, data_key: bytes | None) -> tuple[Any, ...]:
        event = arrived.event
        payload = event.payload.model_dump(mode="json")
        secret = {name: payload.pop(name) for name in type(event.payload).phi_fields}
        phi = None
        if secret and data_key:
            phi = crypto.encrypt_fields(data_key, event.call_id, event.seq, event.kind, secret)
        elif secret:
            # The call was erased before these events arrived: their PHI is dropped (there is no key to keep it
            # under) and the empty marker makes readers report the call as erased.
            phi = ERASED_MARKER
        if isinstance(event.payload, CallStarted) and event.payload.caller_phone is not None and data_key:
            self.db.execute(
                "UPDATE calls SET caller_hash = ? WHERE call_id = ?",
                (self.caller_hash(event.payload.caller_phone.reveal()), event.call_id),
            )
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        return (event.call_id, event.seq, event.dedup_id, event.message_id, event.kind, utc_text(event.occurred_at),
                body, phi, None, now_text(), arrived.digest, arrived.signature)  # fmt: skip

    def _extend_chain(self, chain_key: bytes, call_id: str, head_seq: int, head_hash: bytes) -> tuple[int, bytes, int]:
        pending = self.db.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE call_id = ? AND seq > ? AND record_hash IS NULL ORDER BY seq",
            (call_id, head_seq),
        )
        updates = []
        for row in pending:
            record = StoredRecord.from_row(row)
            if record.seq != head_seq + 1:
                break
            head_hash = crypto.link(chain_key, head_hash, record.chain_fields())
            head_seq = record.seq
            updates.append((head_hash, record.message_id))
        if updates:
            self.db.executemany("UPDATE events SET record_hash = ? WHERE message_id = ?", updates)
            self.db.execute(
                "UPDATE calls SET head_seq = ?, head_hash = ? WHERE call_id = ?", (head_seq, head_hash, call_id)
            )
        return head_seq, head_hash, len(updates)

    def _log_heads(self, chain_key: bytes, advanced: list[tuple[str, int, bytes]]) -> None:
        if not advanced:
            return
        last = self.db.execute("SELECT entry_hash FROM head_log ORDER BY id DESC LIMIT 1")
        previous = bytes(last[0][0]) if last else crypto.GENESIS
        rows = []
        now = now_text()
        for call_id, seq, record_hash in advanced:
            previous = crypto.link(chain_key, previous, [call_id, seq, record_hash])
            rows.append((call_id, seq, record_hash, previous, now))
        self.db.executemany(
            "INSERT INTO head_log (call_id, seq, record_hash, entry_hash, logged_at) VALUES (?, ?, ?, ?, ?)", rows
        )

    # -- reading ---------------------------------------------------------------------------------------------
    def records(self, call_id: str) -> list[StoredRecord]:
        rows = self.db.execute(f"SELECT {_EVENT_COLUMNS} FROM events WHERE call_id = ? ORDER BY seq", (call_id,))
        return [StoredRecord.from_row(row) for row in rows]

    def decrypt(self, record: StoredRecord) -> AuditEvent:
        """Rebuild the event with its PHI fields; raises CallShreddedError or crypto.UndecryptableError."""
        payload: dict[str, Any] = json.loads(record.payload)
        if record.phi is not None:
            found = self.db.execute("SELECT key_id, wrapped_key FROM calls WHERE call_id = ?", (record.call_id,))
            key_id, wrapped = found[0] if found else (None, None)
            data_key = self._data_key(record.call_id, key_id, bytes(wrapped) if wrapped is not None else None)
            if data_key is None or record.phi == ERASED_MARKER:
                raise CallShreddedError(f"call {record.call_id} was erased")
            payload |= crypto.decrypt_fields(data_key, record.call_id, record.seq, record.kind, record.phi)
        return AuditEvent.model_validate(
            {
                "message_id": record.event_id,
                "call_id": record.call_id,
                "seq": record.seq,
                "occurred_at": record.occurred_at,
                "payload": payload,
            }
        )

    def signature(self, record: StoredRecord) -> str | None:
        """The voice worker's signature of the record's event, as it arrived (None: stored unsigned or before
        signatures existed)."""
        found = self.db.execute("SELECT signature FROM events WHERE message_id = ?", (record.message_id,))
        return found[0][0] if found else None

    def events(self, call_id: str) -> list[AuditEvent]:
        """The call's events in order, decrypted."""
        return [self.decrypt(record) for record in self.records(call_id)]

    def calls(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 1000
    ) -> list[CallSummary]:
        rows = self.db.execute(
            "SELECT c.call_id, c.first_at, (SELECT COUNT(*) FROM events e WHERE e.call_id = c.call_id), c.head_seq, "
            "c.key_id, c.shredded_at FROM calls c WHERE c.first_at >= ? AND c.first_at < ? "
            "ORDER BY c.first_at, c.call_id LIMIT ?",
            (utc_text(since) if since else "", utc_text(until) if until else "~", limit),
        )
        return [CallSummary(r[0], r[1], int(r[2]), int(r[3]), r[4], r[5]) for r in rows]

    def event_records(self, since: datetime, until: datetime) -> Iterator[StoredRecord]:
        rows = self.db.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at, "
            "call_id, seq",
            (utc_text(since), utc_text(until)),
        )
        return (StoredRecord.from_row(row) for row in rows)

    def calls_of_caller(self, e164_phone: str) -> list[str]:
        rows = self.db.execute(
            "SELECT call_id FROM calls WHERE caller_hash = ? ORDER BY first_at", (self.caller_hash(e164_phone),)
        )
        return [row[0] for row in rows]

    # -- verification ----------------------------------------------------------------------------------------
    def verify(self) -> VerifyReport:
        """Recompute every call's chain and the chain of call heads; report each break with its position."""
        chain_key = crypto.chain_key(self.keys.index_key())
        report = VerifyReport()
        heads: dict[str, tuple[int, bytes]] = {}
        for call_id, head_seq, head_hash in self.db.execute("SELECT call_id, head_seq, head_hash FROM calls"):
            report.calls += 1
            heads[call_id] = (int(head_seq), bytes(head_hash))
            self._verify_call(chain_key, call_id, report)
        self._verify_head_log(chain_key, heads, report)
        self._verify_access_log(chain_key, report)
        return report

    def _verify_access_log(self, chain_key: bytes, report: VerifyReport) -> None:
        previous = crypto.GENESIS
        for entry_id, *fields, entry_hash in self.db.execute(
            "SELECT id, at, actor, action, reason, call_id, detail, entry_hash FROM access_log ORDER BY id"
        ):
            if entry_hash is None:  # written before migration 2 introduced the chain
                if previous != crypto.GENESIS:
                    report.problems.append(Problem(ACCESS_LOG, None, f"access log entry {entry_id} unchained"))
                continue
            if crypto.link(chain_key, previous, fields) != bytes(entry_hash):
                report.problems.append(Problem(ACCESS_LOG, None, f"access log entry {entry_id} altered or removed"))
            previous = bytes(entry_hash)

    def _verify_call(self, chain_key: bytes, call_id: str, report: VerifyReport) -> None:
        previous, expected, unchained_from = crypto.GENESIS, 0, None
        for record in self.records(call_id):
            report.records += 1
            if record.record_hash is None:
                report.unchained += 1
                unchained_from = record.seq if unchained_from is None else unchained_from
                continue
            if unchained_from is not None:
                report.problems.append(Problem(call_id, unchained_from, "record unchained before chained records"))
                unchained_from = None
            if record.seq != expected:
                report.problems.append(Problem(call_id, expected, f"record missing (next found: seq {record.seq})"))
            elif crypto.link(chain_key, previous, record.chain_fields()) != record.record_hash:
                report.problems.append(Problem(call_id, record.seq, "record altered or out of order"))
            previous, expected = record.record_hash, record.seq + 1

    def _verify_head_log(self, chain_key: bytes, heads: dict[str, tuple[int, bytes]], report: VerifyReport) -> None:
        previous = crypto.GENESIS
        latest: dict[str, tuple[int, bytes]] = {}
        for entry_id, call_id, seq, record_hash, entry_hash in self.db.execute(
            "SELECT id, call_id, seq, record_hash, entry_hash FROM head_log ORDER BY id"
        ):
            expected = crypto.link(chain_key, previous, [call_id, int(seq), bytes(record_hash)])
            if expected != bytes(entry_hash):
                report.problems.append(Problem(call_id, int(seq), f"head log entry {entry_id} altered or removed"))
            previous = bytes(entry_hash)
            latest[call_id] = (int(seq), bytes(record_hash))
        report.anchor = previous.hex()
        for call_id, (seq, record_hash) in latest.items():
            if call_id not in heads:
                report.problems.append(Problem(call_id, None, "call removed (present in the head log)"))
                continue
            found = self.db.execute("SELECT record_hash FROM events WHERE call_id = ? AND seq = ?", (call_id, seq))
            if not found or found[0][0] is None or bytes(found[0][0]) != record_hash:
                report.problems.append(Problem(call_id, seq, "head record missing or altered (head log)"))
            elif heads[call_id] != (seq, record_hash):
                report.problems.append(Problem(call_id, heads[call_id][0], "call head differs from the head log"))
        for call_id, (head_seq, _) in heads.items():
            if head_seq >= 0 and call_id not in latest:
                report.problems.append(Problem(call_id, head_seq, "call head missing from the head log"))

    # -- access, erasure, retention, rotation ----------------------------------------------------------------
    def record_access(self, actor: str, action: str, reason: str, call_id: str | None, detail: str = "") -> None:
        with self.db.transaction(pg_lock=PG_APPEND_LOCK):
            self._insert_access(actor, action, reason, call_id, detail)

    def _insert_access(self, actor: str, action: str, reason: str, call_id: str | None, detail: str) -> None:
        """Append to the access log, chained like the records (call inside a write transaction)."""
        last = self.db.execute(
            "SELECT entry_hash FROM access_log WHERE entry_hash IS NOT NULL ORDER BY id DESC LIMIT 1"
        )
        previous = bytes(last[0][0]) if last else crypto.GENESIS
        fields = [now_text(), actor, action, reason, call_id, detail]
        entry_hash = crypto.link(crypto.chain_key(self.keys.index_key()), previous, fields)
        self.db.execute(
            "INSERT INTO access_log (at, actor, action, reason, call_id, detail, entry_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*fields, entry_hash),
        )

    def access_log(self, call_id: str | None = None) -> list[dict[str, Any]]:
        columns = ("at", "actor", "action", "reason", "call_id", "detail")
        query = f"SELECT {', '.join(columns)} FROM access_log"
        rows = (
            self.db.execute(query + " WHERE call_id = ? ORDER BY id", (call_id,))
            if call_id is not None
            else self.db.execute(query + " ORDER BY id")
        )
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def erase(self, call_ids: Sequence[str], actor: str, reason: str) -> list[str]:
        """Crypto-shred calls by destroying their data keys; the chains still verify. Returns the calls erased."""
        erased = []
        with self.db.transaction(pg_lock=PG_APPEND_LOCK):
            for call_id in call_ids:
                found = self.db.execute(
                    "SELECT call_id FROM calls WHERE call_id = ? AND shredded_at IS NULL", (call_id,)
                )
                if not found:
                    continue
                # The caller hash goes too: nothing left links the call to a phone number.
                self.db.execute(
                    "UPDATE calls SET key_id = NULL, wrapped_key = NULL, caller_hash = NULL, shredded_at = ?, "
                    "shred_reason = ? WHERE call_id = ?",
                    (now_text(), reason, call_id),
                )
                self._insert_access(actor, "erase", reason, call_id, "data key destroyed")
                erased.append(call_id)
        self._data_keys = {k: v for k, v in self._data_keys.items() if k[0] not in set(erased)}
        if erased:
            self.db.reclaim("calls")
        return erased

    def expired_calls(self, cutoff: datetime) -> list[str]:
        rows = self.db.execute(
            "SELECT call_id FROM calls WHERE first_at < ? AND shredded_at IS NULL ORDER BY first_at",
            (utc_text(cutoff),),
        )
        return [row[0] for row in rows]

    def rewrap(self, batch_size: int = 500) -> int:
        """Re-wrap every data key under the current master key, online, in small transactions. Returns the count."""
        moved = 0
        while True:
            current = self.keys.current_key_id()
            master = self.keys.master_key(current)
            rows = self.db.execute(
                "SELECT call_id, key_id, wrapped_key FROM calls WHERE key_id <> ? AND wrapped_key IS NOT NULL LIMIT ?",
                (current, batch_size),
            )
            if not rows:
                return moved
            with self.db.transaction(pg_lock=PG_APPEND_LOCK):
                for call_id, key_id, wrapped in rows:
                    data_key = crypto.unwrap_data_key(self.keys.master_key(key_id), key_id, call_id, bytes(wrapped))
                    rewrapped = crypto.wrap_data_key(master, current, call_id, data_key)
                    self.db.execute(
                        "UPDATE calls SET key_id = ?, wrapped_key = ? WHERE call_id = ? AND key_id = ?",
                        (current, rewrapped, call_id, key_id),
                    )
                    moved += 1

    def key_usage(self) -> dict[str, int]:
        rows = self.db.execute("SELECT key_id, COUNT(*) FROM calls WHERE key_id IS NOT NULL GROUP BY key_id")
        return {row[0]: int(row[1]) for row in rows}
