"""`camille token-service`: the caller's web page and the token API."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.callback(invoke_without_command=True)
def run(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default: CAMILLE_WEB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default: CAMILLE_WEB_PORT, 8780).")] = None,
) -> None:
    """Serve the call page at / and POST /api/token (LiveKit tokens for a fresh room with Camille dispatched)."""
    import asyncio

    from token_service.server import serve

    asyncio.run(serve(host, port))
