"""Logging set-up: one line per record, structured extras, and a last-resort mask for phone-like digit runs.

The rule is that PHI never reaches a logger; the filter is a safety net, not the mechanism.
"""

from __future__ import annotations

import contextlib
import logging
import re

_DIGIT_RUN = re.compile(r"\+?\d[\d .-]{6,}\d")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
PHONE_DIGITS = 9  # Swiss and French numbers have 9 digits after the trunk 0 or the country code


def _mask(match: re.Match[str]) -> str:
    run = match.group()
    if _IPV4.fullmatch(run) or sum(c.isdigit() for c in run) < PHONE_DIGITS:
        return run  # an address, a date, a port or a count: not a phone number
    return "***"


def _mask_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    masked = _DIGIT_RUN.sub(_mask, message)
    if masked != message:
        record.msg, record.args = masked, None


class MaskDigitRuns(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


_MASKED_FACTORY = "_camille_masks_phone_numbers"


def mask_phone_numbers() -> None:
    """The same mask on every record this process creates, whichever handler prints it: for the voice worker, whose
    handlers LiveKit sets up (its job processes send their records to the worker's, which prints them). Once."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, _MASKED_FACTORY, False):
        return

    def masked(*args: object, **kwargs: object) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        with contextlib.suppress(Exception):  # arguments that do not format: logging reports them when it emits
            _mask_record(record)
        return record

    setattr(masked, _MASKED_FACTORY, True)
    logging.setLogRecordFactory(masked)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskDigitRuns())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class DropPiiExtras(logging.Filter):
    """Removes LiveKit's `lk.pii.*` record attributes (caller transcripts, tool payloads) before any handler sees them.

    LiveKit strips them from its OpenTelemetry export but not from plain log records, and `dev` mode logs at DEBUG.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        for key in [key for key in vars(record) if key.startswith("lk.pii.")]:
            delattr(record, key)
        return True


LIVEKIT_LOGGERS = ("livekit.agents", "livekit.plugins.openai")


def drop_livekit_pii() -> None:
    """Install DropPiiExtras on LiveKit's loggers (logger filters run for every record they create), once."""
    for name in LIVEKIT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropPiiExtras) for f in logger.filters):
            logger.addFilter(DropPiiExtras())
