"""Keep PHI out of logs: exceptions are logged by type and code location, never by message.

An exception's message can quote the data that caused it (a database error names the
duplicate value, a validation error the bad input). The filter replaces the formatted
exception with its type and the traceback's code lines, which name no data.
"""

from __future__ import annotations

import logging
import traceback


def redacted_traceback(exc: BaseException) -> str:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return f"Traceback (most recent call last):\n{frames}{kind}: <message withheld>"


class RedactExceptionMessages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info[1])
            record.exc_info = None
        return True
