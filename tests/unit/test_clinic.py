"""The clinic file: the shipped example is valid and speaks the brief's phrases word for word."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from camille.cli import app
from contracts.clinic import PhraseKey
from runtime.clinic import ClinicFileError, load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE

SEED_PHRASES = {
    PhraseKey.GREETING: "Bonjour, cabinet du docteur Fillion, Camille à l’appareil. En quoi puis-je vous aider ?",
    PhraseKey.EMERGENCY: "Je ne peux pas gérer les urgences. En cas d’urgence médicale, composez le 15.",
    PhraseKey.NO_AVAILABILITY: (
        "Je suis désolée, il semble qu’aucune disponibilité ne convient. "
        "Souhaitez-vous que je vérifie une autre journée ?"
    ),
    PhraseKey.TOOL_FAILURE: "Je suis désolée, une erreur est survenue dans la réservation. Puis-je recommencer ?",
    PhraseKey.OFF_SCRIPT: (
        "Désolée, je ne peux gérer que la prise ou annulation de rendez-vous. Souhaitez-vous fixer un rendez-vous ?"
    ),
    PhraseKey.FILLER: "Un instant, je vérifie.",
}


def test_shipped_clinic_speaks_the_brief_word_for_word() -> None:
    """Dr Fillion's file carries every phrase of the brief exactly."""
    clinic = load_clinic(SHIPPED_CLINIC_FILE)
    for key, text in SEED_PHRASES.items():
        assert clinic.phrase(key) == text


def test_opening_hours_become_booking_rules() -> None:
    """Opening hours are parsed per ISO weekday and used by the booking rules."""
    clinic = load_clinic(SHIPPED_CLINIC_FILE)
    rules = clinic.booking_rules(dt.datetime(2026, 11, 24, 9, tzinfo=clinic.zone))
    assert rules.is_open(dt.date(2026, 11, 25), dt.time(9))  # Wednesday morning
    assert not rules.is_open(dt.date(2026, 11, 25), dt.time(15))  # Wednesday afternoon: closed
    assert not rules.is_open(dt.date(2026, 11, 29), dt.time(10))  # Sunday


def _write(tmp_path: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load(SHIPPED_CLINIC_FILE.read_text()) | change
    path = tmp_path / "clinic.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"opening_hours": {"monday": ["14:00-12:00"]}}, "opening_hours"),
        ({"phrases": {"greeting": "Bonjour"}}, "missing phrases"),
        (
            {"sms_templates": {"booking_confirmation": "{diagnosis}", "cancellation_confirmation": "ok"}},
            "unknown",
        ),
        ({"emergency": {"action": "transfer"}}, "transfer_to"),
    ],
)
def test_invalid_clinic_files_fail_clearly(tmp_path: Path, change: dict[str, object], needle: str) -> None:
    """A broken clinic file is refused with a message that points at the problem."""
    with pytest.raises(ClinicFileError, match=needle):
        load_clinic(_write(tmp_path, change))


def test_missing_clinic_file_is_a_clear_error(tmp_path: Path) -> None:
    """A path that does not exist gives a ClinicFileError, not a traceback from deep inside."""
    with pytest.raises(ClinicFileError, match="cannot read"):
        load_clinic(tmp_path / "nope.yaml")


GENEVA_FILE = SHIPPED_CLINIC_FILE.with_name("geneve.yaml")


def test_both_shipped_clinics_pass_the_check() -> None:
    """`camille clinic check` accepts Dr Fillion's Paris office (15) and the Geneva example (144)."""
    result = CliRunner().invoke(app, ["clinic", "check", str(SHIPPED_CLINIC_FILE), str(GENEVA_FILE)])
    assert result.exit_code == 0, result.output
    assert "FR, emergency number 15" in result.output and "CH, emergency number 144" in result.output
    assert "composez le 144" in load_clinic(GENEVA_FILE).phrase(PhraseKey.EMERGENCY)


def test_a_swiss_clinic_that_says_dial_15_is_refused(tmp_path: Path) -> None:
    """The Geneva file with France's « composez le 15 » fails the check, naming the phrase and the right numbers."""
    path = tmp_path / "geneve.yaml"
    path.write_text(GENEVA_FILE.read_text().replace("composez le 144", "composez le 15"))
    result = CliRunner().invoke(app, ["clinic", "check", str(path)])
    assert result.exit_code == 1
    assert "phrases.emergency says to dial 15: not an emergency number in CH (112 or 144)" in result.output


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"emergency": {"number": "144"}}, "emergency.number 144 is not an emergency number in FR (15 or 112)"),
        ({"timezone": "Europe/Zurich"}, "timezone Europe/Zurich is not a time zone of FR (Europe/Paris)"),
        ({"phone_region": "JP", "timezone": "Asia/Tokyo"}, "phone_region JP: no emergency numbers known"),
    ],
)
def test_a_clinic_must_fit_its_country(tmp_path: Path, change: dict[str, object], problem: str) -> None:
    """The emergency number and the time zone must belong to the clinic's country; an unknown country is refused."""
    with pytest.raises(ClinicFileError) as raised:
        load_clinic(_write(tmp_path, change))
    assert any(line.startswith(problem) for line in raised.value.problems), raised.value.problems


def test_every_problem_is_listed(tmp_path: Path) -> None:
    """Several country problems at once are each printed on their own line by `camille clinic check`."""
    path = _write(tmp_path, {"timezone": "Europe/Zurich", "emergency": {"number": "144"}})
    result = CliRunner().invoke(app, ["clinic", "check", str(path)])
    assert result.exit_code == 1
    assert "3 problem(s)" in result.output
