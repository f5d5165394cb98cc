"""The emergency detector fails closed: unusable weights stop the worker before it takes a call, a layer that raises
leaves the other to decide and makes the turn unknown (emergency phrase, audit, alert, metric), a transcript of any
length is read to its end, and partial transcripts are throttled."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents.voice.events import UserInputTranscribedEvent
from typer.testing import CliRunner

from contracts.alerts import AlertKind
from contracts.clinic import PhraseKey
from contracts.emergency import DetectorLayer, EmergencyCategory
from contracts.phi import TRANSCRIPT_MAX_CHARS
from tests.fakes import ManualClock
from tests.unit.test_voice_supervisor import build
from voice_worker.emergency import EmergencyWatch, Verdict, check, decision, passages
from voice_worker.emergency import model as learned
from voice_worker.emergency.model import ModelUnusable, load_checked

BREATHING = "mon mari ne respire plus du tout"  # a rule fires, and the model reads it (five words or more)
MODEL_ONLY = "il a vidé la boîte de médicaments"  # no rule fires: only the model knows it
ORDINARY = "Je voudrais un rendez-vous mardi matin pour mon fils, il a un peu de toux."


class BrokenModel(learned.Model):
    """Weights that load but fail on every sentence, as a corrupt array or a numpy bug would."""

    def predict(self, norm: str) -> learned.Prediction:
        raise FloatingPointError("broken")


def broken_model() -> BrokenModel:
    model = learned.load()
    return BrokenModel(model.buckets, model.weights, model.bias)


def long_transcript(words: int, emergency_at: int | None = None) -> str:
    filler = ORDINARY.split()
    said = [filler[i % len(filler)] for i in range(words)]
    if emergency_at is not None:
        said[emergency_at:emergency_at] = [".", *BREATHING.split(), "."]
    return " ".join(said)


# --- weights --------------------------------------------------------------------------------------------------
def _arrays() -> dict[str, Any]:
    with np.load(learned.WEIGHTS) as data:
        return {name: data[name] for name in data.files}


@pytest.mark.parametrize("damage", ["missing", "not_a_zip", "truncated", "no_bias", "nan", "wrong_shape"])
def test_unusable_weights_are_refused_with_a_typed_error(tmp_path: Path, damage: str) -> None:
    """Missing, not a zip, cut short, an array missing, not numbers, the wrong shape: ModelUnusable names the file."""
    path = tmp_path / "weights.npz"
    arrays = _arrays()
    if damage == "not_a_zip":
        path.write_bytes(b"not weights")
    elif damage == "truncated":
        path.write_bytes(learned.WEIGHTS.read_bytes()[:5000])
    elif damage == "no_bias":
        np.savez_compressed(path, **{k: v for k, v in arrays.items() if k != "bias"})
    elif damage == "nan":
        np.savez_compressed(path, **{**arrays, "bias": np.full_like(arrays["bias"], np.nan)})
    elif damage == "wrong_shape":
        np.savez_compressed(path, **{**arrays, "weights": arrays["weights"][:, :3]})
    with pytest.raises(ModelUnusable, match=r"weights\.npz"):
        load_checked(path)


def test_the_shipped_weights_are_usable() -> None:
    """The package's own weights pass the check the worker makes at start-up."""
    assert load_checked().weights.shape[1] == len(learned.CLASSES)
    assert zipfile.is_zipfile(learned.WEIGHTS)


def test_prewarm_refuses_to_start_without_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CAMILLE_EMERGENCY_WEIGHTS pointing at nothing: the job process's prewarm raises, no call is ever taken."""
    from voice_worker.worker import prewarm

    monkeypatch.setenv("CAMILLE_EMERGENCY_WEIGHTS", str(tmp_path / "absent.npz"))

    class Process:
        def __init__(self) -> None:
            self.userdata: dict[str, Any] = {}

    process = Process()
    with pytest.raises(ModelUnusable, match="not found"):
        prewarm(process)  # type: ignore[arg-type]
    assert "emergency_model" not in process.userdata


