"""`camille bench tools`: what NATS + the tool runner add to a webhook call, and which HTTP transport to use.

A local webhook answers after a fixed delay. We time tool calls through NATS and the tool runner, and direct
in-process HTTP calls to the same webhook, at 1 and 50 concurrent callers, and subtract the webhook's delay. Each
transport is measured through one tool runner; the summary keys come from the default transport run as deployed
(two replicas in one queue group, as compose.yaml and k8s run them), with one replica's p99 beside them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.callback(invoke_without_command=True)
def tools(
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures to this file.")] = None,
    delay_ms: Annotated[float, typer.Option(help="The webhook's fixed answer delay.")] = 20.0,
    calls: Annotated[int, typer.Option(help="Calls per measurement at 50 concurrent callers.")] = 1000,
    replicas: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Tool-runner replicas behind the summary figures (default: as deployed, two); one is always measured.",
        ),
    ] = None,
) -> None:
    """Measure tool-call overhead p50/p99 at 1 and 50 concurrent callers; compare httpx transports."""
    import uvloop

    from tool_runner.benchmark import DEPLOYED_REPLICAS, run

    figures = uvloop.run(run(delay_s=delay_ms / 1000, calls=calls, replicas=replicas or DEPLOYED_REPLICAS))
    for key, value in figures.items():
        typer.echo(f"{key:>44}: {value}")
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
        typer.echo(f"wrote {json_path}")
