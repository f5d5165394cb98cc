"""`camille bench emergency` runs and reports the figures it promises (no wall time asserted)."""

from offline_kit.bench.emergency import run, transcript


def test_the_bench_reports_every_figure_on_a_small_transcript() -> None:
    """A short run gives p50/p99 for each kind of read, the loop stalls and the throttled partial count."""
    report = run(words=120, rounds=3)
    assert len(transcript(120).split()) == 120
    for key in ("whole_transcript_before", "partial_check_now", "final_check_now"):
        assert report[key]["p50_ms"] is not None and report[key]["p99_ms"] is not None
    assert set(report["final_longest_loop_stall_ms"]) == {"on_loop", "in_thread"}
    assert 0 < report["partials_read_with_throttle"] < report["partials_sent_every_20ms"]
