"""Status lines of the imaging screens: plain, or an error in bold red.

The colour goes through the label's palette, not a style sheet: a status line changes many
times a minute, and every change of style sheet makes Qt build and throw away a style.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel

ERROR_COLOR = QColor(0xB0, 0x00, 0x20)


def show_status(label: QLabel, text: str, *, error: bool = False) -> None:
    """Put `text` in `label`, in bold red when it reports an error."""
    label.setText(text)
    palette = QPalette(label.palette())
    if error:
        palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOR)
    else:
        parent = label.parentWidget()
        inherited = parent.palette() if parent is not None else QPalette()
        palette.setColor(
            QPalette.ColorRole.WindowText, inherited.color(QPalette.ColorRole.WindowText)
        )
    label.setPalette(palette)
    font = label.font()
    font.setBold(error)
    label.setFont(font)


def is_error(label: QLabel) -> bool:
    """Whether `label` shows an error (tests)."""
    return label.palette().color(QPalette.ColorRole.WindowText) == ERROR_COLOR
