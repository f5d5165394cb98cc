"""One small database port over SQLite (default) and PostgreSQL (psycopg 3), with versioned migrations.

SQL is written once for both. Positional parameters use `?` (rewritten to `%s` for PostgreSQL); named parameters
use psycopg's `%(name)s` (rewritten to `:name` for SQLite). One connection, one lock: each service owns its own.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

CONNECT_TIMEOUT_S = 5
MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
PG_MIGRATION_LOCK = 7_400_410
_NAMED = re.compile(r"%\((\w+)\)s")

# Errors that say "try again later" (database down, locked, disk full), as opposed to a bad record.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError, psycopg.OperationalError)

Row = tuple[Any, ...]
Params = Sequence[Any] | Mapping[str, Any]


class UniqueViolation(Exception):
    """A unique constraint refused the write."""


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC text: sorts like time in both databases."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_text() -> str:
    return utc_text(datetime.now(UTC))


class Database:
    """A single connection, used by one thread at a time (the lock makes that so).

    `pg_options` are PostgreSQL session settings (for example statement and lock timeouts). With
    `statement_savepoints`, each PostgreSQL statement runs in its own savepoint, so that a refused one (a unique
    violation the caller handles) does not abort the transaction around it; it costs two round trips a statement.
    """

    dialect: str

    def __init__(self, url: str, *, pg_options: str | None = None, statement_savepoints: bool = False) -> None:
        self.url = url
        self._savepoints = statement_savepoints
        self._lock = threading.RLock()
        self._pg_options = pg_options
        if url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgres"
            self._pg: psycopg.Connection[Row] | None = None
            self._pg_conn()
        elif url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            self._sqlite = _open_sqlite(url.removeprefix("sqlite:///"))
        else:
            raise ValueError("database URL must start with sqlite:/// or postgresql://")

    def _pg_conn(self) -> psycopg.Connection[Row]:
        if self._pg is None or self._pg.closed:
            self._pg = psycopg.connect(
                self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, options=self._pg_options or ""
            )
        return self._pg

    def _sql(self, sql: str, params: Params) -> str:
        if self.dialect == "sqlite":
            return _NAMED.sub(r":\1", sql) if isinstance(params, Mapping) else sql
        return sql if isinstance(params, Mapping) else sql.replace("?", "%s")

    def execute(self, sql: str, params: Params = ()) -> list[Row]:
        with self._lock, _unique_violations():
            if self.dialect == "sqlite":
                return self._sqlite.execute(self._sql(sql, params), params).fetchall()
            conn = self._pg_conn()
            if not self._savepoints:
                cursor = conn.execute(self._sql(sql, params), params)
                return cursor.fetchall() if cursor.description else []
            with conn.transaction():
                cursor = conn.execute(self._sql(sql, params), params)
                return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if not rows:
            return
        with self._lock, _unique_violations():
            if self.dialect == "sqlite":
                self._sqlite.executemany(self._sql(sql, rows[0]), rows)
            else:
                with self._pg_conn().cursor() as cursor:
                    cursor.executemany(self._sql(sql, rows[0]), rows)

    @contextmanager
    def transaction(self, *, pg_lock: int | None = None) -> Iterator[None]:
        """A serialised write transaction: everything inside commits together or not at all. In PostgreSQL,
        `pg_lock` names an advisory lock held until the end (to order writers across processes)."""
        with self._lock:
            if self.dialect == "sqlite":
                self._sqlite.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self._sqlite.execute("ROLLBACK")
                    raise
                self._sqlite.execute("COMMIT")
                return
            conn = self._pg_conn()
            try:
                with conn.transaction():
                    if pg_lock is not None:
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (pg_lock,))
                    yield
            except psycopg.OperationalError:
                if conn.broken:
                    self._pg = None
                raise

    def migrate(self, directory: Path) -> list[int]:
        """Apply the pending versioned migrations (`NNNN_name.sql`) of `directory/<dialect>`, or of `directory`
        itself when the SQL is the same for both, each in its own transaction."""
        if (directory / self.dialect).is_dir():
            directory = directory / self.dialect
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
                for path in sorted(directory.iterdir()):
                    match = MIGRATION_FILE.match(path.name)
                    if match is None or int(match.group(1)) in done:
                        continue
                    if self._apply(int(match.group(1)), path):
                        applied.append(int(match.group(1)))
            finally:
                if self.dialect == "postgres":
                    self._pg_conn().execute("SELECT pg_advisory_unlock(%s)", (PG_MIGRATION_LOCK,))
        return applied

    def _apply(self, version: int, path: Path) -> bool:
        with self.transaction():
            # Another process may have applied it while this one waited for the write lock.
            if self.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                return False
            for statement in _statements(path.read_text()):
                self.execute(statement)
            self.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, path.stem, now_text()),
            )
        return True

    def schema_version(self) -> int:
        rows = self.execute("SELECT MAX(version) FROM schema_migrations")
        return int(rows[0][0] or 0)

    def reclaim(self, table: str) -> None:
        """Make deleted rows unrecoverable from the files: checkpoint the WAL, or VACUUM in PostgreSQL."""
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


@contextmanager
def _unique_violations() -> Iterator[None]:
    try:
        yield
    except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation) as exc:
        raise UniqueViolation from exc


def _open_sqlite(path_text: str) -> sqlite3.Connection:
    if path_text != ":memory:":
        path = Path(path_text)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only from the start (patients' data); SQLite gives the -wal and -shm files the same mode.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    connection = sqlite3.connect(path_text, isolation_level=None, check_same_thread=False, timeout=30)
    _enter_wal(connection)
    for pragma in ("synchronous=FULL", "secure_delete=ON", "busy_timeout=30000"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


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
