"""`camille tool-runner`: run the service."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.callback(invoke_without_command=True)
def run(ctx: typer.Context) -> None:
    """Answer tool requests on NATS by calling the backends named in the routing file."""
    if ctx.invoked_subcommand is not None:
        return
    import uvloop

    from tool_runner.main import serve

    uvloop.run(serve())  # measured: less CPU per call than the default loop (see `camille bench tools`)
