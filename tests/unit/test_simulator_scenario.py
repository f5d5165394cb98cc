"""Scenario files: validation, shipped scenarios, date placeholders and the branch rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from offline_kit.simulator import (
    Branch,
    Call,
    Fault,
    FaultAt,
    ScenarioError,
    load_scenario,
    looks_like_error,
    resolve_dates,
    shipped_scenarios,
)

TUESDAY = dt.date(2031, 3, 4)


def test_every_required_scenario_is_shipped_and_valid() -> None:
    """The seven scenarios the issue asks for load by name and each has at least one caller turn."""
    expected = {
        "booking",
        "no_availability",
        "tool_failure",
        "cancellation",
        "off_topic",
        "emergency",
        "interrupt_greeting",
    }
    assert expected <= set(shipped_scenarios())
    assert all(load_scenario(name).turns for name in expected)


def test_booking_scenario_calls_availability_book_and_sms_in_order() -> None:
    """The booking scenario's model calls check_availability, then book_appointment, then send_sms."""
    scenario = load_scenario("booking")
    calls = [step.call for turn in scenario.turns for step in turn.model if isinstance(step, Call)]
    assert calls == ["check_availability", "book_appointment", "send_sms"]


def test_unknown_name_and_invalid_file_are_clear_errors(tmp_path: Path) -> None:
    """An unknown scenario names the shipped ones; an invalid file names itself and the problem."""
    with pytest.raises(ScenarioError, match="booking"):
        load_scenario("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nturns:\n  - caller: ''\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml"):
        load_scenario(bad)


def test_a_turn_cannot_be_both_absolute_and_a_barge_in(tmp_path: Path) -> None:
    """at_ms and barge_in_after_ms together are rejected."""
    path = tmp_path / "both.yaml"
    path.write_text("name: both\nturns:\n  - caller: Allô\n    at_ms: 10\n    barge_in_after_ms: 10\n")
    with pytest.raises(ScenarioError, match="not both"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{today}", "2031-03-04"),
        ("{tomorrow}", "2031-03-05"),
        ("{in_days:10}", "2031-03-14"),
        ("{next_weekday:tuesday}", "2031-03-11"),
        ("{next_weekday:friday}", "2031-03-07"),
        ("le {tomorrow} à 9h", "le 2031-03-05 à 9h"),
    ],
)
def test_date_placeholders_resolve_relative_to_today(template: str, expected: str) -> None:
    """Placeholders become ISO dates after `today` (next_weekday is strictly after today)."""
    assert resolve_dates({"a": [template]}, TUESDAY) == {"a": [expected]}


def test_scenario_today_uses_its_time_zone() -> None:
    """Just before midnight UTC it is already the next day in Zurich."""
    scenario = load_scenario("booking")
    assert scenario.today(dt.datetime(2031, 3, 4, 23, 30, tzinfo=dt.UTC)) == dt.date(2031, 3, 5)


@pytest.mark.parametrize(
    ("output", "error"),
    [
        ('{"error": "backend_down"}', True),
        ('{"ok": false}', True),
        ("An internal error occurred", True),
        ("Erreur : service indisponible", True),
        ('{"slots": []}', False),
        ("Ce créneau n'est plus libre.", False),
        ("", False),
    ],
)
def test_error_rule(output: str, error: bool) -> None:
    """Outputs look like errors by prefix or by JSON error fields, and only then."""
    assert looks_like_error(output) is error


def test_first_matching_branch_wins() -> None:
    """Branches are tried in order; contains-matching is case-insensitive and conditions combine."""
    call = Call.model_validate(
        {
            "call": "check_availability",
            "branches": [
                {"if_output_contains": "AUCUN", "if_error": False, "then": [{"say": "rien"}]},
                {"if_error": True, "then": [{"say": "erreur"}]},
            ],
        }
    )
    assert call.branch_for("aucun créneau") == call.branches[0]
    assert call.branch_for('{"error": "aucun"}') == call.branches[1]
    assert call.branch_for('{"slots": ["09:00"]}') is None
    assert isinstance(call.branches[0], Branch)


def test_dropping_the_socket_on_every_connect_is_rejected() -> None:
    """A drop_socket fault without a turn would make the plugin reconnect forever, so the scenario is invalid."""
    with pytest.raises(ValueError, match="forever"):
        FaultAt(fault=Fault.DROP_SOCKET)
    assert FaultAt(fault=Fault.DROP_SOCKET, turn=1).turn == 1
