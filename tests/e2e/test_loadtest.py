"""Concurrent calls through the whole system: each completes, books its own slot, and is fully audited."""

from __future__ import annotations

import pytest

from offline_kit.loadtest import run_loadtest


async def test_concurrent_booking_calls_all_complete_and_are_audited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two booking calls at once both end normally, both book and text, and the sink stores every event."""
    monkeypatch.delenv("NATS_URL", raising=False)
    report = await run_loadtest(2, "booking", speed=4.0, ramp_s=0.5, timeout_s=120, echo=lambda _: None)
    assert report["completed"] == 2 and report["failed"] == 0
    for call in report["per_call"]:
        assert call["end_reason"] == "caller_hung_up"
        assert call["tools"] == ["check_availability", "book_appointment", "send_sms"]
        assert call["audit_stored"] == call["audit_published"] > 0
    assert report["greeting_p95_ms"] is not None and report["tool_round_trip_p99_ms"] is not None
