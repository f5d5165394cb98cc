"""`camille audit ...` on a real SQLite store: reading is recorded, tampering fails verify, erasure and retention."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit_sink.bootstrap import build_store
from audit_sink.cli import app
from audit_sink.settings import AuditSinkSettings
from offline_kit.bench.audit_samples import call_events
from runtime.bus import EmbeddedNats
from tests.nats_sync import settled

PHONE = "+41795551234"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with three calls, two of them from the same caller, one from 2001."""
    monkeypatch.setenv("CAMILLE_DATA_DIR", str(tmp_path))
    store = build_store(AuditSinkSettings(data_dir=tmp_path))
    store.append(call_events("call-a", 5, phone=PHONE))
    store.append(call_events("call-b", 5, phone="+41797654321"))
    store.append(call_events("call-c", 4, phone=PHONE, start=datetime(2001, 5, 1, tzinfo=UTC)))
    store.close()
    return tmp_path


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_show_requires_a_reason_and_records_the_access(data_dir: Path) -> None:
    """`show` refuses without --reason, otherwise prints decrypted JSON lines and logs who read it and why."""
    code, _ = run("show", "call-a")
    assert code != 0
    code, output = run("show", "call-a", "--reason", "patient complaint 42", "--actor", "dr-fillion")
    assert code == 0
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert [line["seq"] for line in lines] == [0, 1, 2, 3, 4]
    assert lines[0]["payload"]["caller_phone"] == PHONE
    access = build_store(AuditSinkSettings(data_dir=data_dir)).access_log("call-a")
    assert [(a["actor"], a["action"], a["reason"]) for a in access] == [("dr-fillion", "show", "patient complaint 42")]


def test_access_log_prints_every_recorded_read_and_erasure(data_dir: Path) -> None:
    """`access-log` prints the chained log as JSON lines, all of it or one call's, with who, what and why."""
    run("show", "call-a", "--reason", "complaint", "--actor", "dr-fillion")
    run("erase", "call-b", "--reason", "patient request", "--actor", "dpo")
    code, output = run("access-log")
    entries = [json.loads(line) for line in output.splitlines()]
    assert code == 0 and [(e["actor"], e["action"], e["call_id"]) for e in entries] == [
        ("dr-fillion", "show", "call-a"), ("dpo", "erase", "call-b")
    ]  # fmt: skip
    code, output = run("access-log", "--call", "call-b")
    assert [json.loads(line)["reason"] for line in output.splitlines()] == ["patient request"]


def test_export_writes_private_json_lines(data_dir: Path) -> None:
    """`export` writes one decrypted event per line to a 0600 file and records the access."""
    out = data_dir / "export.jsonl"
    code, _ = run("export", "--call", "call-b", "--out", str(out), "--reason", "audit")
    assert code == 0
    assert len(out.read_text().splitlines()) == 5 and out.stat().st_mode & 0o077 == 0
    assert build_store(AuditSinkSettings(data_dir=data_dir)).access_log("call-b")[0]["action"] == "export"


def test_verify_passes_then_fails_on_a_tampered_row(data_dir: Path) -> None:
    """`verify` exits 0 on an intact store and 1, naming the call and position, after a row is edited."""
    assert run("verify")[0] == 0
    store = build_store(AuditSinkSettings(data_dir=data_dir))
    store.db.execute("UPDATE events SET occurred_at = ? WHERE call_id = ? AND seq = ?", ("2026", "call-b", 2))
    code, output = run("verify")
    assert code == 1
    assert {"call_id": "call-b", "seq": 2, "what": "record altered or out of order"} in [
        json.loads(line) for line in output.splitlines() if line.startswith("{")
    ]


def test_erase_by_phone_shreds_that_callers_calls_only(data_dir: Path) -> None:
    """`erase --by-phone` reads the number from stdin, shreds its calls, and the chain still verifies."""
    code, output = run("erase", "--by-phone", "--reason", "patient request", stdin="+41 79 555 12 34\n")
    assert code == 0 and "call-a" in output and "call-c" in output and "call-b" not in output
    code, output = run("show", "call-a", "--reason", "check")
    assert '"phi": "erased"' in output and PHONE not in output
    assert run("verify")[0] == 0


