"""`camille audit-sink` (the service) and `camille audit ...` (read, verify, export, replay, erase, keys, retention).

Reading decrypted records is itself recorded (who, when, why): `show`, `export` and `replay` require `--reason`.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from audit_sink.settings import AuditSinkSettings
    from audit_sink.store import AuditStore, StoredRecord

sink_app = typer.Typer(help="The audit sink service.")
app = typer.Typer(help="Read, verify, export, replay and erase audit records.", no_args_is_help=True)

Reason = Annotated[str, typer.Option("--reason", help="Why you read or erase health data (recorded).")]
Actor = Annotated[str | None, typer.Option("--actor", help="Who you are (default: the login name).")]
Since = Annotated[datetime | None, typer.Option(help="From this time (UTC unless a zone is given).")]
Until = Annotated[datetime | None, typer.Option(help="Until this time, exclusive.")]


@sink_app.callback(invoke_without_command=True)
def serve() -> None:
    """Consume camille.v1.audit.> and store every event encrypted and hash-chained, until SIGTERM."""
    from audit_sink.bootstrap import audit_sink_running
    from audit_sink.settings import AuditSinkSettings
    from runtime.bus import NatsEndpoint, nats_endpoint
    from runtime.logs import configure
    from runtime.metrics import metrics_endpoint, new_registry
    from runtime.serve import wait_for_stop_signal
    from runtime.telemetry import configure_export

    settings = AuditSinkSettings()
    configure(settings.log_level)
    configure_export(settings.otel_exporter_otlp_endpoint, "camille-audit-sink")
    registry = new_registry()

    async def run(endpoint: NatsEndpoint) -> None:
        async with audit_sink_running(settings, endpoint, registry=registry):
            typer.echo("audit sink: consuming camille.v1.audit.>", err=True)
            await wait_for_stop_signal()

    with (
        metrics_endpoint(registry, settings.metrics_port, settings.metrics_host),
        nats_endpoint(settings) as endpoint,
    ):
        asyncio.run(run(endpoint))


def _settings() -> AuditSinkSettings:
    from audit_sink.settings import AuditSinkSettings

    return AuditSinkSettings()


def _store() -> AuditStore:
    from audit_sink.bootstrap import build_store

    return build_store(_settings())


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _record_json(store: AuditStore, record: StoredRecord) -> str:
    from audit_sink.store import CallShreddedError

    try:
        return store.decrypt(record).model_dump_json()
    except CallShreddedError:
        shredded: dict[str, Any] = {
            "message_id": record.event_id, "call_id": record.call_id, "seq": record.seq,
            "occurred_at": record.occurred_at, "payload": json.loads(record.payload), "phi": "erased",
        }  # fmt: skip
        return json.dumps(shredded, ensure_ascii=False)


def _selected(store: AuditStore, call_id: str | None, since: datetime | None, until: datetime | None) -> list[Any]:
    if call_id:
        return store.records(call_id)
    if since is None:
        typer.echo("give a call id or --since", err=True)
        raise typer.Exit(2)
    return list(store.event_records(since, until or datetime.now(UTC) + timedelta(days=1)))


@app.command("list")
def list_calls(since: Since = None, until: Until = None, limit: int = 100) -> None:
    """List calls (ids, first event time, event count, key id, erasure): no PHI, no access record."""
    store = _store()
    for call in store.calls(_aware(since), _aware(until), limit):
        typer.echo(json.dumps(call.__dict__))


@app.command("show")
def show(call_id: str, reason: Reason, actor: Actor = None) -> None:
    """Print one call's events decrypted, one JSON object per line; records the access."""
    store = _store()
    records = store.records(call_id)
    if not records:
        typer.echo(f"no call {call_id}", err=True)
        raise typer.Exit(1)
    store.record_access(_actor(actor), "show", reason, call_id, f"{len(records)} events")
    for record in records:
        typer.echo(_record_json(store, record))


