-- The reference scheduling API's tables: the same SQL for SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS appointments (
    id TEXT PRIMARY KEY, start_at TEXT NOT NULL, day TEXT NOT NULL, duration_minutes INTEGER NOT NULL,
    practitioner TEXT, location TEXT, patient_name TEXT NOT NULL, phone TEXT NOT NULL, reason TEXT NOT NULL,
    status TEXT NOT NULL, created_at TEXT NOT NULL, cancelled_at TEXT);
-- One booking per slot; cancelled rows free the slot again.
CREATE UNIQUE INDEX IF NOT EXISTS appointments_one_per_slot ON appointments (start_at) WHERE status = 'booked';
CREATE INDEX IF NOT EXISTS appointments_by_phone_day ON appointments (phone, day);
CREATE TABLE IF NOT EXISTS sms_outbox (
    id TEXT PRIMARY KEY, phone TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status_code INTEGER NOT NULL, body TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS closed_days (day TEXT PRIMARY KEY);
