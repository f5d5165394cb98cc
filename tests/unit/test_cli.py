"""The `camille` command: every verb is listed, and an unbuilt one says so and fails."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from camille.cli import NOT_BUILT_EXIT, _mount, app

VERBS = [
    "up",
    "demo",
    "tool-runner",
    "audit-sink",
    "audit",
    "voice-worker",
    "contracts",
    "check-emergency",
    "loadtest",
    "bench",
    "simulator",
    "phrases",
]


def test_every_verb_is_listed() -> None:
    """`camille --help` lists every verb the issues name."""
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for verb in VERBS:
        assert verb in result.output


def test_an_unbuilt_verb_exits_non_zero_and_says_so() -> None:
    """A verb whose module is missing prints 'not built yet' and exits 2, whatever its arguments."""
    parent = typer.Typer()
    _mount(parent, "future", "camille.no_such_module", "Something to come.")

    @parent.command("other")
    def _other() -> None: ...

    result = CliRunner().invoke(parent, ["future", "list", "--flag"])
    assert result.exit_code == NOT_BUILT_EXIT
    assert "not built yet" in result.output
