"""The `camille` command: each verb is mounted from the package that owns it; heavy imports happen inside verbs.

Verbs of the offline kit (demo, simulator, load test, benchmarks) are mounted by name: without the kit they are
still listed, and running one says to install the dev extra.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from audit_sink.cli import app as audit_app
from audit_sink.cli import sink_app
from camille.clinic import app as clinic_app
from camille.devkit import mount_dev_verb
from camille.docs import docs as tool_runner_docs
from camille.nats import app as nats_app
from camille.phrases import app as phrases_app
from camille.secrets import secrets as secrets_command
from camille.up import app as up_app
from scheduling_api.cli import app as scheduling_api_app
from token_service.cli import app as token_service_app
from tool_runner.cli import app as tool_runner_app
from voice_worker.cli import app as voice_worker_app

app = typer.Typer(
    name="camille",
    help="Camille, the voice receptionist of Dr Fillion's office.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
contracts_app = typer.Typer(help="The shared contract models.", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
app.add_typer(up_app, name="up", help="Run every service locally on embedded defaults.")
tool_runner_app.command("docs")(tool_runner_docs)
app.add_typer(tool_runner_app, name="tool-runner", help="The tool runner service (webhooks behind NATS).")
app.add_typer(scheduling_api_app, name="scheduling-api", help="The reference scheduling backend (HTTP).")
app.add_typer(sink_app, name="audit-sink", help="The audit sink service.")
app.add_typer(audit_app, name="audit", help="Read, verify, export, replay and erase audit records.")
app.add_typer(token_service_app, name="token-service", help="The caller's web page and LiveKit token API.")
app.add_typer(voice_worker_app, name="voice-worker", help="The LiveKit voice worker (dev | start | console).")
app.add_typer(clinic_app, name="clinic", help="Check clinic files.")
app.add_typer(phrases_app, name="phrases", help="The clinic's fixed phrases as pre-rendered audio.")
app.command("secrets")(secrets_command)
app.add_typer(nats_app, name="nats", help="NATS identities: one NKEY per service and the server's permissions.")
mount_dev_verb(app, "demo", "offline_kit.demo", "One scripted call, offline, through the whole system.", "camille demo")
mount_dev_verb(
    app, "simulator", "offline_kit.simulator.cli", "A local OpenAI Realtime protocol server.", "camille simulator"
)
mount_dev_verb(
    app, "loadtest", "offline_kit.loadtest", "Many scripted calls at once through the whole system.", "camille loadtest"
)
mount_dev_verb(
    app, "bench", "offline_kit.bench.cli", "Benchmarks: ratios and percentiles measured in one run.", "camille bench"
)


@contracts_app.command("export")
def contracts_export(
    directory: Annotated[Path, typer.Argument(help="Where to write one JSON Schema file per model.")],
) -> None:
    """Write the JSON Schemas of the contract models."""
    from contracts.schemas import json_schemas

    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (directory / f"{name}.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {len(json_schemas())} schemas to {directory}")


@app.command("check-emergency")
def check_emergency(
    weights: Annotated[
        Path | None, typer.Option(help="Model weights (default: CAMILLE_EMERGENCY_WEIGHTS, else the package's).")
    ] = None,
    model_only: Annotated[
        bool, typer.Option("--model-only", help="Only load and check the weights, as the voice worker does at start.")
    ] = False,
) -> None:
    """Read caller sentences on stdin; print one JSON object per line: text, emergency, category. Exits 1 when the
    model's weights are missing or corrupt."""
    from voice_worker.emergency import check
    from voice_worker.emergency.model import WEIGHTS, ModelUnusable, load_checked
    from voice_worker.settings import VoiceWorkerSettings

    path = weights or VoiceWorkerSettings().emergency_weights or WEIGHTS
    try:
        model = load_checked(path)
    except ModelUnusable as exc:
        typer.echo(f"emergency model unusable: {exc}", err=True)
        raise typer.Exit(1) from None
    if model_only:
        typer.echo(f"emergency model usable: {path} ({model.buckets.size} weighted buckets)")
        return
    for line in sys.stdin:
        text = line.rstrip("\n")
        verdict = check(text, model)
        result = {
            "text": text,
            "emergency": True if verdict.match else (None if verdict.unknown else False),
            "category": verdict.match.category if verdict.match else None,
        }
        if verdict.failed:
            result["failed"] = [layer.value for layer in verdict.failed]
        typer.echo(json.dumps(result, ensure_ascii=False))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
