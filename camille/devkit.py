"""The offline kit seen from the `camille` command: verbs that need it load it by name, and say how to get it.

The kit (simulator, offline speech, demo, load test, benchmarks) is a development package: it is not in the
production image, and no production module imports it (import-linter checks that). Loading it by name here is what
lets `camille demo` work in a development checkout and fail with a clear sentence in the image.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import typer

KIT_PACKAGE = "offline_kit"
MISSING_KIT_EXIT = 2


def dev_module(module: str, verb: str) -> ModuleType:
    """Import `module` from the offline kit, or exit with "install the dev extra" when the kit is not installed."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (exc.name == KIT_PACKAGE or exc.name.startswith(KIT_PACKAGE + ".")):
            raise
        typer.echo(
            f"{verb} needs Camille's offline kit, which this installation does not have: install the dev extra "
            "(`make test` or `pip install -e '.[dev]' -e ./offline_kit` in a checkout).",
            err=True,
        )
        raise typer.Exit(MISSING_KIT_EXIT) from None


def mount_dev_verb(parent: typer.Typer, name: str, module: str, help_text: str, verb: str) -> None:
    """Mount the kit's Typer app `module.app` as `name`; without the kit, the verb is listed and explains itself."""
    try:
        parent.add_typer(importlib.import_module(module).app, name=name, help=help_text)
        return
    except ModuleNotFoundError as exc:
        if exc.name is None or not (exc.name == KIT_PACKAGE or exc.name.startswith(KIT_PACKAGE + ".")):
            raise

    @parent.command(
        name,
        help=f"{help_text} (needs the dev extra)",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def _needs_kit() -> None:
        dev_module(module, verb)
