"""`camille bench tools|authority|audit|voice|emergency`.

`tools`: what NATS + the tool runner add to a webhook call, and which HTTP transport to use.

A local webhook answers after a fixed delay. We time tool calls through NATS and the tool runner, and direct
in-process HTTP calls to the same webhook, at 1 and 50 concurrent callers, and subtract the webhook's delay. Each
transport is measured through one tool runner; the summary keys come from the default transport run as deployed
(two replicas in one queue group, as compose.yaml and k8s run them), with one replica's p99 beside them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Benchmarks: report ratios and percentiles measured in one run.", no_args_is_help=True)


def _report(figures: dict[str, Any], json_path: Path | None, *, as_table: bool = False) -> None:
    """Print the figures (as JSON, or as a `key: value` table that then names the file) and write them as JSON to
    `json_path` when one is given."""
    text = json.dumps(figures, indent=2)
    if as_table:
        for key, value in figures.items():
            typer.echo(f"{key:>44}: {value}")
    else:
        typer.echo(text)
    if json_path is not None:
        json_path.write_text(text + "\n")
        if as_table:
            typer.echo(f"wrote {json_path}")


@app.command("tools")
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

    from offline_kit.bench.tools import DEPLOYED_REPLICAS, run

    figures = uvloop.run(run(delay_s=delay_ms / 1000, calls=calls, replicas=replicas or DEPLOYED_REPLICAS))
    _report(figures, json_path, as_table=True)


@app.command("authority")
def authority(
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures to this file.")] = None,
    delay_ms: Annotated[float, typer.Option(help="The webhook's fixed answer delay.")] = 20.0,
    calls: Annotated[int, typer.Option(help="Calls per measurement at 50 concurrent callers.")] = 500,
    rounds: Annotated[int, typer.Option(min=1, help="Rounds, each measuring both kinds of call state.")] = 3,
) -> None:
    """What the per-call state shared in JetStream adds to a tool call, against the same state in the process."""
    import uvloop

    from offline_kit.bench.authority import run

    figures = uvloop.run(run(delay_s=delay_ms / 1000, calls=calls, rounds=rounds))
    _report(figures, json_path, as_table=True)


@app.command("audit")
def audit(
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures here as JSON.")] = None,
    events: Annotated[int, typer.Option(help="Events for the throughput run.")] = 20_000,
    postgres_url: Annotated[
        str | None, typer.Option(help="A PostgreSQL server URL (default: CAMILLE_TEST_POSTGRES_URL).")
    ] = None,
) -> None:
    """Audit events per second through stream, sink and store, on SQLite and PostgreSQL (null with no server)."""
    from offline_kit.bench.audit import run_benchmark

    url = postgres_url or os.environ.get("CAMILLE_TEST_POSTGRES_URL")
    figures: dict[str, Any] = asyncio.run(run_benchmark(events, url))
    _report(figures, json_path)


@app.command("voice")
def voice(
    calls: Annotated[int, typer.Option(min=1, help="How many calls to run, one after the other.")] = 5,
    speed: Annotated[float, typer.Option(help="Call time speed-up (audio pacing); latencies are wall time.")] = 4.0,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures as JSON here.")] = None,
) -> None:
    """Greeting latency and response overhead of the voice agent over scripted calls (percentiles, ms)."""
    from runtime.logs import configure

    if not logging.getLogger().handlers:  # leave a host's logging (pytest's capture) alone
        configure("WARNING")
    logging.getLogger("livekit.agents").setLevel(logging.ERROR)  # "no pause on this output": true, and expected
    from offline_kit.bench.voice import run_bench

    report = asyncio.run(run_bench(calls, speed))
    _report(report, json_path)


@app.command("emergency")
def emergency(
    words: Annotated[int, typer.Option(min=10, help="Words in the caller's transcript.")] = 1000,
    rounds: Annotated[int, typer.Option(min=1, help="Timed checks of each kind.")] = 200,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures as JSON here.")] = None,
) -> None:
    """One emergency check on a long transcript: a partial read now (throttled, last passages) against the whole
    transcript read on every partial as before, and the final read (p50/p99, ms, measured in one run)."""
    from offline_kit.bench.emergency import run

    report = run(words=words, rounds=rounds)
    _report(report, json_path)