def test_the_worker_command_refuses_to_start_without_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`camille voice-worker start` stops before LiveKit with the reason; `check-emergency --model-only` too."""
    from camille.cli import app

    monkeypatch.setenv("CAMILLE_EMERGENCY_WEIGHTS", str(tmp_path / "absent.npz"))
    started = CliRunner().invoke(app, ["voice-worker", "start"])
    assert started.exit_code == 1 and "refusing to start" in started.output
    checked = CliRunner().invoke(app, ["check-emergency", "--model-only"])
    assert checked.exit_code == 1 and "not found" in checked.output
    monkeypatch.delenv("CAMILLE_EMERGENCY_WEIGHTS")
    assert CliRunner().invoke(app, ["check-emergency", "--model-only"]).exit_code == 0


# --- layers fail apart ------------------------------------------------------------------------------------------
def test_a_failing_model_leaves_the_rules_to_decide() -> None:
    """The model raises: a rule hit still stands (no veto); what only the model knew is unknown, never safe."""
    broken = broken_model()
    by_rules = check(BREATHING, broken)
    assert by_rules.match is not None and by_rules.match.category is EmergencyCategory.NOT_BREATHING
    assert by_rules.failed == (DetectorLayer.MODEL,) and not by_rules.unknown
    unknown = check(ORDINARY, broken)
    assert unknown.match is None and unknown.unknown and unknown.error == "FloatingPointError"


def test_failing_rules_leave_the_model_to_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules raise: the model still reports what it knows, and an ordinary turn is unknown."""

    def broken_rules(norm: str) -> None:
        raise RecursionError

    monkeypatch.setattr(decision, "rule_match", broken_rules)
    found = check(MODEL_ONLY)
    assert found.match is not None and found.match.rule == "model" and found.failed == (DetectorLayer.RULES,)
    assert check(ORDINARY).unknown


