"""Base class of every geotwin algorithm: translation, dependency check, core error mapping."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingFeedback
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .dependencies import missing_message, missing_modules

ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "geotwin.svg"
TR_CONTEXT = "GeoTwin"


def tr(text: str) -> str:
    """Translate in the plugin's single Qt context."""
    return QCoreApplication.translate(TR_CONTEXT, text)


class GeoTwinAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set ALG_ID, DISPLAY_NAME, GROUP_ID, GROUP_NAME, HELP and REQUIRES.

    Algorithm modules import the core lazily inside processAlgorithm, so the provider
    lists every algorithm even when a dependency is missing.
    """

    ALG_ID = ""
    DISPLAY_NAME = ""
    GROUP_ID = ""
    GROUP_NAME = ""
    HELP = ""
    REQUIRES: tuple[str, ...] = ()

    def tr(self, text: str) -> str:
        return tr(text)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def name(self) -> str:
        return self.ALG_ID

    def displayName(self) -> str:  # noqa: N802
        return tr(self.DISPLAY_NAME)

    def group(self) -> str:
        return tr(self.GROUP_NAME)

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP_ID

    def shortHelpString(self) -> str:  # noqa: N802
        return tr(self.HELP)

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def missing_dependencies(self) -> list[str]:
        return missing_modules(self.REQUIRES)

    def canExecute(self):  # noqa: N802
        missing = self.missing_dependencies()
        if missing:
            return False, missing_message(missing)
        return True, ""

    def require_dependencies(self) -> None:
        """Raise the one-line install hint when a dependency is missing."""
        missing = self.missing_dependencies()
        if missing:
            raise QgsProcessingException(missing_message(missing))

    def reporter(self, feedback: QgsProcessingFeedback | None):
        from .feedback import FeedbackReporter

        return FeedbackReporter(feedback)
