"""Concurrent calls through the whole system, each in a process as LiveKit runs calls: each completes, books its own
slot, is fully audited, and the report says what every process used."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline_kit.load.plots import write_plots
from offline_kit.load.run import RunOptions, run_load


@pytest.fixture(autouse=True)
def embedded_nats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("CAMILLE_NATS_URL", raising=False)


def test_calls_in_processes_of_their_own_complete_and_are_audited(tmp_path: Path) -> None:
    """A booking call and a barge-in call, one process each: both end normally, the booking books and texts, the
    barge-in is timed, the sink stores every event, and CPU and memory are reported per process and per call."""
    options = RunOptions(calls=3, scenario="mix", speed=4.0, ramp_s=0.5, timeout_s=120, idle_processes=2)
    report = run_load(options)
    assert report["completed"] == 3 and report["failed"] == 0, report["errors"]
    booking, barge_in, _ = report["per_call"]
    assert booking["tools"] == ["check_availability", "book_appointment", "send_sms"]
    assert barge_in["scenario"] == "interrupt_greeting" and len(barge_in["barge_in_ms"]) == 1
    for call in report["per_call"]:
        assert call["end_reason"] == "caller_hung_up"
        assert call["audit_stored"] == call["audit_published"] > 0
    assert report["call_processes"] == 3
    calls = [p for p in report["per_process"] if p["role"] == "call"]
    assert all(p["calls"] == 1 and p["cpu_s"] > 0 and p["peak_rss_mb"] > 0 for p in calls)
    assert {p["role"] for p in report["per_process"]} >= {"simulator", "tool-runner", "audit+reference", "nats"}
    assert report["peak_rss_mb_per_call"] > 0 and report["cpu_s_per_call_minute"] > 0
    assert [path.name for path in write_plots(report, tmp_path)] == ["latency.png", "resources.png"]


def test_calls_sharing_one_process_complete() -> None:
    """Two booking calls in one shared process both complete and are fully audited."""
    report = run_load(RunOptions(calls=2, scenario="booking", processes=1, speed=4.0, ramp_s=0.5, timeout_s=120))
    assert report["completed"] == 2 and report["failed"] == 0, report["errors"]
    assert report["call_processes"] == 1 and report["per_process"][-1]["calls"] == 2
    assert report["audit_events_stored"] == report["audit_events_published"] > 0
