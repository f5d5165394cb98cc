"""`camille bench authority` on a small run: both kinds of call state measured, and the difference reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offline_kit.bench.authority import ProcessCallStateStore
from offline_kit.bench.cli import app
from tool_runner.call_state import StaleRevision


def test_bench_reports_both_call_states_and_what_sharing_adds(tmp_path: Path) -> None:
    """A one-round run writes p50/p99 at 1 and 50 callers for each state, their differences and the CPU figure."""
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(app, ["authority", "--json", str(out), "--calls", "100", "--rounds", "1"])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    for state in ("jetstream", "in_process"):
        for level in ("1", "50"):
            assert figures[f"{state}_at_{level}_overhead_p99_ms"] >= figures[f"{state}_at_{level}_overhead_p50_ms"]
    added = figures["jetstream_at_50_overhead_p50_ms"] - figures["in_process_at_50_overhead_p50_ms"]
    assert figures["shared_state_adds_p50_ms_at_50"] == pytest.approx(added, abs=0.001)
    assert figures["cpu_ms_per_admission"] > 0


async def test_the_in_process_state_checks_revisions_like_the_bucket() -> None:
    """The bench's in-process store refuses a write from a stale revision, as the bucket does."""
    store = ProcessCallStateStore()
    first = await store.write("c", b"1", 0)
    with pytest.raises(StaleRevision):
        await store.write("c", b"2", 0)
    assert await store.read("c") == (b"1", first)
