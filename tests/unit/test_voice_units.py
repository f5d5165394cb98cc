"""Unit tests of the voice worker's pure parts: settings, prompt, greeting gate, phrasebook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from livekit import rtc

from contracts.clinic import ClinicProfile, PhraseKey
from runtime.audit_signature import AuditSigner
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE, ConfigurationError
from voice_worker.greeting import GreetingGate, identity_hash
from voice_worker.phrases import (
    SAMPLES_PER_FRAME,
    PhraseCacheError,
    load_phrasebook,
    missing_phrases,
    render_phrasebook,
)
from voice_worker.prompt import system_prompt
from voice_worker.settings import TurnDetectionMode, VoiceWorkerSettings

STANDARD = rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
SIP = rtc.ParticipantKind.PARTICIPANT_KIND_SIP
AGENT = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT


@pytest.fixture(scope="module")
def clinic() -> ClinicProfile:
    return load_clinic(SHIPPED_CLINIC_FILE)


def test_settings_defaults_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no environment: gpt-realtime, marin, semantic VAD, French transcription, a 4 s tool deadline."""
    for name in ("OPENAI_API_KEY", "LIVEKIT_URL", "CAMILLE_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = VoiceWorkerSettings()
    assert (settings.realtime_model, settings.voice) == ("gpt-realtime", "marin")
    assert settings.turn_detection is TurnDetectionMode.SEMANTIC_VAD
    assert settings.transcription_language == "fr"
    assert settings.tool_deadline_s == 4.0


def test_production_refuses_missing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """In production, missing LiveKit and OpenAI keys are named in one ConfigurationError."""
    for name in ("OPENAI_API_KEY", "LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAMILLE_ENV", "production")
    with pytest.raises(ConfigurationError) as caught:
        VoiceWorkerSettings()
    assert "LIVEKIT_URL" in str(caught.value) and "OPENAI_API_KEY" in str(caught.value)


def test_greeting_delay_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A greeting delay above 500 ms is rejected."""
    monkeypatch.setenv("CAMILLE_GREETING_DELAY_MS", "900")
    with pytest.raises(ValueError):
        VoiceWorkerSettings()


def test_prompt_gives_date_hours_and_rules(clinic: ClinicProfile) -> None:
    """The prompt names the office, today's date in French, the opening hours and the no-advice rule."""
    prompt = system_prompt(clinic, dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC))
    assert "cabinet du docteur Fillion" in prompt
    assert "mardi 24 novembre 2026" in prompt
    assert "mercredi : 08:00 à 12:00" in prompt and "samedi : fermé" in prompt
    assert "jamais de conseil médical" in prompt
    assert "+33 1 99 00 12 34" in prompt
    assert "le cabinet écrit lui-même le message" in prompt and "confirmation « booking »" in prompt
    assert "ne dis jamais si cette personne\na ou non un rendez-vous" in prompt


def test_greeting_once_for_first_user_never_for_agent() -> None:
    """An agent join never greets; the first standard participant does; later joins do not."""
    gate = GreetingGate(b"k")
    assert gate.on_participant_joined("agent-camille", AGENT, 1.0) is None
    first = gate.on_participant_joined("caller", STANDARD, 2.0)
    assert first is not None and first.joined_at == 2.0
    assert gate.on_participant_joined("helper", STANDARD, 3.0) is None
    assert gate.on_participant_joined("sip-2", SIP, 4.0) is None
    assert gate.greeted == first


def test_sip_caller_is_greeted_with_a_keyed_hash() -> None:
    """A SIP caller is greeted and identified only by a keyed hash that depends on the key."""
    decision = GreetingGate(b"key-1").on_participant_joined("sip_+41791234567", SIP, 0.0)
    assert decision is not None
    assert "41791234567" not in decision.participant_hash
    assert decision.participant_hash == identity_hash("sip_+41791234567", b"key-1")
    assert decision.participant_hash != identity_hash("sip_+41791234567", b"key-2")


async def _tone(text: str) -> bytes:
    return (len(text).to_bytes(2, "little") * SAMPLES_PER_FRAME * 3)[: SAMPLES_PER_FRAME * 6]


async def test_phrasebook_renders_once_and_loads(clinic: ClinicProfile, tmp_path: Path) -> None:
    """Rendering fills the cache for every phrase; a second render renders nothing; loading gives exact texts."""
    rendered = await render_phrasebook(clinic, tmp_path, "v1", _tone)
    assert set(rendered) == set(PhraseKey)
    assert await render_phrasebook(clinic, tmp_path, "v1", _tone) == []
    book = load_phrasebook(clinic, tmp_path, ["marin", "v1"])
    assert book.text(PhraseKey.TOOL_FAILURE) == (
        "Je suis désolée, une erreur est survenue dans la réservation. Puis-je recommencer ?"
    )
    frames = [frame async for frame in book.frames(PhraseKey.FILLER)]
    assert len(frames) == 3 and frames[0].sample_rate == 24_000
    assert book.voices == {"v1"}


