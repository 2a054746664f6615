"""Languages of the user interface: Vietnamese first, English second (DESIGN §6).

Visible strings are written in English in the code (`self.tr(...)`, or
`QCoreApplication.translate(context, ...)`) and translated to Vietnamese in Qt translation
files, one per area, in `emr_desktop/resources/i18n/` (`<area>_vi.ts`, compiled to `.qm`).
Qt ships no Vietnamese for its own dialogs, so `qtbase_vi.ts` translates the standard
buttons and wizard steps the program shows.

Switching the language installs or removes the translators; Qt then sends every widget a
`LanguageChange` event and `watch_language` re-runs the widget's `retranslate`.

Errors raised by the services carry both languages already (`EmrError.message_vi`,
`message_en`); `error_text` picks the one for the current language.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QTranslator

from emr_desktop.core.errors import EmrError, ValidationError

log = logging.getLogger(__name__)

VIETNAMESE = "vi"
ENGLISH = "en"
LANGUAGES = (VIETNAMESE, ENGLISH)
#: Names shown in the language switch, each in its own language.
LANGUAGE_NAMES = {VIETNAMESE: "Tiếng Việt", ENGLISH: "English"}

_current = VIETNAMESE
_translators: list[QTranslator] = []


def translations_dir() -> Path:
    """Where the `.ts` sources and the compiled `.qm` files live."""
    return Path(str(resources.files("emr_desktop.resources") / "i18n"))


def current_language() -> str:
    return _current


def saved_language(settings: QSettings) -> str:
    value = settings.value("ui/language", VIETNAMESE)
    return value if value in LANGUAGES else VIETNAMESE


def set_language(language: str, settings: QSettings | None = None) -> None:
    """Install the translators for `language` (and remember it in `settings`)."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    app = QCoreApplication.instance()
    for translator in _translators:
        if app is not None:
            QCoreApplication.removeTranslator(translator)
    _translators.clear()
    if language != ENGLISH:
        for qm in sorted(translations_dir().glob(f"*_{language}.qm")):
            translator = QTranslator()
            if not translator.load(str(qm)):
                log.error("cannot load translation %s", qm.name)
                continue
            QCoreApplication.installTranslator(translator)
            _translators.append(translator)
    _current = language
    if settings is not None:
        settings.setValue("ui/language", language)


def pick(vietnamese: str, english: str) -> str:
    """One of two texts given in both languages (from the services), by the current one."""
    return english if _current == ENGLISH else vietnamese


def error_text(error: BaseException, *, with_field: bool = True) -> str:
    """What the user reads for `error`, in the current language.

    A `ValidationError` shown beside its field may leave the field name out. An error that
    is not one of ours gets a general message; its details go to the log (never its text,
    which may hold patient data).
    """
    if isinstance(error, ValidationError) and not with_field:
        text = pick(error.message_vi, error.message_en)
        prefix = f"{error.field}: "
        return text.removeprefix(prefix)
    if isinstance(error, EmrError):
        return pick(error.message_vi, error.message_en)
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unexpected %s\n%s", type(error).__name__, frames)
    return QCoreApplication.translate(
        "Errors", "Unexpected error. Saved data is not affected; try again or tell the IT staff."
    )


class _LanguageWatcher(QObject):
    def __init__(self, parent: QObject, callback: Callable[[], None]) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if event.type() == QEvent.Type.LanguageChange:
            self._callback()
        return False


def watch_language(widget: QObject, retranslate: Callable[[], None]) -> None:
    """Call `retranslate` now and whenever the language changes."""
    widget.installEventFilter(_LanguageWatcher(widget, retranslate))
    retranslate()
