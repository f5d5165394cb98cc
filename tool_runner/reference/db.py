"""A tiny SQL port over SQLite (default) and PostgreSQL (psycopg 3), with one set of statements for both.

Statements use psycopg's `%(name)s` placeholders; for SQLite they are rewritten to `:name`. One connection,
one lock: the reference API is a reference, not a high-volume service.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

_NAMED = re.compile(r"%\((\w+)\)s")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS appointments (
        id TEXT PRIMARY KEY, start_at TEXT NOT NULL, day TEXT NOT NULL, duration_minutes INTEGER NOT NULL,
        practitioner TEXT, location TEXT, patient_name TEXT NOT NULL, phone TEXT NOT NULL, reason TEXT NOT NULL,
        status TEXT NOT NULL, created_at TEXT NOT NULL, cancelled_at TEXT)""",
    # One booking per slot; cancelled rows free the slot again.
    "CREATE UNIQUE INDEX IF NOT EXISTS appointments_one_per_slot ON appointments (start_at) WHERE status = 'booked'",
    "CREATE INDEX IF NOT EXISTS appointments_by_phone_day ON appointments (phone, day)",
    """CREATE TABLE IF NOT EXISTS sms_outbox (
        id TEXT PRIMARY KEY, phone TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status_code INTEGER NOT NULL, body TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS closed_days (day TEXT PRIMARY KEY)",
)


class UniqueViolation(Exception):
    """A unique constraint refused the write (the slot is taken)."""


class Cursor(Protocol):
    def fetchall(self) -> list[Any]: ...


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.RLock()
        self.dialect = "postgresql" if url.startswith(("postgresql://", "postgres://")) else "sqlite"
        self._conn: Any
        if self.dialect == "postgresql":
            import psycopg

            self._conn = psycopg.connect(
                url, connect_timeout=5, autocommit=True, options="-c statement_timeout=5000 -c lock_timeout=3000"
            )
        else:
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # patients' data: owner-only from creation
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        with self.transaction():
            for statement in SCHEMA:
                self.execute(statement)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        if self.dialect == "sqlite":
            sql = _NAMED.sub(r":\1", sql)
        try:
            if self.dialect == "sqlite":
                cursor = self._conn.execute(sql, dict(params or {}))
            else:  # a savepoint per statement: a refused insert must not abort the whole transaction
                with self._conn.transaction():
                    cursor = self._conn.execute(sql, dict(params or {}))
                    return list(cursor.fetchall()) if cursor.description else []
        except sqlite3.IntegrityError as exc:
            raise UniqueViolation from exc
        except Exception as exc:
            if type(exc).__name__ == "UniqueViolation":
                raise UniqueViolation from exc
            raise
        return list(cursor.fetchall()) if cursor.description else []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Serialised and atomic: everything inside commits together or not at all."""
        with self.lock:
            if self.dialect == "sqlite":
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            else:
                with self._conn.transaction():
                    yield

    def close(self) -> None:
        with self.lock:
            self._conn.close()
