"""`camille clinic check FILE...`: validate clinic files and print each problem."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runtime.clinic import ClinicFileError, load_clinic

app = typer.Typer(help="Clinic files.", no_args_is_help=True)


@app.command("check")
def check(files: Annotated[list[Path], typer.Argument(help="Clinic files (YAML) to check.")]) -> None:
    """Validate each file (fields, phrases, emergency number and time zone of its country); exit 1 on a problem."""
    failed = False
    for path in files:
        try:
            clinic = load_clinic(path)
        except ClinicFileError as exc:
            failed = True
            typer.echo(f"{path}: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                typer.echo(f"  - {problem}")
            continue
        typer.echo(f"{path}: ok ({clinic.name}, {clinic.phone_region}, emergency number {clinic.emergency.number})")
    if failed:
        raise typer.Exit(1)