async def test_missing_phrase_refuses_to_load(clinic: ClinicProfile, tmp_path: Path) -> None:
    """A cache rendered for another voice, or missing one phrase, raises PhraseCacheError naming the phrase."""
    await render_phrasebook(clinic, tmp_path, "v1", _tone)
    assert missing_phrases(clinic, tmp_path, ["marin"]) == list(PhraseKey)
    next(tmp_path.glob("*.pcm")).unlink()  # noqa: ASYNC240  # test set-up on a tmp dir
    with pytest.raises(PhraseCacheError):
        load_phrasebook(clinic, tmp_path, ["v1"])


def test_bench_percentile_interpolates() -> None:
    """The bench's percentile is the inclusive interpolated one, and None without samples."""
    from offline_kit.stats import percentile

    assert percentile([], 95) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([float(v) for v in range(1, 101)], 95) == pytest.approx(95.05)


async def test_production_worker_refuses_offline_or_missing_phrases(
    clinic: ClinicProfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In production only the session's voice counts: phrases rendered offline do not let the worker start."""
    from voice_worker.bootstrap import load_phrases
    from voice_worker.phrases import OFFLINE_VOICE

    clinic_file = tmp_path / "clinic.yaml"
    clinic_file.write_bytes(SHIPPED_CLINIC_FILE.read_bytes() + b"# the clinic's own copy\n")  # test set-up
    env = {
        "CAMILLE_ENV": "production", "NATS_URL": "nats://n:4222", "CAMILLE_CLINIC_FILE": str(clinic_file),
        "LIVEKIT_URL": "wss://lk", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s", "OPENAI_API_KEY": "sk-x",
        "CAMILLE_IDENTITY_HASH_KEY": "k" * 32, "CAMILLE_PHRASE_CACHE_DIR": str(tmp_path / "phrases"),
        "CAMILLE_NATS_CREDS_FILE": "/run/secrets/nats/voice-worker.nk",
        "CAMILLE_AUDIT_SIGNING_KEY": AuditSigner.generate().signing_key_text(),
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = VoiceWorkerSettings()
    await render_phrasebook(clinic, tmp_path / "phrases", OFFLINE_VOICE, _tone)
    with pytest.raises(PhraseCacheError):
        load_phrases(settings, clinic)
    await render_phrasebook(clinic, tmp_path / "phrases", settings.voice, _tone)
    assert load_phrases(settings, clinic).voices == {settings.voice}


def test_telemetry_exports_only_when_an_endpoint_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """No endpoint: nothing is installed; with one (in a child process), the SDK's tracer provider takes over the global
    one, and no meter provider is installed (metrics are Prometheus's)."""
    import subprocess
    import sys

    from voice_worker.telemetry import configure_telemetry

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert configure_telemetry(VoiceWorkerSettings()) is False
    code = (
        "from opentelemetry import trace, metrics\n"
        "from voice_worker.settings import VoiceWorkerSettings\n"
        "from voice_worker.telemetry import configure_telemetry\n"
        "assert configure_telemetry(VoiceWorkerSettings())\n"
        "print(type(trace.get_tracer_provider()).__module__, type(metrics.get_meter_provider()).__module__)\n"
    )
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.split() == ["opentelemetry.sdk.trace", "opentelemetry.metrics._internal"]


@pytest.mark.filterwarnings("ignore:the built-in Python CLI is deprecated:DeprecationWarning")
def test_voice_worker_verb_hands_over_to_livekit_cli() -> None:
    """`camille voice-worker --help` is LiveKit's own worker CLI, with its dev, start and console commands."""
    from typer.testing import CliRunner

    from camille.cli import app

    result = CliRunner().invoke(app, ["voice-worker", "--help"])
    assert result.exit_code == 0, result.output
    assert all(command in result.output for command in ("dev", "start", "console"))


def test_phrases_render_offline_then_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`camille phrases check` fails on an empty cache and passes once `camille phrases render --offline` ran."""
    from typer.testing import CliRunner

    from camille.cli import app

    monkeypatch.setenv("CAMILLE_PHRASE_CACHE_DIR", str(tmp_path / "phrases"))
    runner = CliRunner()
    assert runner.invoke(app, ["phrases", "check"]).exit_code == 1
    rendered = runner.invoke(app, ["phrases", "render", "--offline"])
    assert rendered.exit_code == 0 and f"rendered {len(PhraseKey)} phrase(s)" in rendered.output
    assert runner.invoke(app, ["phrases", "check"]).exit_code == 0
    assert len(list((tmp_path / "phrases").glob("*.pcm"))) == len(PhraseKey)
