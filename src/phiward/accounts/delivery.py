"""E-mail leaves from a background thread, never from the request that asked for it.

A password-reset request for an address that has an account and one for an address that has
none take the same time: the message is rendered in both cases and only handed over here, so an
SMTP round trip cannot tell an attacker which addresses exist. A slow or dead relay never holds
a web worker either. One sender thread per process works through a bounded queue; when the
queue is full (a flood of requests) further messages are dropped and the drop is logged.

A failed delivery is logged with the exception's type only: SMTP errors repeat the recipient's
address, which is not for the application log.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time

from django.core.mail import EmailMessage

logger = logging.getLogger(__name__)

CAPACITY = 200
SHUTDOWN_WAIT_SECONDS = 20.0


class Outbox:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._queue: queue.Queue[EmailMessage] = queue.Queue(capacity)
        self._lock = threading.Lock()
        self._sender: threading.Thread | None = None

    def post(self, message: EmailMessage) -> None:
        """Queue ``message`` for sending; returns at once."""
        self._ensure_sender()
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            logger.error("e-mail not sent: the outgoing queue is full (%d messages)", CAPACITY)

    def wait(self, timeout: float = SHUTDOWN_WAIT_SECONDS) -> bool:
        """Until every message posted so far is sent or has failed; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def _ensure_sender(self) -> None:
        # After a fork (gunicorn workers) the parent's thread does not exist: start one here.
        with self._lock:
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(target=self._run, name="phiward-mail", daemon=True)
                self._sender.start()

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            try:
                message.send()
            except Exception as exc:  # nobody waits on this thread: the log is the only report
                code = getattr(exc, "smtp_code", None)
                reply = f" (server reply {code})" if isinstance(code, int) else ""
                logger.error("e-mail not sent: %s%s", type(exc).__name__, reply)
            finally:
                self._queue.task_done()


outbox = Outbox()


def post(message: EmailMessage) -> None:
    outbox.post(message)


def wait(timeout: float = SHUTDOWN_WAIT_SECONDS) -> bool:
    return outbox.wait(timeout)


# A worker that stops normally sends what it has queued first (bounded by the wait).
atexit.register(wait)
