"""`camille phrases render|check`: the clinic's fixed phrases as pre-rendered audio."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from camille.devkit import dev_module

app = typer.Typer(help="The clinic's fixed phrases as pre-rendered audio.", no_args_is_help=True)


@app.command("render")
def render(
    offline: Annotated[bool, typer.Option(help="Use eSpeak NG even when an OpenAI key is set.")] = False,
    force: Annotated[bool, typer.Option(help="Render again phrases already in the cache.")] = False,
) -> None:
    """Render every fixed phrase of the clinic file into the phrase cache (OpenAI TTS, or eSpeak NG offline)."""
    from runtime.clinic import load_clinic
    from voice_worker.phrases import OFFLINE_VOICE, openai_renderer, render_phrasebook
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
    speech = dev_module("offline_kit.speech", "camille phrases render --offline")
    done = asyncio.run(render_phrasebook(clinic, cache, OFFLINE_VOICE, speech.render_offline, force=force))
    typer.echo(f"rendered {len(done)} phrase(s) offline ({OFFLINE_VOICE}) into {cache}")


@app.command("check")
def check() -> None:
    """Exit non-zero when a fixed phrase has no pre-rendered audio (what the worker checks at prewarm)."""
    from runtime.clinic import load_clinic
    from voice_worker.bootstrap import phrase_voices
    from voice_worker.phrases import missing_phrases
    from voice_worker.settings import VoiceWorkerSettings

    settings = VoiceWorkerSettings()
    missing = missing_phrases(load_clinic(settings.clinic_file), settings.phrase_cache_dir, phrase_voices(settings))
    if missing:
        typer.echo(f"missing phrases: {', '.join(k.value for k in missing)}", err=True)
        raise typer.Exit(1)
    typer.echo("every phrase is rendered")
