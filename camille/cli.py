"""The `camille` command. Each verb is mounted from the package that owns it; heavy imports happen inside verbs.

A verb whose module does not exist yet is still listed, and running it says so and exits non-zero.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="camille",
    help="Camille, the voice receptionist of Dr Fillion's office.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
contracts_app = typer.Typer(help="The shared contract models.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: report ratios and percentiles measured in one run.", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")

NOT_BUILT_EXIT = 2


def _mount(parent: typer.Typer, name: str, module: str, help_text: str, attr: str = "app") -> None:
    try:
        sub = getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module.startswith(exc.name):
            raise
        sub = None
    except AttributeError:
        sub = None
    if sub is not None:
        parent.add_typer(sub, name=name, help=help_text)
        return

    @parent.command(
        name,
        help=f"{help_text} (not built yet)",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def _not_built() -> None:
        typer.echo(f"camille {name}: not built yet in this version.", err=True)
        raise typer.Exit(NOT_BUILT_EXIT)


_mount(app, "up", "camille.up", "Run every service locally on embedded defaults.")
_mount(app, "demo", "camille.demo", "One scripted call, offline, through the whole system.")
_mount(app, "tool-runner", "tool_runner.cli", "The tool runner service (webhooks behind NATS).")
_mount(app, "scheduling-api", "tool_runner.reference.cli", "The reference scheduling backend (HTTP).")
_mount(app, "audit-sink", "audit_sink.cli", "The audit sink service.", attr="sink_app")
_mount(app, "audit", "audit_sink.cli", "Read, verify, export, replay and erase audit records.")
_mount(app, "voice-worker", "voice_worker.cli", "The LiveKit voice worker (dev | start | console).")
_mount(
    app,
    "phrases",
    "voice_worker.cli",
    "The clinic's fixed phrases as pre-rendered audio.",
    attr="phrases_app",
)
_mount(app, "simulator", "camille.simulator.cli", "A local OpenAI Realtime protocol server.")
_mount(app, "loadtest", "camille.loadtest", "Many scripted calls at once through the whole system.")
_mount(bench_app, "tools", "tool_runner.bench", "Tool-call overhead through NATS and the tool runner.")
_mount(bench_app, "audit", "audit_sink.bench", "Audit events per second through stream, sink and store.")
_mount(bench_app, "voice", "voice_worker.bench", "Greeting latency and response overhead.")
app.add_typer(bench_app, name="bench")


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
def check_emergency() -> None:
    """Read caller sentences on stdin; print one JSON object per line: text, emergency, category."""
    try:
        from voice_worker.emergency import detect  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:
        typer.echo("camille check-emergency: not built yet in this version.", err=True)
        raise typer.Exit(NOT_BUILT_EXIT) from None
    for line in sys.stdin:
        text = line.rstrip("\n")
        match = detect(text)
        verdict = {
            "text": text,
            "emergency": match is not None,
            "category": match.category if match else None,
        }
        typer.echo(json.dumps(verdict, ensure_ascii=False))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
