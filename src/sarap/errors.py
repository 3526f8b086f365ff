"""Errors a user can act on, and interrupts that are never lost.

Library code raises :class:`SarapError` with a one-line message that says
what went wrong and where; the CLI prints it without a traceback.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class SarapError(Exception):
    """A problem with the user's input or setup, explained in one line."""


class WorkspaceInUse(SarapError):
    """Another process has the workspace open; ``holder`` says which."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


_interrupted = threading.Event()


def record_interrupts() -> None:
    """Have every Ctrl-C recorded here as well as raised (the CLI does this).

    DuckDB looks for a pending Ctrl-C while a query runs and stops the
    query. We saw an import, interrupted three seconds in under a loaded
    test run, carry on to the end and exit 0, as if the Ctrl-C had been
    dropped on its way (most likely as a query ended; not reproduced
    since). A transaction checks the record before it commits
    (:func:`raise_if_interrupted`), so work goes no further than that.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    _interrupted.clear()

    def handler(signum: int, frame: FrameType | None) -> None:
        _interrupted.set()
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, handler)


def interrupted() -> bool:
    """Whether a Ctrl-C was recorded, even one DuckDB dropped."""
    return _interrupted.is_set()


def raise_if_interrupted() -> None:
    """KeyboardInterrupt if a Ctrl-C was recorded, even one DuckDB dropped."""
    if interrupted():
        raise KeyboardInterrupt
