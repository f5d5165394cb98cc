"""`camille voice-worker dev|start|console` (LiveKit's own CLI) and `camille phrases render|check`."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

app = typer.Typer(help="The LiveKit voice worker (LiveKit's commands: dev, start, console, ...).")
phrases_app = typer.Typer(help="The clinic's fixed phrases as pre-rendered audio.", no_args_is_help=True)


@app.callback(
    invoke_without_command=True,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)
def voice_worker(
    args: Annotated[list[str] | None, typer.Argument(help="LiveKit's command and its options.")] = None,
) -> None:
    """Hand the arguments to LiveKit's worker CLI (`dev`, `start`, `console`, `connect`, `download-files`)."""
    from livekit.agents import cli

    from camille.logs import drop_livekit_pii
    from voice_worker.settings import VoiceWorkerSettings
    from voice_worker.worker import worker_options

    drop_livekit_pii()
    sys.argv = ["camille voice-worker", *(args or [])]
    cli.run_app(worker_options(VoiceWorkerSettings()))


@phrases_app.command("render")
def render(
    offline: Annotated[bool, typer.Option(help="Use eSpeak NG even when an OpenAI key is set.")] = False,
    force: Annotated[bool, typer.Option(help="Render again phrases already in the cache.")] = False,
) -> None:
    """Render every fixed phrase of the clinic file into the phrase cache (OpenAI TTS, or eSpeak NG offline)."""
    from camille.clinic import load_clinic
    from voice_worker.phrases import OFFLINE_VOICE, offline_render, openai_renderer, render_phrasebook
    from voice_worker.settings import VoiceWorkerSettings

    settings = VoiceWorkerSettings()
    clinic = load_clinic(settings.clinic_file)
    cache = settings.phrase_cache_dir
    if settings.openai_api_key is not None and not offline:
        key = settings.openai_api_key.get_secret_value()
        renderer = openai_renderer(key, settings.voice, settings.tts_model, settings.openai_base_url)
        try:
            done = asyncio.run(render_phrasebook(clinic, cache, settings.voice, renderer, force=force))
            typer.echo(f"rendered {len(done)} phrase(s) with OpenAI voice {settings.voice} into {cache}")
            return
        except Exception as exc:  # unreachable or refused: say so, then render offline (production will refuse it)
            typer.echo(f"OpenAI TTS failed ({type(exc).__name__}); rendering offline with eSpeak NG instead", err=True)
    done = asyncio.run(render_phrasebook(clinic, cache, OFFLINE_VOICE, offline_render, force=force))
    typer.echo(f"rendered {len(done)} phrase(s) offline ({OFFLINE_VOICE}) into {cache}")


@phrases_app.command("check")
def check() -> None:
    """Exit non-zero when a fixed phrase has no pre-rendered audio (what the worker checks at prewarm)."""
    from camille.clinic import load_clinic
    from voice_worker.bootstrap import phrase_voices
    from voice_worker.phrases import missing_phrases
    from voice_worker.settings import VoiceWorkerSettings

    settings = VoiceWorkerSettings()
    missing = missing_phrases(load_clinic(settings.clinic_file), settings.phrase_cache_dir, phrase_voices(settings))
    if missing:
        typer.echo(f"missing phrases: {', '.join(k.value for k in missing)}", err=True)
        raise typer.Exit(1)
    typer.echo("every phrase is rendered")
