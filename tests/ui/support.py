"""Helpers for driving the real widgets the way staff do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot


def type_text(widget: QWidget, text: str) -> None:
    """Type `text` into `widget` as a Vietnamese input method does: one committed string.

    (`QTest.keyClicks` aborts on characters outside ASCII.)
    """
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def type_keys(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type ASCII text key by key (like a keyboard-wedge scanner), then nothing else."""
    for char in text:
        qtbot.keyClick(widget, char)


def press_enter(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)
