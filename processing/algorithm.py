"""Base class of every geotwin algorithm: translation, dependency check, core error mapping."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsApplication,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterDefinition,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .dependencies import missing_message, missing_modules

if TYPE_CHECKING:
    from .feedback import FeedbackReporter

ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "geotwin.svg"
TR_CONTEXT = "GeoTwin"

#: What processAlgorithm gets and returns: parameter or output id -> value.
Parameters = dict[str, Any]
#: processAlgorithm as a plain function (self, parameters, context, feedback) -> results.
Process = Callable[[Any, Parameters, QgsProcessingContext, QgsProcessingFeedback], Parameters]


def tr(text: str) -> str:
    """Translate in the plugin's single Qt context."""
    return QCoreApplication.translate(TR_CONTEXT, text)


# Parameter ids that are also words of the help texts ("the target CRS"): named by their label only where the
# text clearly means the parameter, "(CRS)" or "CRS:".
AMBIGUOUS_IDS = frozenset({"CRS", "IFC", "LOD", "URL", "NAME", "FORMAT", "GEOID"})


def label_help(text: str, alg: QgsProcessingAlgorithm) -> str:
    """``text`` with each parameter or output id of ``alg`` (TIME, SEATS, ...) replaced by its label in the
    dialog, quoted the way of the UI language: 'from TIME' -> 'from “At (default: now)”' (German „…“).

    Example: ``label_help("at least SEATS seats", alg)`` -> ``'at least “Seats needed” seats'``.
    """
    import re

    from qgis.core import QgsSettings

    german = str(QgsSettings().value("locale/userLocale", "en_US") or "en_US")[:2] == "de"
    opening, closing = ("\u201e", "\u201c") if german else ("\u201c", "\u201d")
    labels = {d.name(): d.description() for d in alg.outputDefinitions()}
    labels.update({d.name(): d.description() for d in alg.parameterDefinitions()})
    for name in sorted(labels, key=len, reverse=True):
        label = labels[name]
        if not name.isupper() or ":" in name or not label:
            continue
        word = re.escape(name)
        pattern = (rf"(?<=\(){word}(?=\))|(?<![\w.-]){word}(?=:)" if name in AMBIGUOUS_IDS
                   else rf"(?<![\w.\-=]){word}(?![\w=])")
        # a replacement string with its backslashes escaped: the label is inserted literally
        text = re.sub(pattern, f"{opening}{label}{closing}".replace("\\", "\\\\"), text)
    return text


def add_advanced(alg: QgsProcessingAlgorithm, *params: QgsProcessingParameterDefinition) -> None:
    """Add ``params`` to ``alg`` in their order, each flagged advanced (shown under "Advanced Parameters")."""
    for param in params:
        param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        alg.addParameter(param)


def _failure(err: BaseException) -> str | None:
    """The one-line message of a core error or a storage fault (OS, SQLite, GDAL, PostgreSQL); None for a bug."""
    from ..twin.kernel.atomic import failure_reason, is_storage_error
    from ..twin.kernel.errors import GeoTwinError

    if isinstance(err, (GeoTwinError, QgsProcessingException)):
        return str(err)
    if is_storage_error(err):
        where = getattr(err, "filename", None)
        return f"{where}: {failure_reason(err)}" if where else failure_reason(err)
    return None


def _missing_inputs(alg: QgsProcessingAlgorithm, parameters: Parameters) -> str | None:
    """'<path>: the file does not exist (NAME)' for the first input parameter naming a file path that is not
    there (layer sources as path|layername=..., lists of them too), or '<path>: not a readable vector layer
    (NAME)' for a layer parameter whose file GDAL cannot open; None when nothing of that kind is wrong."""
    import os

    from qgis.core import QgsVectorLayer

    layer_types = ("vector", "source", "layer")

    for definition in alg.parameterDefinitions():
        if definition.isDestination():
            continue
        values = parameters.get(definition.name())
        for value in values if isinstance(values, (list, tuple)) else [values]:
            if not isinstance(value, str) or not value.strip():
                continue
            path = value.split("|", 1)[0].strip()
            if not (os.sep in path or "/" in path) or "://" in path:
                continue
            if not os.path.exists(path):
                return tr("{0}: the file does not exist ({1})").format(path, definition.name())
            if definition.type() in layer_types and not QgsVectorLayer(value, "check", "ogr").isValid():
                return tr("{0}: not a readable vector layer ({1})").format(path, definition.name())
    return None


