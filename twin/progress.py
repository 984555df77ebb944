"""A QGIS-free progress, cancel and log channel that the core reports through."""
from __future__ import annotations

import time

from .errors import Cancelled


class Reporter:
    """Receives progress, messages and cancel requests; the default is silent.

    The Processing layer adapts a QgsProcessingFeedback to this interface.
    """

    def progress(self, percent: float) -> None:
        """Overall progress 0..100."""

    def info(self, message: str) -> None:
        """An informational log line."""

    def warning(self, message: str) -> None:
        """A warning, e.g. a skipped object and why."""

    def is_cancelled(self) -> bool:
        return False

    def check(self) -> None:
        """Raise Cancelled when the user asked to stop."""
        if self.is_cancelled():
            raise Cancelled()


class CollectingReporter(Reporter):
    """Keeps every message; handy for tests and scripts."""

    def __init__(self, cancel_after: float | None = None) -> None:
        self.infos: list[str] = []
        self.warnings: list[str] = []
        self.last_progress = 0.0
        self._deadline = None if cancel_after is None else time.monotonic() + cancel_after

    def progress(self, percent: float) -> None:
        self.last_progress = percent

    def info(self, message: str) -> None:
        self.infos.append(message)

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def is_cancelled(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline
