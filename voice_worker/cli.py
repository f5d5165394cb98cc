"""`camille voice-worker dev|start|console`: LiveKit's own worker CLI."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(help="The LiveKit voice worker (LiveKit's commands: dev, start, console, ...).")


@app.callback(
    invoke_without_command=True,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)
def voice_worker(
    args: Annotated[list[str] | None, typer.Argument(help="LiveKit's command and its options.")] = None,
) -> None:
    """Hand the arguments to LiveKit's worker CLI (`dev`, `start`, `console`, `connect`, `download-files`)."""
    from livekit.agents import cli

    from runtime.logs import drop_livekit_pii, mask_phone_numbers
    from voice_worker.bootstrap import load_emergency_model
    from voice_worker.emergency.model import ModelUnusable
    from voice_worker.server import agent_server
    from voice_worker.settings import VoiceWorkerSettings

    drop_livekit_pii()
    mask_phone_numbers()  # LiveKit sets up the handlers: the mask goes on every record, whatever handler prints it
    settings = VoiceWorkerSettings()
    if args and args[0] in {"dev", "start", "console", "connect"}:
        try:  # before LiveKit registers the worker: each job process checks again at prewarm
            load_emergency_model(settings)
        except ModelUnusable as exc:
            typer.echo(f"refusing to start: {exc}", err=True)
            raise typer.Exit(1) from None
    sys.argv = ["camille voice-worker", *(args or [])]
    cli.run_app(agent_server(settings))