def _print_once() -> None:
    """qgis_process echoes every critical message of QGIS's message log to stderr, and QGIS logs a failed
    algorithm's exception there twice besides printing it as ``ERROR:``; muting the log for the rest of that
    (one-algorithm) process prints the error once. The QGIS application itself is left alone."""
    if QgsApplication.platform() == "qgis_process":
        QgsApplication.messageLog().blockSignals(True)


@contextmanager
def interrupt_cancels(feedback: QgsProcessingFeedback | None) -> Iterator[None]:
    """Ctrl-C (SIGINT) cancels ``feedback`` (and so every stage feedback built on it) instead of killing the
    run mid-write, when the algorithm runs in the main thread with Python's own SIGINT handling (qgis_process);
    a second Ctrl-C goes to the previous handler. The previous handler is restored afterwards. Elsewhere
    (QGIS's task threads, a foreign C handler, no feedback) nothing changes: handlers can only be installed
    from the main thread."""
    import signal
    import threading

    if feedback is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGINT)
        if previous is None:        # a handler not installed from Python: it could not be restored
            raise ValueError("foreign SIGINT handler")

        def cancel(signum: int, frame: FrameType | None) -> None:
            if feedback.isCanceled() and callable(previous):
                previous(signum, frame)
            feedback.cancel()

        signal.signal(signal.SIGINT, cancel)
    except (ValueError, OSError, TypeError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _guarded(process: Process) -> Process:
    """processAlgorithm raising one QgsProcessingException, with the core's message, for every core error
    and storage fault (no traceback); Ctrl-C cancels it, and a cancelled run that returns without results
    ends as cancelled too."""
    @functools.wraps(process)
    def processAlgorithm(self: Any, parameters: Parameters, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Parameters:
        try:
            with interrupt_cancels(feedback):
                result = process(self, parameters, context, feedback)
            if result or feedback is None or not feedback.isCanceled():
                return result
            from ..twin.kernel.errors import Cancelled

            raise Cancelled()
        except Exception as err:  # noqa: BLE001 - mapped below, bugs re-raised with their traceback
            message = _failure(err)
            if message is None:
                raise
        _print_once()
        raise QgsProcessingException(message)

    processAlgorithm.geotwin_guarded = True  # type: ignore[attr-defined]
    return processAlgorithm


class GeoTwinAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set ALG_ID, DISPLAY_NAME, GROUP_ID, GROUP_NAME, HELP and REQUIRES.

    Algorithm modules import the core lazily inside processAlgorithm, so the provider
    lists every algorithm even when a dependency is missing. Every subclass's processAlgorithm is
    wrapped once, here: a GeoTwinError, an OS or database fault or a QgsProcessingException becomes
    one QgsProcessingException whose message is printed once, and Ctrl-C in qgis_process cancels the run.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        process = cls.__dict__.get("processAlgorithm")
        if process is not None and not getattr(process, "geotwin_guarded", False):
            cls.processAlgorithm = _guarded(process)

    ALG_ID = ""
    DISPLAY_NAME = ""
    GROUP_ID = ""
    GROUP_NAME = ""
    HELP = ""
    REQUIRES: tuple[str, ...] = ()

    def tr(self, text: str) -> str:
        return tr(text)

    def createInstance(self) -> GeoTwinAlgorithm:  # noqa: N802
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
        """The help, translated, naming the dialog's labels instead of the parameter ids."""
        return label_help(tr(self.HELP), self)

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def missing_dependencies(self) -> list[str]:
        return missing_modules(self.REQUIRES)

    def canExecute(self) -> tuple[bool, str]:  # noqa: N802
        missing = self.missing_dependencies()
        if missing:
            return False, missing_message(missing)
        return True, ""

    def checkParameterValues(self, parameters: Parameters,  # noqa: N802
                             context: QgsProcessingContext) -> tuple[bool, str]:
        """QGIS's check, but an input file that does not exist is named ("Incorrect parameter value for INPUT"
        alone does not say which file)."""
        ok, message = super().checkParameterValues(parameters, context)
        if ok:
            return ok, message
        missing = _missing_inputs(self, parameters)
        return (False, missing) if missing else (ok, message)

    def require_dependencies(self) -> None:
        """Raise the one-line install hint when a dependency is missing."""
        missing = self.missing_dependencies()
        if missing:
            raise QgsProcessingException(missing_message(missing))

    def add_advanced(self, *params: QgsProcessingParameterDefinition) -> None:
        """Add ``params`` in their order, each flagged advanced."""
        add_advanced(self, *params)

    def reporter(self, feedback: QgsProcessingFeedback | None) -> FeedbackReporter:
        from .feedback import FeedbackReporter

        return FeedbackReporter(feedback)
