"""`camille bench audit`: events/s through stream -> sink -> encrypted commit, and consumer lag under a burst.

Throughput is measured from a backlog (the stream filled first, then one sink drains it), so the figure is the
sink's own rate; the burst test publishes 50 calls' events at once into a running sink and samples its lag.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Audit events per second through stream, sink and store.")


@app.callback(invoke_without_command=True)
def bench(
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures here as JSON.")] = None,
    events: Annotated[int, typer.Option(help="Events for the throughput run.")] = 20_000,
    postgres_url: Annotated[
        str | None, typer.Option(help="A PostgreSQL server URL (default: CAMILLE_TEST_POSTGRES_URL).")
    ] = None,
) -> None:
    """Measure the sink on SQLite and PostgreSQL (skipped, null, when no server is given)."""
    import asyncio

    from audit_sink.benchmark import run_benchmark

    url = postgres_url or os.environ.get("CAMILLE_TEST_POSTGRES_URL")
    figures: dict[str, Any] = asyncio.run(run_benchmark(events, url))
    text = json.dumps(figures, indent=2)
    typer.echo(text)
    if json_path is not None:
        json_path.write_text(text + "\n")
