"""Adapt QgsProcessingFeedback to the core's Reporter (QGIS-free interface)."""
from __future__ import annotations

from qgis.core import QgsProcessingFeedback

from ..twin.kernel.progress import Reporter


class FeedbackReporter(Reporter):
    """The core's Reporter (twin.kernel.progress) on top of a Processing feedback object."""

    def __init__(self, feedback: QgsProcessingFeedback | None) -> None:
        self.feedback = feedback or QgsProcessingFeedback()

    def progress(self, percent: float) -> None:
        self.feedback.setProgress(max(0.0, min(100.0, float(percent))))

    def info(self, message: str) -> None:
        self.feedback.pushInfo(message)

    def warning(self, message: str) -> None:
        if hasattr(self.feedback, "pushWarning"):   # QGIS >= 3.16: shown as a warning, not as an error
            self.feedback.pushWarning(message)
        else:
            self.feedback.reportError(message, fatalError=False)

    def is_cancelled(self) -> bool:
        return self.feedback.isCanceled()

    def check(self) -> None:
        if self.feedback.isCanceled():
            from ..twin.kernel.errors import Cancelled

            raise Cancelled()
