"""Logging set-up: one line per record, structured extras, and a last-resort mask for phone-like digit runs.

The rule is that PHI never reaches a logger; the filter is a safety net, not the mechanism.
"""

from __future__ import annotations

import logging
import re

_DIGIT_RUN = re.compile(r"\+?\d[\d .-]{7,}\d")


class MaskDigitRuns(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _DIGIT_RUN.sub("***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskDigitRuns())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
