"""The `camille` command: every verb is listed, and a kit verb without the kit says to install the dev extra."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from camille.cli import app
from camille.devkit import MISSING_KIT_EXIT, mount_dev_verb

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
    "clinic",
]


def test_every_verb_is_listed() -> None:
    """`camille --help` lists every verb the issues name."""
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for verb in VERBS:
        assert verb in result.output


def test_a_kit_verb_without_the_kit_says_install_the_dev_extra() -> None:
    """A verb whose offline-kit module is missing says "install the dev extra" and exits 2, whatever its arguments."""
    parent = typer.Typer()
    mount_dev_verb(parent, "future", "offline_kit.no_such_module", "Something to come.", "camille future")

    @parent.command("other")
    def _other() -> None: ...

    result = CliRunner().invoke(parent, ["future", "list", "--flag"])
    assert result.exit_code == MISSING_KIT_EXIT
    assert "install the dev extra" in result.output
