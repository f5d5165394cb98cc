"""One small database port over SQLite (default) and PostgreSQL, with versioned migrations.

SQL is written once with `?` placeholders; the PostgreSQL adapter turns them into `%s`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
PG_MIGRATION_LOCK = 7_400_410
PG_APPEND_LOCK = 7_400_411
CONNECT_TIMEOUT_S = 5

# Errors that say "try again later" (database down, locked, disk full), as opposed to a bad record.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError, psycopg.OperationalError)

Row = tuple[Any, ...]


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC text: sorts like time in both databases."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_text() -> str:
    return utc_text(datetime.now(UTC))


class Database:
    """A single connection, used by one thread at a time (the lock makes that so)."""

    dialect: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        if url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgres"
            self._pg: psycopg.Connection[Row] | None = None
        elif url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            self.path = path
            # Owner-only from the start; SQLite gives the -wal and -shm files the same mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            self._sqlite = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            _enter_wal(self._sqlite)
            for pragma in ("synchronous=FULL", "secure_delete=ON", "busy_timeout=30000"):
                self._sqlite.execute(f"PRAGMA {pragma}")
        else:
            raise ValueError("audit database URL must start with sqlite:/// or postgresql://")

    def _pg_conn(self) -> psycopg.Connection[Row]:
        if self._pg is None or self._pg.closed:
            self._pg = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        return self._pg

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            if self.dialect == "sqlite":
                return self._sqlite.execute(sql, params).fetchall()
            cursor = self._pg_conn().execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self._lock:
            if self.dialect == "sqlite":
                self._sqlite.executemany(sql, rows)
            else:
                with self._pg_conn().cursor() as cursor:
                    cursor.executemany(sql.replace("?", "%s"), rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction; in PostgreSQL it also takes the append lock that orders the chain of call heads."""
        with self._lock:
            if self.dialect == "sqlite":
                self._sqlite.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self._sqlite.execute("ROLLBACK")
                    raise
                self._sqlite.execute("COMMIT")
            else:
                conn = self._pg_conn()
                try:
                    with conn.transaction():
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PG_APPEND_LOCK,))
                        yield
                except psycopg.OperationalError:
                    if conn.broken:
                        self._pg = None
                    raise

    def migrate(self) -> list[int]:
        """Apply the pending versioned migrations of this dialect, each in its own transaction."""
        applied: list[int] = []
        with self._lock:
            if self.dialect == "postgres":
                self._pg_conn().execute("SELECT pg_advisory_lock(%s)", (PG_MIGRATION_LOCK,))
            try:
                self.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                    "applied_at TEXT NOT NULL)"
                )
                done = {row[0] for row in self.execute("SELECT version FROM schema_migrations")}
                for path in sorted((MIGRATIONS / self.dialect).iterdir()):
                    match = MIGRATION_FILE.match(path.name)
                    if match is None or int(match.group(1)) in done:
                        continue
                    version = int(match.group(1))
                    with self.transaction():
                        # Another process may have applied it while this one waited for the write lock.
                        if self.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                            continue
                        for statement in _statements(path.read_text()):
                            self.execute(statement)
                        self.execute(
                            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                            (version, path.stem, now_text()),
                        )
                    applied.append(version)
            finally:
                if self.dialect == "postgres":
                    self._pg_conn().execute("SELECT pg_advisory_unlock(%s)", (PG_MIGRATION_LOCK,))
        return applied

    def schema_version(self) -> int:
        rows = self.execute("SELECT MAX(version) FROM schema_migrations")
        return int(rows[0][0] or 0)

    def reclaim(self, table: str) -> None:
        """Make deleted key material unrecoverable from the files: checkpoint the WAL, or VACUUM in PostgreSQL."""
        with self._lock:
            if self.dialect == "sqlite":
                self._sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                self._pg_conn().execute(f"VACUUM {table}")

    def close(self) -> None:
        with self._lock:
            if self.dialect == "sqlite":
                self._sqlite.close()
            elif self._pg is not None:
                self._pg.close()


def _statements(script: str) -> Iterator[str]:
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement.strip()


def _enter_wal(connection: sqlite3.Connection, attempts: int = 100, pause_s: float = 0.05) -> None:
    """Switch to WAL. On a fresh file, replicas opening together race for the exclusive lock this takes, and SQLite
    answers the loser "database is locked" at once instead of waiting on the busy timeout: so try again, briefly."""
    for attempt in range(attempts):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(pause_s)