async def test_a_failing_check_plays_the_emergency_phrase_once_audits_and_alerts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Turns the model could not read: the emergency phrase plays once per call, the call goes on; the first failure
    and each failed final are audited (the text only in the encrypted field), alerted once, counted every time, and
    logged without the words."""
    caplog.set_level("DEBUG")
    supervisor, player, _, transport = build()
    supervisor._emergency_watch = EmergencyWatch(model=broken_model(), min_interval_s=0)
    for final in (False, True, True):
        supervisor._on_user_transcript(UserInputTranscribedEvent(transcript=ORDINARY, is_final=final))
    assert player.calls == [(PhraseKey.EMERGENCY, True)]
    assert not supervisor.ctx.emergency_raised and not supervisor.ctx.ended
    await supervisor.end_call(supervisor.end_reason or _hung_up())
    failed = [e.payload for e in transport.events if e.kind == "emergency_check_failed"]
    assert [(p.final, p.phrase_played) for p in failed] == [(False, True), (True, False), (True, False)]
    assert failed[0].layers == [DetectorLayer.MODEL] and failed[0].error == "FloatingPointError"
    assert failed[0].phi_fields == frozenset({"text"})
    assert [a.kind for a in transport.alerts] == [AlertKind.EMERGENCY_CHECK_FAILED]
    assert transport.alerts[0].category == "model"
    counter = supervisor.ctx.metrics.recorder.emergency_detector_failures
    assert counter.labels("model")._value.get() == 3
    logged = [r for r in caplog.records if r.getMessage() == "emergency check failed"]
    assert len(logged) == 3 and all("rendez" not in str(r.__dict__) for r in caplog.records)


async def test_a_failing_model_still_raises_a_rule_emergency() -> None:
    """The model raises on a turn a rule knows: the emergency is raised as always, and the failure is audited."""
    supervisor, player, control, transport = build()
    supervisor._emergency_watch = EmergencyWatch(model=broken_model())
    supervisor._on_user_transcript(UserInputTranscribedEvent(transcript=BREATHING, is_final=True))
    await supervisor.ended.wait()
    kinds = [e.kind for e in transport.events]
    assert "emergency_detected" in kinds and "emergency_check_failed" in kinds
    assert player.calls[0] == (PhraseKey.EMERGENCY, True) and control.actions == ["hang_up"]


async def test_an_exception_in_the_handler_is_not_swallowed_by_the_event_emitter() -> None:
    """LiveKit's emitter logs and drops a handler's exception; the supervisor catches its own and fails closed."""

    class RaisingWatch(EmergencyWatch):
        def observe(self, text: str, *, final: bool) -> Verdict:
            raise MemoryError

    supervisor, player, _, transport = build()
    supervisor._emergency_watch = RaisingWatch()
    emitter: rtc.EventEmitter[str] = rtc.EventEmitter()
    supervisor.attach(emitter)  # type: ignore[arg-type]  # the session is an EventEmitter; only `on` is used here
    emitter.emit("user_input_transcribed", UserInputTranscribedEvent(transcript=ORDINARY, is_final=True))
    assert player.calls == [(PhraseKey.EMERGENCY, True)]
    await supervisor.end_call(_hung_up())
    failed = [e.payload for e in transport.events if e.kind == "emergency_check_failed"]
    assert failed[0].layers == [DetectorLayer.WATCH] and failed[0].error == "MemoryError"


# --- long transcripts -------------------------------------------------------------------------------------------
def test_a_huge_transcript_is_read_in_passages_to_its_end() -> None:
    """20,000 words: no exception, passages of at most 60 words, and an emergency is found at the start, the middle
    and the very end; an ordinary one raises nothing."""
    assert check(long_transcript(20_000)) == Verdict(None)
    for at in (0, 10_000, 20_000):
        verdict = check(long_transcript(20_000, emergency_at=at))
        assert verdict.match is not None and verdict.match.category is EmergencyCategory.NOT_BREATHING, at
    assert max(len(p.split()) for p in passages(long_transcript(20_000).lower())) <= decision.PASSAGE_WORDS


def test_an_over_long_sentence_is_cut_into_overlapping_pieces() -> None:
    """A 130-word sentence becomes 60-word pieces sharing 20 words; short sentences are grouped whole."""
    sentence = " ".join(f"w{i}" for i in range(130))
    pieces = passages(sentence)
    assert [len(p.split()) for p in pieces] == [60, 60, 50]
    assert pieces[1].split()[0] == "w40" and pieces[-1].endswith("w129")
    assert passages("a b . c d . e f") == ["a b . c d . e f"]


async def test_a_huge_final_transcript_raises_the_emergency_and_is_audited_whole() -> None:
    """A 20,000-word final transcript with an emergency at its end: raised, and audited in segments that fit."""
    supervisor, _, _, transport = build()
    text = long_transcript(20_000, emergency_at=20_000)
    supervisor._on_user_transcript(UserInputTranscribedEvent(transcript=text, is_final=True))
    await supervisor.ended.wait()
    segments = [e.payload.text.reveal() for e in transport.events if e.kind == "transcript_segment"]
    assert len(segments) > 1 and all(len(s) <= TRANSCRIPT_MAX_CHARS for s in segments)
    assert " ".join(segments).split() == text.split()
    detected = [e.payload for e in transport.events if e.kind == "emergency_detected"]
    assert detected and detected[0].category is EmergencyCategory.NOT_BREATHING


# --- throttle ---------------------------------------------------------------------------------------------------
def test_partials_within_the_interval_are_coalesced_and_the_final_is_always_read() -> None:
    """Partials 30 ms apart: one read per 100 ms; the final is read however soon it comes."""
    clock = ManualClock()
    watch = EmergencyWatch(min_interval_s=0.1, clock=clock)
    words = ORDINARY.split()
    for i in range(1, 11):
        watch.observe(" ".join(words[:i]), final=False)
        clock.now += 0.03
    assert watch.checks == 3  # at 0, 0.12 and 0.24 s
    assert watch.observe(BREATHING, final=True).match is not None
    assert watch.checks == 4


def test_a_partial_reads_only_its_last_words() -> None:
    """An emergency said long before the last words of a partial is left to the final read; a recent one is seen."""
    early = long_transcript(400, emergency_at=10)
    late = long_transcript(400, emergency_at=395)
    assert check(early, last_words=60).match is None and check(early).match is not None
    assert check(late, last_words=60).match is not None


def _hung_up() -> Any:
    from contracts.audit import CallEndReason

    return CallEndReason.CALLER_HUNG_UP