@app.command("export")
def export(
    reason: Reason,
    out: Annotated[Path, typer.Option("--out", help="JSON Lines file to write (mode 0600).")],
    call_id: Annotated[str | None, typer.Option("--call")] = None,
    since: Since = None,
    until: Until = None,
    actor: Actor = None,
) -> None:
    """Write decrypted events as JSON Lines; records the access."""
    import os

    store = _store()
    records = _selected(store, call_id, _aware(since), _aware(until))
    store.record_access(_actor(actor), "export", reason, call_id, f"{len(records)} events to {out.name}")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        for record in records:
            handle.write(_record_json(store, record) + "\n")
    typer.echo(f"exported {len(records)} events to {out}", err=True)


@app.command("access-log")
def access_log(call_id: Annotated[str | None, typer.Option("--call", help="Only this call's entries.")] = None) -> None:
    """Print the access log (who read, exported, replayed or erased what, when, why) as JSON lines, to archive it
    outside the system; reading it is not itself recorded (it holds no PHI)."""
    for entry in _store().access_log(call_id):
        typer.echo(json.dumps(entry, ensure_ascii=False))


@app.command("verify")
def verify() -> None:
    """Check every call's hash chain and the chain of call heads; exit 1 and name each break if any."""
    report = _store().verify()
    for problem in report.problems:
        typer.echo(json.dumps(problem.__dict__))
    summary = (
        f"{report.calls} calls, {report.records} records, {report.unchained} awaiting earlier events; "
        f"anchor {report.anchor}"
    )
    if not report.ok:
        typer.echo(f"TAMPERING DETECTED: {len(report.problems)} problem(s); {summary}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {summary}", err=True)


@app.command("replay")
def replay(
    reason: Reason,
    call_id: Annotated[str | None, typer.Option("--call")] = None,
    since: Since = None,
    until: Until = None,
    subject: Annotated[str | None, typer.Option(help="Publish every event here (default: its call's subject).")] = None,
    actor: Actor = None,
) -> None:
    """Re-publish stored events (decrypted, with their Nats-Msg-Id) to feed a new consumer or a rebuilt store."""
    from audit_sink.replay import replay_records
    from runtime.bus import NatsEndpoint

    settings = _settings()
    if not settings.nats_url:
        typer.echo("set NATS_URL to replay", err=True)
        raise typer.Exit(2)
    store = _store()
    records = _selected(store, call_id, _aware(since), _aware(until))
    store.record_access(_actor(actor), "replay", reason, call_id, f"{len(records)} events to {subject or 'calls'}")
    sent, skipped = asyncio.run(replay_records(store, records, NatsEndpoint.from_settings(settings), subject))
    typer.echo(f"replayed {sent} events, skipped {skipped} erased", err=True)


@app.command("erase")
def erase(
    reason: Reason,
    call_ids: Annotated[list[str] | None, typer.Argument(help="Calls to erase.")] = None,
    by_phone: Annotated[bool, typer.Option("--by-phone", help="Erase every call of a caller (number asked).")] = False,
    actor: Actor = None,
) -> None:
    """Crypto-shred calls by destroying their data keys; the hash chains still verify; the erasure is recorded."""
    store = _store()
    targets = list(call_ids or [])
    if by_phone:
        from contracts.phi import normalize_phone

        raw = typer.prompt("Caller phone number", hide_input=True) if sys.stdin.isatty() else sys.stdin.readline()
        try:
            phone = normalize_phone(raw.strip())
        except ValueError:
            typer.echo("not a valid phone number", err=True)
            raise typer.Exit(2) from None
        targets += store.calls_of_caller(phone)
    if not targets:
        typer.echo("nothing to erase", err=True)
        raise typer.Exit(1)
    erased = store.erase(targets, _actor(actor), reason)
    for call_id in erased:
        typer.echo(call_id)
    typer.echo(f"erased {len(erased)} call(s)", err=True)


# Shredding cannot be undone. A period under a year is almost always a slip (a number of months typed as days, a
# test value left in the environment), and it would destroy the trail a clinic needs to answer a complaint, a
# patient's access request or a breach inquiry. The default is 20 years, the retention of French hospital records,
# which GPs commonly follow. `--force` goes below the floor for a clinic that has decided so.
RETENTION_FLOOR_DAYS = 365


