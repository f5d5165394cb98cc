"""The reference scheduling API's database: SQLite (default) or PostgreSQL, through the shared SQL port."""

from __future__ import annotations

from pathlib import Path

from runtime.sql import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# A reference, not a high-volume service: bound every statement and lock wait in PostgreSQL.
PG_OPTIONS = "-c statement_timeout=5000 -c lock_timeout=3000"


def open_database(url: str) -> Database:
    """Connect and bring the schema up to date. Each statement has its own savepoint: a refused booking (the slot
    is taken) is answered, and recorded for its webhook-id, in the same transaction."""
    db = Database(url, pg_options=PG_OPTIONS, statement_savepoints=True)
    db.migrate(MIGRATIONS)
    return db
