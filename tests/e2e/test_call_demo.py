"""`camille demo`: one scripted call through the whole system, offline, with a WAV file and JSON figures."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offline_kit.demo import app


def test_demo_runs_a_call_writes_wav_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The off-topic call runs on every part, plays the fixed phrases, stores its audit trail and writes both files."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NATS_URL", raising=False)
    args = ["--scenario", "off_topic", "--speed", "8", "--wav", "call.wav", "--json", "call.json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "call.json").read_text())
    assert report["end_reason"] == "caller_hung_up"
    assert report["phrases_played"] == ["greeting", "off_script"]
    assert report["tool_calls"] == ["redirect_off_topic"]
    assert report["audit_events_stored"] == report["audit_events_published"] > 0
    assert report["audit_verified"]
    assert "Camille: Bonjour, cabinet du docteur Fillion" in result.output
    with wave.open(str(tmp_path / "call.wav")) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (2, 24_000) and wav.getnframes() > 24_000


def test_demo_names_the_shipped_scenarios_when_one_is_unknown() -> None:
    """An unknown scenario exits 2 with the list of shipped ones."""
    result = CliRunner().invoke(app, ["--scenario", "nope"])
    assert result.exit_code == 2 and "booking" in result.output