@app.command("retention")
def retention(
    days: Annotated[int | None, typer.Option(min=1, help="Shred calls older than this (default: the setting).")] = None,
    dry_run: bool = False,
    force: Annotated[
        bool, typer.Option("--force", help=f"Shred with a period under {RETENTION_FLOOR_DAYS} days.")
    ] = False,
) -> None:
    """Shred every call older than the retention period (run it daily from cron)."""
    settings = _settings()
    period = days if days is not None else settings.audit_retention_days
    if period < RETENTION_FLOOR_DAYS and not force and not dry_run:
        typer.echo(
            f"refusing to shred with a period of {period} days, under the floor of {RETENTION_FLOOR_DAYS} days "
            "(shredding cannot be undone): check the number, or pass --force",
            err=True,
        )
        raise typer.Exit(2)
    store = _store()
    cutoff = datetime.now(UTC) - timedelta(days=period)
    expired = store.expired_calls(cutoff)
    if not dry_run and expired:
        forced = " (under the floor, --force)" if period < RETENTION_FLOOR_DAYS else ""
        store.erase(expired, "retention", f"older than {period} days{forced}")
    typer.echo(json.dumps({"cutoff": cutoff.isoformat(), "expired": len(expired), "shredded": not dry_run}))


@app.command("signing-key")
def signing_key() -> None:
    """Print a new Ed25519 key pair for audit signatures (JSON): `signing_key` for the voice workers'
    CAMILLE_AUDIT_SIGNING_KEY, `verify_key` for the sink's CAMILLE_AUDIT_VERIFY_KEYS (add it beside the old one to
    rotate, and drop the old one once its events are stored)."""
    from runtime.audit_signature import AuditSigner

    signer = AuditSigner.generate()
    typer.echo(json.dumps({"signing_key": signer.signing_key_text(), "verify_key": signer.verify_key_text()}))


@app.command("init-keys")
def init_keys() -> None:
    """Create the key file CAMILLE_AUDIT_KEY_FILE names (mode 0600, one master key), once; an existing file is kept."""
    from audit_sink.keys import FileKeyProvider

    settings = _settings()
    path = settings.audit_key_file
    if path is None:
        typer.echo("set CAMILLE_AUDIT_KEY_FILE to the key file's path (on a volume that is backed up)", err=True)
        raise typer.Exit(2)
    existed = path.exists()
    keys = FileKeyProvider.create(path)
    typer.echo(f"{'kept' if existed else 'created'} {path}: current key {keys.current_key_id()}", err=True)


@app.command("rotate-key")
def rotate_key() -> None:
    """Add a new master key to the key file and make it current (running sinks pick it up without restart)."""
    from audit_sink.keys import FileKeyProvider

    keys = _store().keys
    if not isinstance(keys, FileKeyProvider):
        typer.echo("keys come from the environment: rotate them there (new id first), then run rewrap", err=True)
        raise typer.Exit(2)
    typer.echo(keys.rotate())


@app.command("rewrap")
def rewrap() -> None:
    """Re-wrap every call's data key under the current master key (online); prints the key usage after."""
    store = _store()
    moved = store.rewrap()
    typer.echo(json.dumps({"rewrapped": moved, "calls_by_key": store.key_usage()}))


@app.command("dead-letters")
def dead_letters_command(
    requeue: Annotated[bool, typer.Option(help="Publish them back to their audit subject, then delete them.")] = False,
) -> None:
    """List dead-lettered audit messages (origin and error only), or requeue them once the cause is fixed."""
    from audit_sink import dead_letters

    settings = _settings()
    if not settings.nats_url:
        typer.echo("set NATS_URL", err=True)
        raise typer.Exit(2)

    async def run() -> list[dead_letters.DeadLetter]:
        from runtime.bus import NatsEndpoint, connected
        from runtime.identities import Identity

        endpoint = NatsEndpoint.from_settings(settings)
        async with connected(endpoint, Identity.AUDIT_SINK, name="audit-dead-letters") as nc:
            js = nc.jetstream(timeout=10)
            letters = await dead_letters.dead_letters(js)
            if requeue:
                for letter in letters:
                    await dead_letters.requeue(js, letter)
            return letters

    for letter in asyncio.run(run()):
        typer.echo(json.dumps(letter.__dict__ | {"requeued": requeue}))
