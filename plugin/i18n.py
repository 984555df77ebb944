"""Install the plugin's Qt translator for the user's QGIS locale."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"
_translator: QTranslator | None = None


def user_locale() -> str:
    """Two-letter locale QGIS runs in ('de', 'en', ...)."""
    value = QgsSettings().value("locale/userLocale", "en_US") or "en_US"
    return str(value)[:2]


def install_translator(locale: str | None = None) -> bool:
    """Load resources/i18n/geotwin_<locale>.qm once; return True when one is active."""
    global _translator
    locale = locale or user_locale()
    qm = I18N_DIR / f"geotwin_{locale}.qm"
    if _translator is not None:
        QCoreApplication.removeTranslator(_translator)
        _translator = None
    if not qm.exists():
        return False
    translator = QTranslator()
    if not translator.load(str(qm)):
        return False
    QCoreApplication.installTranslator(translator)
    _translator = translator
    return True
