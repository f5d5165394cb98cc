"""Logging safety nets: LiveKit's PII-marked extras and phone-like digit runs never reach a handler."""

from __future__ import annotations

import logging

from runtime.logs import MaskDigitRuns, drop_livekit_pii, mask_phone_numbers


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_livekit_pii_extras_are_dropped_before_handlers() -> None:
    """A transcript LiveKit logs under `lk.pii.user_transcript` is gone from the record a handler receives."""
    drop_livekit_pii()
    drop_livekit_pii()  # installing twice adds one filter
    logger = logging.getLogger("livekit.agents")
    assert sum(type(f).__name__ == "DropPiiExtras" for f in logger.filters) == 1
    collect = Collect()
    logger.addHandler(collect)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("received user transcript", extra={"lk.pii.user_transcript": "Jeanne Canari", "language": "fr"})
    finally:
        logger.removeHandler(collect)
    [record] = collect.records
    assert not hasattr(record, "lk.pii.user_transcript") and record.language == "fr"  # type: ignore[attr-defined]


def test_phone_like_digit_runs_are_masked() -> None:
    """A phone number that slipped into a message is masked; short numbers (ports, counts) are kept."""
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "call %s from 079 123 45 67 on port %d", ("c1", 8765), None
    )
    MaskDigitRuns().filter(record)
    assert record.getMessage() == "call c1 from *** on port 8765"


def test_phone_formats_are_masked_but_addresses_and_dates_are_not() -> None:
    """Swiss and French numbers in every usual form are masked; an IP address or a date is left readable."""

    def masked(message: str) -> str:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
        MaskDigitRuns().filter(record)
        return record.getMessage()

    for phone in ("+41 79 123 45 67", "0791234567", "06.12.34.56.78", "+33612345678", "044-555-01-23"):
        assert masked(f"from {phone} ok") == "from *** ok"
    assert masked("ready on http://127.0.0.1:8765") == "ready on http://127.0.0.1:8765"
    assert masked("slot 2026-11-24 at 09:00") == "slot 2026-11-24 at 09:00"


def test_the_voice_worker_mask_reaches_every_record_whatever_handler_prints_it() -> None:
    """The voice worker's handlers are LiveKit's: the mask goes on every record the process creates, once, so a
    handler without the filter (LiveKit's, or a job process's queue) never sees the number; other text is kept."""
    original = logging.getLogRecordFactory()
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger = logging.getLogger("livekit.agents.test_mask")
    handler = Collect()
    logger.addHandler(handler)
    try:
        mask_phone_numbers()
        mask_phone_numbers()  # idempotent: one wrapper
        logger.warning("caller %s on call %s", "+33 6 12 34 56 78", "call-42")
        # Arguments that do not format still make a record (logging reports them when it prints it).
        broken = logging.getLogRecordFactory()("x", logging.INFO, "f.py", 1, "bad %d", ("text",), None)
        assert broken.msg == "bad %d"
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(original)
    assert seen == ["caller *** on call call-42"]
