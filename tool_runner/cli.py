"""`camille tool-runner`: run the service; `camille tool-runner docs`: regenerate the AsyncAPI and OpenAPI files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
HERE = Path(__file__).parent


@app.callback(invoke_without_command=True)
def run(ctx: typer.Context) -> None:
    """Answer tool requests on NATS by calling the backends named in the routing file."""
    if ctx.invoked_subcommand is not None:
        return
    import uvloop

    from tool_runner.main import serve

    uvloop.run(serve())  # measured: less CPU per call than the default loop (see `camille bench tools`)


@app.command("docs")
def docs(
    directory: Annotated[Path, typer.Option(help="Where asyncapi.json and openapi.json go.")] = HERE,
) -> None:
    """Regenerate asyncapi.json (from the FastStream app) and openapi.json (from the reference API)."""
    from tool_runner.docs import write_docs

    for path in write_docs(directory):
        typer.echo(f"wrote {path}")
