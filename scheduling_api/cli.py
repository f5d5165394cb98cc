"""`camille scheduling-api`: run the reference scheduling backend."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.callback(invoke_without_command=True)
def run(
    host: Annotated[str, typer.Option(help="Interface to listen on.", envvar="CAMILLE_REFERENCE_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", envvar="CAMILLE_REFERENCE_PORT")] = 8765,
) -> None:
    """Serve the five scheduling endpoints (signed webhooks) from SQLite or PostgreSQL."""
    import asyncio

    from scheduling_api.main import serve

    asyncio.run(serve(host, port))
