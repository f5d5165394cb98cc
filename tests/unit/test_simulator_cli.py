"""`camille simulator`: listing scenarios and refusing unknown ones."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from camille.cli import app
from offline_kit.simulator.settings import SimulatorSettings
from runtime.settings import ConfigurationError


def test_list_names_every_shipped_scenario() -> None:
    """--list prints one line per shipped scenario, with its description."""
    result = CliRunner().invoke(app, ["simulator", "--list"])
    assert result.exit_code == 0
    names = [line.split(":")[0] for line in result.output.splitlines()]
    assert {"booking", "emergency", "interrupt_greeting"} <= set(names)


def test_unknown_scenario_exits_with_a_clear_message() -> None:
    """An unknown scenario name exits 2 and names the shipped scenarios."""
    result = CliRunner().invoke(app, ["simulator", "--scenario", "nope"])
    assert result.exit_code == 2
    assert "booking" in result.output


def test_simulator_refuses_production() -> None:
    """The simulator's settings refuse CAMILLE_ENV=production."""
    with pytest.raises(ConfigurationError, match="development tool"):
        SimulatorSettings(env="production", nats_url="nats://x:4222")
