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


class Stage(Reporter):
    """Passes messages and cancel requests on to ``inner`` and maps this stage's 0..100 % onto
    [start, end] of its progress; with ``start = end = None`` the stage's progress is not passed on."""

    def __init__(self, inner: Reporter, start: float | None, end: float | None) -> None:
        self.inner, self.start, self.end = inner, start, end

    def progress(self, percent: float) -> None:
        if self.start is not None and self.end is not None:
            self.inner.progress(self.start + (self.end - self.start) * percent / 100.0)

    def info(self, message: str) -> None:
        self.inner.info(message)

    def warning(self, message: str) -> None:
        self.inner.warning(message)

    def is_cancelled(self) -> bool:
        return self.inner.is_cancelled()


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
