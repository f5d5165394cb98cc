"""`camille bench audit` on a small run: it writes the documented keys with measured, positive figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offline_kit.bench.cli import app


def test_bench_writes_both_backends_figures(tmp_path: Path, postgres_server_url: str) -> None:
    """A 400-event run reports events/s for SQLite and PostgreSQL and the burst lag, in the JSON file."""
    out = tmp_path / "bench.json"
    env = {"CAMILLE_TEST_POSTGRES_URL": postgres_server_url}
    result = CliRunner().invoke(app, ["audit", "--json", str(out), "--events", "400"], env=env)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["events_per_s_sqlite"] > 0 and figures["events_per_s_postgres"] > 0
    assert figures["sqlite"]["burst_events"] == 2000 and figures["postgres"]["burst_max_lag_events"] >= 0


def test_bench_without_postgres_reports_null(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a PostgreSQL URL the PostgreSQL figure is null rather than invented."""
    monkeypatch.delenv("CAMILLE_TEST_POSTGRES_URL", raising=False)
    result = CliRunner().invoke(app, ["audit", "--events", "80"])
    assert result.exit_code == 0, result.output
    assert '"events_per_s_postgres": null' in result.output