def test_retention_shreds_calls_older_than_the_period(data_dir: Path) -> None:
    """`retention --days 3650` shreds only the 2001 call."""
    code, output = run("retention", "--days", "3650")
    assert code == 0 and json.loads(output)["expired"] == 1
    calls = {c["call_id"]: c for c in map(json.loads, run("list")[1].splitlines())}
    assert calls["call-c"]["shredded_at"] and not calls["call-a"]["shredded_at"]


def shredded(data_dir: Path) -> set[str]:
    return {c["call_id"] for c in map(json.loads, run("list")[1].splitlines()) if c["shredded_at"]}


def test_retention_under_the_floor_is_refused_without_force(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A period under 365 days, given or from the setting, shreds nothing unless --force; a dry run is allowed."""
    code, output = run("retention", "--days", "30")
    assert code == 2 and "--force" in output
    monkeypatch.setenv("CAMILLE_AUDIT_RETENTION_DAYS", "364")
    assert run("retention")[0] == 2
    assert shredded(data_dir) == set()
    code, output = run("retention", "--dry-run")
    assert code == 0 and (json.loads(output)["expired"], json.loads(output)["shredded"]) == (1, False)
    assert shredded(data_dir) == set()
    code, output = run("retention", "--days", "30", "--force")
    assert code == 0 and json.loads(output)["expired"] == 1
    assert shredded(data_dir) == {"call-c"}
    access = build_store(AuditSinkSettings(data_dir=data_dir)).access_log("call-c")
    assert access[-1]["reason"] == "older than 30 days (under the floor, --force)"


def test_init_keys_creates_the_key_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`init-keys` writes a 0600 key file where CAMILLE_AUDIT_KEY_FILE says, then keeps it; unset, it refuses."""
    monkeypatch.setenv("CAMILLE_DATA_DIR", str(tmp_path))
    assert run("init-keys")[0] == 2
    path = tmp_path / "keys" / "audit-keys.json"
    monkeypatch.setenv("CAMILLE_AUDIT_KEY_FILE", str(path))
    code, output = run("init-keys")
    assert code == 0 and output.startswith(f"created {path}")
    first = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code, output = run("init-keys")
    assert code == 0 and output.startswith(f"kept {path}") and path.read_bytes() == first


def test_rotate_key_then_rewrap_moves_every_call(data_dir: Path) -> None:
    """`rotate-key` makes a new current key; `rewrap` moves all calls to it and they still read."""
    code, new_id = run("rotate-key")
    assert code == 0
    code, output = run("rewrap")
    assert json.loads(output) == {"rewrapped": 3, "calls_by_key": {new_id.strip(): 3}}
    assert run("show", "call-a", "--reason", "check")[0] == 0


async def test_replay_republishes_a_call_with_its_message_ids(
    data_dir: Path, nats_server: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`replay --call` publishes the call's decrypted events, each with its Nats-Msg-Id, to the given subject, as
    the audit-replay identity."""
    import asyncio

    from runtime.identities import Identity
    from tests.conftest import inspector

    for name, value in nats_server.endpoint.for_process(Identity.AUDIT_REPLAY).items():
        monkeypatch.setenv(name, value)
    nc = await inspector(nats_server)
    sub = await nc.subscribe("camille.v1.replay.test")
    await settled(nc)
    code, _ = await asyncio.to_thread(
        run, "replay", "--call", "call-a", "--subject", "camille.v1.replay.test", "--reason", "rebuild"
    )
    assert code == 0
    received = []
    for _ in range(5):
        msg = await sub.next_msg(timeout=10)
        received.append(((msg.headers or {}).get("Nats-Msg-Id", ""), msg.data.decode()))
    await sub.unsubscribe()
    await nc.close()
    assert [msg_id.rsplit(":", 1)[0] for msg_id, _ in received] == [f"call-a:{n}" for n in range(5)]
    assert PHONE in received[0][1]
